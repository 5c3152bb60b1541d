import ArgumentParser
import AutodiscoverCore

#if canImport(Glibc)
import Glibc
#endif

struct Render: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the answer for an address, exactly as the server would send it.",
        discussion: """
            Builds the request the client of that format sends (for example Outlook's POX POST or \
            Thunderbird's GET on autoconfig.DOMAIN) and prints the response body byte for byte. \
            The status is printed to standard error when it is not 200; the exit code is then 1. \
            --format resolved prints the resolved settings as JSON instead (every field the formats are             written from).
            """
    )

    /// Not a renderer: the resolved settings as JSON.
    static let resolved = "resolved"
    /// Every renderer's id, then `resolved`.
    static let formats = RendererRegistry.standard.ids.map(\.rawValue) + [resolved]

    @OptionGroup var global: GlobalOptions

    @Option(name: .shortAndLong, help: "The mailbox address to answer for.")
    var email: String

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "The answer's format: \(Self.formats.joined(separator: ", ")).",
            valueName: "format"))
    var format: String = "outlook"

    @Option(name: .long, help: "For --format json: the Autodiscover v2 protocol (AutodiscoverV1 or ActiveSync).")
    var `protocol`: String?

    @Flag(
        help:
            "For --format mobileconfig: say on standard error whether the profile is signed: `valid (signer SHA-256 …)`, `invalid`, or `unsigned`."
    )
    var signatureStatus = false

    func validate() throws {
        guard Self.formats.contains(format) else {
            let choices = Self.formats.joined(separator: ", ")
            throw ValidationError("unknown format '\(format)'; choose one of \(choices)")
        }
    }

    func run() async throws {
        let address: EmailAddress
        do {
            address = try EmailAddress(email)
        } catch {
            throw ValidationError("--email: \(error)")
        }
        let config = try global.loadConfiguration()
        if format == Self.resolved {
            guard let resolved = config.resolve(address) else {
                printError("error: no configured domain serves \(address.domain)")
                throw ExitCode(1)
            }
            print(resolved.settingsJSON(for: address))
            return
        }
        guard let renderer = RendererRegistry.standard[RendererID(rawValue: format)] else { return }
        let request = renderer.sampleRequest(for: address, protocol: `protocol`)
        let engine = AnswerEngine()
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let response = engine.answer(
            request, renderer: renderer, config: config, time: (Int(now.tv_sec), Int(now.tv_nsec)))
        writeStandardOutput(response.body)
        if signatureStatus, renderer.isSignedProfile, response.status == 200 {
            if config.signer == nil {
                printError("unsigned")
            } else if let verified = ProfileSigner.verify(response.body) {
                printError("valid (signer SHA-256 \(verified.signer))")
            } else {
                printError("invalid: the profile's signature does not verify")
                throw ExitCode(1)
            }
        }
        if response.status != 200 {
            printError("status \(response.status)")
            throw ExitCode(1)
        }
    }
}

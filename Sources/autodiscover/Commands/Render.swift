import ArgumentParser
import AutodiscoverCore

struct Render: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the answer for an address, exactly as the server would send it.",
        discussion: "Exits 1 when the address is invalid or its domain is not configured."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .shortAndLong, help: "The mailbox address to answer for.")
    var email: String

    @Option(name: .shortAndLong, help: "The answer's format: settings (the resolved settings as JSON).")
    var format: String = "settings"

    func validate() throws {
        guard format == "settings" else {
            throw ValidationError("unknown format '\(format)'; choose settings")
        }
    }

    func run() async throws {
        let address: EmailAddress
        do {
            address = try EmailAddress(email)
        } catch {
            throw ValidationError("--email: \(error)")
        }
        let config: Configuration
        do {
            config = try ConfigLoader().load(pathOrDefault: global.config)
        } catch {
            for issue in error.issues { printError(issue.description) }
            throw ExitCode(1)
        }
        guard let resolved = config.resolve(address) else {
            printError("error: no configured domain serves \(address.domain)")
            throw ExitCode(1)
        }
        print(resolved.settingsJSON(for: address))
    }
}

import ArgumentParser
import AutodiscoverCore
import AutodiscoverProbe
import Foundation

struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk the steps each mail client takes to find its settings, against a live deployment.",
        discussion: """
            For the address's domain D, each client's lookups in its order (Thunderbird: \
            https://autoconfig.D/mail/config-v1.1.xml, https://D/.well-known/autoconfig/…, then Outlook's POX URLs and \
            _autodiscover._tcp.D; Outlook: POST https://D/autodiscover/autodiscover.xml, https://autodiscover.D/…, the \
            http redirect step, the SRV record; outlook-json: the v2 JSON endpoint, then a POST to the URL it names; \
            activesync: the POX URLs with the mobilesync schema; pacc: the _ua-auto-config.D TXT record and \
            https://ua-auto-config.D/.well-known/user-agent-configuration.json; apple: the profile URL on D and \
            autoconfig.D). Each step shows DNS (or the --resolve / --connect-to mapping), the TLS connection (ALPN, \
            days until the certificate expires; certificates are verified against the system store or --ca as \
            clients do), the HTTP status and time, and the answer read with the format's rules. With --config, the \
            answer is compared with what that configuration answers: byte for byte for PACC, field by field for the \
            others (the differing field is named with expected and found).

            A step is PASS, WARN (not there: the client moves on, e.g. a 404 or no SRV record), FAIL (wrong: an \
            invalid certificate, an unreadable answer, a PACC digest that matches no TXT record, settings that differ \
            from the configuration) or SKIP. Each client stops at the first answer it can read; its verdict is that \
            step's. Redirects are reported, not followed. Addresses come from the system resolver, SRV and TXT \
            records from --nameserver (or the system's).

            Exit status: 0 when no step and no client failed (warnings allowed), 1 when any did, 2 on bad input or \
            a configuration that does not load.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(name: [.short, .long], help: "The mailbox address a user would type.")
    var email: String

    @Option(
        name: [.short, .long],
        help: "A YAML configuration to compare the answers with (without it, answers are only read and checked).")
    var config: String?

    @Option(
        help: ArgumentHelp(
            "Which client to walk: \(Prober.Client.allCases.map(\.rawValue).joined(separator: ", ")) or all (repeatable).",
            valueName: "client"))
    var client: [String] = ["all"]

    @Option(
        help: ArgumentHelp(
            "Connect to ADDR for HOST:PORT instead of what DNS says, as curl does (repeatable).", valueName: "host:port:addr"))
    var resolve: [String] = []

    @Option(
        name: .customLong("connect-to"),
        help: ArgumentHelp(
            "Connect to ADDR:PORT2 for HOST:PORT, as curl does: a deployment on other ports (repeatable).",
            valueName: "host:port:addr:port2"))
    var connectTo: [String] = []

    @Option(
        name: .customLong("nameserver"),
        help: ArgumentHelp(
            "A nameserver for SRV and TXT questions, HOST[:PORT] (repeatable); default the system's.", valueName: "host[:port]"))
    var nameservers: [String] = []

    @Option(help: ArgumentHelp("Trust the CA certificates in this PEM file instead of the system's.", valueName: "file"))
    var ca: String?

    @Flag(help: "Also try the cleartext http:// autoconfig URLs Thunderbird falls back to.")
    var insecureHTTP = false

    @Option(help: "How long each connection, handshake, request and DNS question may take (500ms, 5s, …).")
    var timeout: String = "5s"

    @Option(help: "text or json.")
    var format: Format = .text

    func run() async throws {
        let options: Prober.Options
        do {
            options = try makeOptions()
        } catch let error as ProbeInputError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        let prober: Prober
        do {
            prober = try Prober(options)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        let report = await prober.run()
        switch format {
        case .text:
            print(report.text)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    private func makeOptions() throws -> Prober.Options {
        let address: EmailAddress
        do {
            address = try EmailAddress(email)
        } catch {
            throw ProbeInputError("--email '\(email)': \(error)")
        }
        guard let timeout = DurationParser.parse(self.timeout), timeout > .zero else {
            throw ProbeInputError("--timeout '\(self.timeout)' is not a duration (500ms, 5s, 1m)")
        }
        var clients: [Prober.Client] = []
        for name in client {
            if name == "all" {
                clients += Prober.Client.allCases
            } else if let known = Prober.Client(rawValue: name) {
                clients.append(known)
            } else {
                let names = Prober.Client.allCases.map(\.rawValue).joined(separator: ", ")
                throw ProbeInputError("--client '\(name)' is not one of \(names), all")
            }
        }
        var connections = ConnectionMap()
        for entry in resolve { try connections.addResolve(entry) }
        for entry in connectTo { try connections.addConnectTo(entry) }
        for server in nameservers where NameserverAddress.split(server) == nil {
            throw ProbeInputError("--nameserver '\(server)' is not HOST[:PORT]")
        }
        if let ca, !FileManager.default.isReadableFile(atPath: ca) {
            throw ProbeInputError("--ca '\(ca)': no such readable file")
        }
        var configuration: Configuration?
        if let config {
            do {
                configuration = try ConfigLoader().load(pathOrDefault: config)
            } catch {
                for issue in error.issues { printError(issue.description) }
                throw ExitCode(2)
            }
        }
        var seen = Set<Prober.Client>()
        return Prober.Options(
            address: address, config: configuration, clients: clients.filter { seen.insert($0).inserted },
            connections: connections, nameservers: nameservers, trustRoots: ca, insecureHTTP: insecureHTTP, timeout: timeout)
    }
}

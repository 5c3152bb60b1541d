import ArgumentParser
import AutodiscoverCore

struct DNSRecords: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "records",
        abstract: "Print the DNS records the configuration implies.",
        discussion: """
            For each domain and alias (wildcards have no records of their own): SRV records for IMAP, POP3 \
            and submission (RFC 6186, RFC 8314; priorities in the configured order, `0 0 0 .` where a kind is \
            not offered), CalDAV and CardDAV (RFC 6764, with TXT path=), XMPP (RFC 6120, XEP-0368), \
            _autodiscover._tcp and _airsync._tcp; CNAMEs for autoconfig., autodiscover. and ua-auto-config. to \
            the service host; and the PACC digest TXT at _ua-auto-config (draft-ietf-mailmaint-pacc-03), the \
            SHA-256 of the exact document the server sends. --format zone writes absolute names, loadable after \
            a SOA and NS header; --format json one object per domain, sorted.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case zone, json
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: DNSSelection

    @Option(help: "The records' TTL in seconds.")
    var ttl: Int = 3600

    @Option(help: "zone or json.")
    var format: Format = .zone

    func validate() throws {
        guard (0...2_147_483_647).contains(ttl) else { throw ValidationError("--ttl must be 0 to 2147483647 seconds") }
    }

    func run() async throws {
        let planner = try DNSCommandSupport.planner(global, selection, ttl: ttl)
        let names: [DomainName]
        do {
            names = try planner.names(selection.domains)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        var output = OutputBuffer()
        switch format {
        case .zone:
            output.append("; DNS records for \(DNSCommandSupport.source(global)) (autodiscover dns records), TTL \(ttl)\n")
            if let host = planner.serviceHost {
                output.append("; service host \(host.ascii): autoconfig., autodiscover. and ua-auto-config. are CNAMEs to it\n")
            } else {
                output.append("; no service host (--service-host or server.public_host): no CNAMEs written\n")
            }
            planner.write(names, as: { "\n" + $0.zoneText }) { output.append($0) }
        case .json:
            output.append("{\n  \"ttl\": \(ttl),\n  \"service_host\": ")
            output.append(planner.serviceHost.map { JSONText.quoted(DNSName.absolute($0.ascii)) } ?? "null")
            output.append(",\n  \"domains\": [")
            var first = true
            planner.write(names, as: { $0.jsonLine + ",\n" }) { text in
                output.append(first ? "\n" : ",\n")
                output.append(String(text.dropLast(2)))
                first = false
            }
            output.append("\n  ]\n}\n")
        }
        output.flush()
        flushAndExit(0)
    }
}

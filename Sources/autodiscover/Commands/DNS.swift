import ArgumentParser

struct DNS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The DNS records the configuration implies, and a check of what DNS serves.",
        discussion: """
            `dns records` prints every SRV, TXT and CNAME record the configured domains need (RFC 6186, \
            RFC 8314, RFC 6764, XEP-0368, Exchange's _autodiscover._tcp, the PACC digest); `dns check` asks \
            DNS for each of them and reports PASS, MISSING, DRIFT or ERROR per owner.
            """,
        subcommands: [DNSRecords.self, DNSCheck.self]
    )
}

/// The options `dns records` and `dns check` share: which domains, and where the service lives.
struct DNSSelection: ParsableArguments {
    @Option(
        name: .customLong("domain"),
        help: ArgumentHelp(
            "A domain to write or check (repeatable); default every configured domain and alias but wildcards.",
            valueName: "domain"))
    var domains: [String] = []

    @Option(
        help: ArgumentHelp(
            "The service's host name: autoconfig.D, autodiscover.D and ua-auto-config.D are CNAMEs to it. Default: server.public_host; without either, no CNAMEs.",
            valueName: "host"))
    var serviceHost: String?
}

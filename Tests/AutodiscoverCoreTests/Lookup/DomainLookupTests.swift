import AutodiscoverCore
import Testing

@Suite("Domain lookup")
struct DomainLookupTests {
    static let config: Configuration = {
        let yaml = """
            domains:
              example.com: { imap: imap.example.com, aliases: [example.net, "bücher-alias.example"] }
              "*.tenants.example.net": { imap: imap.tenants.example.net }
              "*.eu.tenants.example.net": { imap: imap.eu.example.net }
              eu.tenants.example.net: { imap: imap.exact.example.net }
              autoconfig.special.example: { imap: imap.special.example }
              special.example: { imap: imap.special-parent.example }
              bücher.example: { imap: imap.buecher.example }
            """
        return try! TestSupport.load(yaml).get()
    }()

    @Test(
        "Addresses resolve by exact name, alias, longest wildcard, case and IDNA",
        arguments: [
            ("alice@example.com", "example.com", "exact"),
            ("Alice@EXAMPLE.COM", "example.com", "exact"),
            ("alice@example.com.", "example.com", "exact"),
            ("bob@example.net", "example.com", "alias"),
            ("bob@BÜCHER-alias.example", "example.com", "alias"),
            ("carol@shop.tenants.example.net", "*.tenants.example.net", "wildcard"),
            ("carol@a.b.tenants.example.net", "*.tenants.example.net", "wildcard"),
            ("dave@x.eu.tenants.example.net", "*.eu.tenants.example.net", "wildcard"),
            ("erin@eu.tenants.example.net", "eu.tenants.example.net", "exact"),
            ("frank@bücher.example", "xn--bcher-kva.example", "exact"),
            ("frank@BÜCHER.example", "xn--bcher-kva.example", "exact"),
            ("frank@xn--bcher-kva.example", "xn--bcher-kva.example", "exact"),
        ] as [(String, String, String)])
    func resolvesAddress(address: String, pattern: String, match: String) throws {
        let parsed = try EmailAddress(address)
        let resolved = try #require(Self.config.resolve(parsed))
        #expect(resolved.domain.pattern == pattern)
        #expect(resolved.match.rawValue == match)
    }

    @Test(
        "Unknown domains resolve to nothing",
        arguments: ["x@unknown.example", "x@tenants.example.net", "x@com", "x@example.co"])
    func unknown(address: String) throws {
        #expect(Self.config.resolve(try EmailAddress(address)) == nil)
    }

    @Test(
        "Hosts strip autoconfig./autodiscover./mta-sts. unless the prefixed name is configured",
        arguments: [
            ("example.com", "example.com"),
            ("autoconfig.example.com", "example.com"),
            ("AUTODISCOVER.example.com:443", "example.com"),
            ("mta-sts.example.net", "example.com"),
            ("autoconfig.special.example", "autoconfig.special.example"),
            ("autodiscover.special.example", "special.example"),
            ("autoconfig.shop.tenants.example.net", "*.tenants.example.net"),
            ("autoconfig.xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("autoconfig.bücher.example", "xn--bcher-kva.example"),
        ] as [(String, String)])
    func resolvesHost(host: String, pattern: String) throws {
        let resolved = try #require(Self.config.resolve(host: host))
        #expect(resolved.domain.pattern == pattern)
    }

    @Test(
        "Hosts that are no domain name resolve to nothing",
        arguments: ["", "[::1]:8080", "127.0.0.1", "example.com:http", "exa mple.com", "www.example.com"])
    func badHosts(host: String) {
        #expect(Self.config.resolve(host: host) == nil)
    }

    @Test("The wildcard answer names the requested domain")
    func wildcardKeepsRequestedName() throws {
        let resolved = try #require(Self.config.resolve(try EmailAddress("a@shop.tenants.example.net")))
        #expect(resolved.requested.ascii == "shop.tenants.example.net")
    }

    /// 100,000 domains are held at once: each byte of the struct is 100 KB of RSS, and a smaller
    /// stride keeps more of the table in cache when requests spread over all of them.
    @Test("A configured domain stays compact in memory; its web services live out of line")
    func mailDomainIsCompact() throws {
        #expect(MemoryLayout<MailDomain>.stride <= 208, "MailDomain is \(MemoryLayout<MailDomain>.stride) bytes")
        var domain = try #require(Self.config.resolve(try EmailAddress("a@example.com"))).domain
        let service = WebService(kind: .caldav, url: "https://dav.example/", host: "dav.example", port: 443, path: "/")
        var copy = domain
        copy.calDAV = service
        #expect(copy.calDAV == service && domain.calDAV == nil)  // a copy's change stays in the copy
        domain.calDAV = service
        #expect(domain == copy && domain.hashValue == copy.hashValue)
    }
}

@Suite("Addresses")
struct EmailAddressTests {
    @Test(
        "Valid addresses parse",
        arguments: [
            ("alice@example.com", "alice", "example.com"),
            ("o'brien+tag@Example.COM", "o'brien+tag", "example.com"),
            ("a&b@example.com", "a&b", "example.com"),
            ("jörg@bücher.example", "jörg", "xn--bcher-kva.example"),
            ("first.last@sub.example.com", "first.last", "sub.example.com"),
            ("\(String(repeating: "l", count: 64))@example.com", String(repeating: "l", count: 64), "example.com"),
        ] as [(String, String, String)])
    func parses(text: String, local: String, domain: String) throws {
        let address = try EmailAddress(text)
        #expect(address.localPart == local)
        #expect(address.domain.ascii == domain)
        // The written form always has the canonical domain, whether or not the text already had it.
        #expect(address.description == "\(local)@\(domain)")
        #expect(address == EmailAddress(localPart: local, domain: address.domain))
    }

    @Test(
        "Invalid addresses are refused",
        arguments: [
            "no-at-sign", "@example.com", "alice@", "a<b>@example.com", "\"quoted\"@example.com",
            "a b@example.com", "a\u{0}b@example.com", "a\nb@example.com", "a\u{7F}@example.com", "a\u{85}@example.com",
            "a\u{200B}@example.com", ".alice@example.com", "alice.@example.com", "al..ice@example.com",
            "\(String(repeating: "l", count: 65))@example.com", "alice@exa_mple..com", "alice@-example.com",
            "alice@\(String(repeating: "d", count: 64)).com",
            "alice@" + Array(repeating: "abcdefghij", count: 26).joined(separator: "."),
            "alice@<script>.com", "a\\b@example.com",
        ])
    func refuses(text: String) {
        #expect(throws: AddressError.self) { try EmailAddress(text) }
    }
}

import AutodiscoverCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("DNS records a configuration implies")
struct DNSPlannerTests {
    static let planner = DNSPlanner(config: GoldenFixture.config, serviceHost: try! DomainName("autodiscover.example.net"))

    /// Every record of a name, as zone lines without the TTL and class (`owner TYPE data`).
    static func lines(_ name: String, planner: DNSPlanner = planner) throws -> [String] {
        let records = try #require(planner.records(for: try DomainName(name)))
        return records.records.map { "\($0.owner) \($0.type.rawValue) \($0.data)" }
    }

    @Test("The golden fixture's zone (Golden/dns/golden.zone; RECORD_GOLDEN=1 rewrites it)")
    func golden() throws {
        let text = try Self.planner.names().compactMap { Self.planner.records(for: $0)?.zoneText }.joined(separator: "\n")
        try TestSupport.matchesGolden(text, "dns/golden.zone")
    }

    @Test("Names: every domain and alias but wildcards, sorted; or those asked, a wildcard's subdomain too")
    func names() throws {
        #expect(
            try Self.planner.names().map(\.ascii) == [
                "alias.example", "full.example", "imap-only.example", "redirect-addr.example", "redirect-url.example",
                "starttls.example", "two-smtp.example", "xn--bcher-kva.example",
            ])
        #expect(
            try Self.planner.names(["a.wild.example", "FULL.example", "full.example"]).map(\.ascii) == [
                "a.wild.example", "full.example",
            ])
        #expect(throws: DNSPlanner.UnknownDomain.self) { try Self.planner.names(["nowhere.example"]) }
    }

    @Test("RFC 6186/8314: priorities in list order across both names; an absent kind is `0 0 0 .` under both")
    func mailServices() throws {
        let lines = try Self.lines("two-smtp.example")
        #expect(lines.contains("_submissions._tcp.two-smtp.example. SRV 0 1 465 smtp1.two-smtp.example."))
        #expect(lines.contains("_submission._tcp.two-smtp.example. SRV 1 1 587 smtp2.two-smtp.example."))
        #expect(lines.contains("_pop3s._tcp.two-smtp.example. SRV 0 0 0 ."))
        #expect(lines.contains("_pop3._tcp.two-smtp.example. SRV 0 0 0 ."))
        // IMAP is offered with implicit TLS only: no record for the STARTTLS name.
        #expect(lines.contains("_imaps._tcp.two-smtp.example. SRV 0 1 993 imap.two-smtp.example."))
        #expect(!lines.contains { $0.hasPrefix("_imap._tcp.") })
        let starttls = try Self.lines("starttls.example")
        #expect(starttls.contains("_imap._tcp.starttls.example. SRV 0 1 143 mail.starttls.example."))
        #expect(starttls.contains("_pop3._tcp.starttls.example. SRV 0 1 110 mail.starttls.example."))
    }

    @Test("RFC 6764: SRV and TXT path= for DAV over TLS, cleartext `0 0 0 .`; XMPP; the seed's records")
    func otherServices() throws {
        let lines = try Self.lines("full.example")
        #expect(lines.contains("_caldavs._tcp.full.example. SRV 0 1 8443 dav.full.example."))
        #expect(lines.contains("_caldavs._tcp.full.example. TXT \"path=/cal/\""))
        #expect(lines.contains("_caldav._tcp.full.example. SRV 0 0 0 ."))
        #expect(lines.contains("_carddavs._tcp.full.example. TXT \"path=/card/\""))
        #expect(lines.contains("_xmpp-client._tcp.full.example. SRV 0 1 5222 chat.full.example."))
        #expect(lines.contains("_airsync._tcp.full.example. SRV 0 1 443 eas.full.example."))
        #expect(lines.contains("_autodiscover._tcp.full.example. SRV 0 1 443 adsc.full.example."))
        let imapOnly = try Self.lines("imap-only.example")
        #expect(imapOnly.contains("_autodiscover._tcp.imap-only.example. SRV 0 1 443 autodiscover.imap-only.example."))
        #expect(!imapOnly.contains { $0.hasPrefix("_airsync.") })
        #expect(imapOnly.contains("_caldavs._tcp.imap-only.example. SRV 0 0 0 ."))
    }

    @Test("CNAMEs to the service host, none where the owner is the service host; none without a service host")
    func cnames() throws {
        let lines = try Self.lines("full.example")
        for label in DNSPlanner.serviceLabels {
            #expect(lines.contains("\(label).full.example. CNAME autodiscover.example.net."))
        }
        let itself = DNSPlanner(config: GoldenFixture.config, serviceHost: try DomainName("autoconfig.full.example"))
        let own = try Self.lines("full.example", planner: itself)
        #expect(!own.contains { $0.hasPrefix("autoconfig.full.example. CNAME") })
        #expect(own.contains("autodiscover.full.example. CNAME autoconfig.full.example."))
        let none = DNSPlanner(config: GoldenFixture.config)
        #expect(try !Self.lines("full.example", planner: none).contains { $0.contains(" CNAME ") })
    }

    @Test("PACC: the TXT digest is the SHA-256 of the document the engine answers for the name")
    func paccDigest() throws {
        let name = try DomainName("alias.example")
        let body = try #require(Self.planner.paccDocument(for: name))
        let request = IncomingRequest(method: "GET", target: "/.well-known/user-agent-configuration.json", host: "alias.example")
        let served = AnswerEngine().answer(
            request, renderer: try #require(RendererRegistry.standard[.pacc]), config: GoldenFixture.config)
        #expect(served.body == body)
        let expected = "v=UAAC1; a=sha256; d=" + Base64.encode(Digest.sha256(body))
        #expect(try Self.lines("alias.example").contains("_ua-auto-config.alias.example. TXT \"\(expected)\""))
    }

    @Test("Redirects: an address redirect publishes the target's services; a URL redirect only its own endpoint")
    func redirects() throws {
        let followed = try Self.lines("redirect-addr.example")
        #expect(followed.contains("_imaps._tcp.redirect-addr.example. SRV 0 1 993 imap.full.example."))
        #expect(followed.contains("_autodiscover._tcp.redirect-addr.example. SRV 0 1 443 autodiscover.redirect-addr.example."))
        let url = try Self.lines("redirect-url.example")
        #expect(!url.contains { $0.hasPrefix("_imap") || $0.hasPrefix("_submission") || $0.hasPrefix("_ua-auto-config") })
        #expect(url.contains("_autodiscover._tcp.redirect-url.example. SRV 0 1 443 autodiscover.redirect-url.example."))
    }

    @Test("IDNA: owner names and targets in their xn-- form")
    func idna() throws {
        let lines = try Self.lines("bücher.example")
        #expect(lines.contains("_imaps._tcp.xn--bcher-kva.example. SRV 0 1 993 imap.xn--bcher-kva.example."))
    }
}

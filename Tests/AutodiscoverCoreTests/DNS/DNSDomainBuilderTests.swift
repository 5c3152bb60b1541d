import AutodiscoverCore
import Testing

@Suite("source: dns domains built from their records")
struct DNSDomainBuilderTests {
    static let config = try! ConfigLoader().load(
        text: """
            domains:
              dns.example:
                source: dns
                display_name: From DNS
                imap: { auth: password-encrypted, username: "%EMAILLOCALPART%" }
            """, name: "dns.yaml")
    static let configured = config.domains[0]
    static let labels = DNSDomainBuilder.questions(for: configured.name).map { "\($0.name) \($0.type.rawValue)" }

    /// Answers for the domain's questions: `records` by question (`_imaps._tcp SRV`), the rest NXDOMAIN.
    static func answers(_ records: [String: DNSFound], otherwise: DNSFound = .nxdomain) -> [DNSFound] {
        labels.map { label in
            let short = label.replacingDomain()
            return records[short] ?? otherwise
        }
    }

    static func srv(_ priority: Int, _ weight: Int, _ port: Int, _ target: String, ttl: Int = 300) -> DNSFound {
        .records([.srv(priority: priority, weight: weight, port: port, target: target)], ttl: ttl)
    }

    @Test("The questions: every SRV name of RFC 6186/8314/6764/6120, XEP-0368, the seed's two, and the DAV TXT")
    func questions() {
        #expect(Self.labels.count == 15)
        #expect(Self.labels.first == "_imaps._tcp.dns.example. SRV")
        #expect(Self.labels.contains("_carddavs._tcp.dns.example. TXT"))
    }

    @Test("Order: priority, implicit TLS before STARTTLS at equal priority, heavier first; YAML auth and username on top")
    func order() throws {
        let answers = Self.answers([
            "_imaps._tcp SRV": .records(
                [
                    .srv(priority: 10, weight: 1, port: 993, target: "b.example."),
                    .srv(priority: 10, weight: 9, port: 993, target: "a.example."),
                ],
                ttl: 120),
            "_imap._tcp SRV": Self.srv(0, 1, 143, "first.example.", ttl: 60),
            "_submissions._tcp SRV": Self.srv(5, 1, 465, "smtp.example."),
            "_submission._tcp SRV": Self.srv(5, 1, 587, "smtp.example."),
        ])
        guard case .resolved(let domain, let ttl) = DNSDomainBuilder.build(Self.configured, answers: answers) else {
            Issue.record("not resolved")
            return
        }
        #expect(ttl == 60)
        #expect(domain.imap.map { "\($0.host):\($0.port)" } == ["first.example:143", "a.example:993", "b.example:993"])
        #expect(domain.imap.map(\.security) == [.starttls, .ssl, .ssl])
        #expect(domain.imap.allSatisfy { $0.authentication == .passwordEncrypted && $0.username.text == "%EMAILLOCALPART%" })
        #expect(domain.smtp.map(\.port) == [465, 587])
        #expect(domain.displayName == "From DNS")
        #expect(domain.dnsState == .fresh)
        #expect(domain.pop3.isEmpty && domain.calDAV == nil)
    }

    @Test("A `.` target drops the service; only `.` and nothing else is the same as no records")
    func notOffered() {
        let answers = Self.answers([
            "_imaps._tcp SRV": Self.srv(0, 1, 993, "imap.example."),
            "_pop3s._tcp SRV": .records([.notOffered]),
        ])
        guard case .resolved(let domain, _) = DNSDomainBuilder.build(Self.configured, answers: answers) else {
            Issue.record("not resolved")
            return
        }
        #expect(domain.pop3.isEmpty)
        let onlyDots = Self.answers(["_imaps._tcp SRV": .records([.notOffered]), "_submission._tcp SRV": .records([.notOffered])])
        #expect(DNSDomainBuilder.build(Self.configured, answers: onlyDots) == .absent)
        #expect(DNSDomainBuilder.build(Self.configured, answers: Self.answers([:])) == .absent)
        #expect(DNSDomainBuilder.build(Self.configured, answers: Self.answers([:], otherwise: .noData)) == .absent)
    }

    @Test("DAV URLs from SRV and TXT path= (the well-known URI without one); ActiveSync and autodiscover from the seed's records")
    func webServices() {
        let answers = Self.answers([
            "_caldavs._tcp SRV": Self.srv(0, 1, 8443, "dav.example."),
            "_caldavs._tcp TXT": .records([.txt(["other=1"]), .txt(["path=/cal/"])]),
            "_carddavs._tcp SRV": Self.srv(0, 1, 443, "dav.example."),
            "_airsync._tcp SRV": Self.srv(0, 1, 443, "eas.example."),
            "_autodiscover._tcp SRV": Self.srv(0, 1, 443, "adsc.example."),
            "_jmap._tcp SRV": Self.srv(0, 1, 443, "api.example."),
        ])
        guard case .resolved(let domain, _) = DNSDomainBuilder.build(Self.configured, answers: answers) else {
            Issue.record("not resolved")
            return
        }
        #expect(domain.calDAV?.url == "https://dav.example:8443/cal/")
        #expect(domain.cardDAV?.url == "https://dav.example/.well-known/carddav")
        #expect(domain.activeSync?.url == "https://eas.example/Microsoft-Server-ActiveSync")
        #expect(domain.jmap?.url == "https://api.example/.well-known/jmap")
        #expect(domain.autodiscover.url(for: Self.configured.name) == "https://adsc.example/autodiscover/autodiscover.xml")
    }

    @Test("Any failed question fails the lookup (the last good answer stays)")
    func failure() {
        var answers = Self.answers(["_imaps._tcp SRV": Self.srv(0, 1, 993, "imap.example.")])
        answers[3] = .failure("timeout")
        guard case .failed(let reason) = DNSDomainBuilder.build(Self.configured, answers: answers) else {
            Issue.record("not failed")
            return
        }
        #expect(reason.contains("timeout"))
    }

    @Test("The engine: pending answers 503 with Retry-After in the format's own shape, absent 404, fresh from the records")
    func engine() throws {
        let engine = AnswerEngine()
        let renderer = try #require(RendererRegistry.standard[.thunderbird])
        let request = renderer.sampleRequest(for: try EmailAddress("a@dns.example"), protocol: nil)
        let pending = engine.answer(request, renderer: renderer, config: Self.config)
        #expect(pending.status == 503)
        #expect(pending.headers.contains { $0 == ("Retry-After", "5") })
        #expect(String(decoding: pending.body, as: UTF8.self).contains("<clientConfig"))
        var absent = Self.configured
        absent.dnsState = .absent
        #expect(engine.answer(request, renderer: renderer, config: Self.config.replacing([0: absent])).status == 404)
        guard
            case .resolved(let domain, _) = DNSDomainBuilder.build(
                Self.configured, answers: Self.answers(["_imaps._tcp SRV": Self.srv(0, 1, 993, "imap.example.")]))
        else {
            Issue.record("not resolved")
            return
        }
        let fresh = engine.answer(request, renderer: renderer, config: Self.config.replacing([0: domain]))
        #expect(fresh.status == 200)
        #expect(String(decoding: fresh.body, as: UTF8.self).contains("<hostname>imap.example</hostname>"))
        for renderer in RendererRegistry.standard.renderers {
            let answer = engine.answer(
                renderer.sampleRequest(for: try EmailAddress("a@dns.example"), protocol: nil), renderer: renderer,
                config: Self.config)
            #expect(answer.status == 503, "\(renderer.id)")
        }
    }
}

extension String {
    /// `_imaps._tcp.dns.example. SRV` as `_imaps._tcp SRV`.
    fileprivate func replacingDomain() -> String {
        var parts = split(separator: " ")
        parts[0] = Substring(parts[0].split(separator: ".").prefix(2).joined(separator: "."))
        return parts.joined(separator: " ")
    }
}

@Suite("source: dns wildcards")
struct DNSWildcardTests {
    static let config = try! ConfigLoader().load(
        text: """
            domains:
              "*.tenants.example": { source: dns, display_name: Tenants }
              "*.yaml.example": { imap: imap.yaml.example }
              fixed.tenants.example: { imap: imap.fixed.example }
            """, name: "wild.yaml")

    @Test("A name only a source: dns wildcard serves becomes a pending domain of its own; others do not")
    func wildcardDomain() throws {
        let domain = try #require(Self.config.dnsWildcardDomain(for: try DomainName("acme.tenants.example")))
        #expect(domain.name.ascii == "acme.tenants.example" && !domain.isWildcard && domain.dnsState == .pending)
        #expect(domain.displayName == "Tenants")
        #expect(Self.config.dnsWildcardDomain(for: try DomainName("fixed.tenants.example")) == nil)
        #expect(Self.config.dnsWildcardDomain(for: try DomainName("a.yaml.example")) == nil)
        #expect(Self.config.dnsWildcardDomain(for: try DomainName("elsewhere.example")) == nil)
    }

    @Test("The engine asks for the name's lookup with its 503; once added, the name answers as itself")
    func added() throws {
        let engine = AnswerEngine()
        let renderer = try #require(RendererRegistry.standard[.thunderbird])
        let request = renderer.sampleRequest(for: try EmailAddress("a@acme.tenants.example"), protocol: nil)
        let first = engine.answer(request, renderer: renderer, config: Self.config)
        #expect(first.status == 503 && first.wantsLookup?.ascii == "acme.tenants.example")
        var domain = try #require(Self.config.dnsWildcardDomain(for: try DomainName("acme.tenants.example")))
        domain.imap = [MailServer(kind: .imap, host: "imap.acme.example", port: 993, security: .ssl)]
        domain.dnsState = .fresh
        let grown = Self.config.replacing([:], adding: [domain])
        #expect(grown.domains.count == Self.config.domains.count + 1)
        let answer = engine.answer(request, renderer: renderer, config: grown)
        #expect(answer.status == 200 && answer.wantsLookup == nil)
        #expect(String(decoding: answer.body, as: UTF8.self).contains("imap.acme.example"))
        // Another name under the wildcard is still the wildcard's.
        let other = renderer.sampleRequest(for: try EmailAddress("a@other.tenants.example"), protocol: nil)
        #expect(engine.answer(other, renderer: renderer, config: grown).status == 503)
    }
}

import Testing

@testable import AutodiscoverCore

/// Domains that differ only in their name and display names share one prepared answer per format
/// (``DomainShapes``): what they are answered with must be what writing their own answer gives.
@Suite("Answers shared by domains of one shape")
struct DomainShapeTests {
    /// Tenants of one provider. c and d have one shape: their IMAP hosts and ActiveSync paths hold
    /// `a.example` literally. a's hold its own name a second time (only the first occurrence in each
    /// field is a slot, so its ActiveSync path differs from c's), b's likewise; e and f differ from c and d
    /// in a port and share a shape of their own.
    static let tenants = """
        domains:
          a.example:
            display_name: "Tom & Jerry <\\"x\\"> 'y'"
            imap: { host: imap.a.example.a.example, port: 993, socket: SSL }
            pop3: { host: a.example, port: 995, socket: SSL }
            smtp: { host: smtp.a.example, port: 465, socket: SSL }
            xmpp: { host: xmpp.a.example, port: 5222, socket: STARTTLS }
            activesync: { url: "https://mail.a.example/a.example/Microsoft-Server-ActiveSync" }
            caldav: { url: "https://dav.a.example:8443/cal/" }
            carddav: { url: "https://dav.a.example/card/" }
          b.example:
            display_name: Bee
            imap: { host: imap.b.example.b.example, port: 993, socket: SSL }
            pop3: { host: b.example, port: 995, socket: SSL }
            smtp: { host: smtp.b.example, port: 465, socket: SSL }
            xmpp: { host: xmpp.b.example, port: 5222, socket: STARTTLS }
            activesync: { url: "https://mail.b.example/b.example/Microsoft-Server-ActiveSync" }
            caldav: { url: "https://dav.b.example:8443/cal/" }
            carddav: { url: "https://dav.b.example/card/" }
          c.example:
            imap: { host: imap.c.example.a.example, port: 993, socket: SSL }
            pop3: { host: c.example, port: 995, socket: SSL }
            smtp: { host: smtp.c.example, port: 465, socket: SSL }
            xmpp: { host: xmpp.c.example, port: 5222, socket: STARTTLS }
            activesync: { url: "https://mail.c.example/a.example/Microsoft-Server-ActiveSync" }
            caldav: { url: "https://dav.c.example:8443/cal/" }
            carddav: { url: "https://dav.c.example/card/" }
          d.example:
            display_name: Dee
            display_short_name: "D&D"
            imap: { host: imap.d.example.a.example, port: 993, socket: SSL }
            pop3: { host: d.example, port: 995, socket: SSL }
            smtp: { host: smtp.d.example, port: 465, socket: SSL }
            xmpp: { host: xmpp.d.example, port: 5222, socket: STARTTLS }
            activesync: { url: "https://mail.d.example/a.example/Microsoft-Server-ActiveSync" }
            caldav: { url: "https://dav.d.example:8443/cal/" }
            carddav: { url: "https://dav.d.example/card/" }
          e.example:
            imap: { host: imap.e.example.a.example, port: 143, socket: STARTTLS }
            pop3: { host: e.example, port: 995, socket: SSL }
            smtp: { host: smtp.e.example, port: 465, socket: SSL }
            xmpp: { host: xmpp.e.example, port: 5222, socket: STARTTLS }
            activesync: { url: "https://mail.e.example/a.example/Microsoft-Server-ActiveSync" }
            caldav: { url: "https://dav.e.example:8443/cal/" }
            carddav: { url: "https://dav.e.example/card/" }
          f.example:
            imap: { host: imap.f.example.a.example, port: 143, socket: STARTTLS }
            pop3: { host: f.example, port: 995, socket: SSL }
            smtp: { host: smtp.f.example, port: 465, socket: SSL }
            xmpp: { host: xmpp.f.example, port: 5222, socket: STARTTLS }
            activesync: { url: "https://mail.f.example/a.example/Microsoft-Server-ActiveSync" }
            caldav: { url: "https://dav.f.example:8443/cal/" }
            carddav: { url: "https://dav.f.example/card/" }
          xn--bcher-kva.example:
            imap: { host: imap.xn--bcher-kva.example, port: 993, socket: SSL }
          xn--caf-dma.example:
            imap: { host: imap.xn--caf-dma.example, port: 993, socket: SSL }
          "*.wild.example":
            imap: { host: imap.wild.example, port: 993, socket: SSL }
        """

    static let config = try! ConfigLoader().load(text: tenants, name: "tenants.yaml")

    @Test("Domains are grouped by shape: c and d share one, e and f another; a, b, IDN names and wildcards none")
    func grouping() throws {
        let shapes = DomainShapes(Self.config.domains)
        let byName = Dictionary(uniqueKeysWithValues: Self.config.domains.enumerated().map { ($1.pattern, $0) })
        func shape(_ name: String) -> Int? { shapes.shape(byName[name]!) }
        #expect(shapes.shapes.count == 2)
        #expect(shape("c.example") != nil)
        #expect(shape("c.example") == shape("d.example"))
        #expect(shape("e.example") != nil)
        #expect(shape("e.example") == shape("f.example"))
        #expect(shape("e.example") != shape("c.example"))
        #expect(shape("a.example") == nil)
        #expect(shape("b.example") == nil)
        #expect(shape("xn--bcher-kva.example") == nil)
        #expect(shape("xn--caf-dma.example") == nil)
        #expect(shape("*.wild.example") == nil)
    }

    @Test("A shape's answer filled in with a domain's texts is that domain's own answer: every renderer, variant and domain")
    func sharedEqualsDirect() throws {
        for renderer in RendererRegistry.standard.renderers {
            for domain in Self.config.domains + GoldenFixture.config.domains {
                guard let shape = DomainShapes.shape(of: domain) else { continue }
                let address = try EmailAddress("o'brien+x@\(domain.name.ascii)")
                for context in [
                    AnswerContext(
                        address: address, requestedDomain: domain.name, accountName: "Al <&>", domain: DomainTexts(domain)),
                    AnswerContext(address: nil, requestedDomain: domain.name, domain: DomainTexts(domain)),
                ] {
                    for variant in renderer.variants {
                        let shared = renderer.prepare(shape, variant: variant, slotsForDomain: true)
                        let direct = renderer.fill(domain, variant: variant, for: context)
                        let head = shared.head(for: context)
                        #expect(shared.body(for: context) == direct.body, "\(renderer.id) \(domain.pattern) \(variant)")
                        #expect(head.status == direct.head.status)
                        #expect(head.contentType == direct.head.contentType)
                        #expect(head.headers.map { "\($0.0): \($0.1)" } == direct.head.headers.map { "\($0.0): \($0.1)" })
                    }
                }
            }
        }
    }

    @Test("The engine answers each domain of a shape with its own answer, from the one kept answer of the shape")
    func engineSharesAnswers() throws {
        let engine = AnswerEngine()
        let cache = AnswerCache()
        cache.shareAnswers(of: Self.config)
        #expect(cache.shapeCount == 2)
        for renderer in RendererRegistry.standard.renderers {
            for round in 0..<2 {
                for domain in Self.config.domains where !domain.isWildcard {
                    let address = try EmailAddress("alice@\(domain.name.ascii)")
                    for request in [
                        renderer.sampleRequest(for: address, protocol: nil),
                        IncomingRequest(method: "GET", target: renderer.routes.first?.path ?? "/", host: domain.name.ascii),
                    ] {
                        let fresh = engine.answer(request, renderer: renderer, config: Self.config)
                        let cached = engine.answer(request, renderer: renderer, config: Self.config, cache: cache)
                        #expect(cached.body == fresh.body, "\(renderer.id) \(domain.pattern) round \(round)")
                        #expect(cached.status == fresh.status)
                        #expect(cached.headers.map { "\($0.0): \($0.1)" } == fresh.headers.map { "\($0.0): \($0.1)" })
                        #expect(cached.domain == fresh.domain)
                    }
                }
            }
        }
    }

    @Test("A domain whose literal text holds a marker character gets no shape")
    func markerInTextMeansNoShape() throws {
        let service = WebService(
            kind: .activesync, url: "https://mail.m.example/\u{FFF9}/", host: "mail.m.example", port: 443,
            path: "/\u{FFF9}/")
        let domain = MailDomain(name: try DomainName("m.example"), activeSync: service)
        #expect(DomainShapes.shape(of: domain) == nil)
        let plain = MailDomain(name: try DomainName("m.example"), displayName: "Wide \u{FFFA} name")
        #expect(DomainShapes.shape(of: plain) != nil, "display names are slots: anything goes")
    }

    /// A field added to these types must be placed in `ShapeComparison` (compared), or be a slot, or be
    /// shown never to reach an answer; otherwise two domains differing only in it could share answers.
    @Test("Every field of a domain is known to the shape comparison")
    func fieldsAreCovered() throws {
        func fields(_ value: Any) -> [String] { Mirror(reflecting: value).children.compactMap(\.label) }
        let domain = MailDomain(name: try DomainName("m.example"))
        #expect(
            fields(domain) == [
                "name", "isWildcard", "displayName", "displayShortName", "aliases", "provider", "imap", "pop3",
                "smtp", "xmpp", "webStorage", "extrasStorage", "autodiscover", "redirect", "source", "dnsState", "file",
                "line",
            ])
        // `dnsState` need not be compared: only `source: config` domains get a shape.
        let server = MailServer(kind: .imap, host: "h", port: 1, security: .ssl)
        #expect(fields(server) == ["kind", "host", "port", "security", "authentication", "username"])
        let service = WebService(kind: .caldav, url: "https://h/", host: "h", port: 443, path: "/")
        #expect(fields(service) == ["kind", "url", "host", "port", "path", "username"])
    }
}

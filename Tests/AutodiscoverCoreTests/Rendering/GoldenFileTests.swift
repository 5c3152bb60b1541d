import AutodiscoverCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every renderer against every fixture, compared byte for byte with `Golden/<renderer>/<fixture>.<ext>`.
///
/// `RECORD_GOLDEN=1 swift test` rewrites the files and fails, so a recording never passes by accident.
@Suite("Golden files")
struct GoldenFileTests {
    static let cases: [(String, GoldenFixture)] = RendererRegistry.standard.ids.flatMap { id in
        GoldenFixture.all.map { (id.rawValue, $0) }
    }

    @Test("Rendered output matches the golden file", arguments: cases)
    func matchesGolden(rendererID: String, fixture: GoldenFixture) throws {
        let renderer = try #require(RendererRegistry.standard[RendererID(rawValue: rendererID)])
        let response = try fixture.response(renderer)
        let recorded =
            "status: \(response.status)\ncontent-type: \(response.contentType)\n"
            + response.headers.map { "\($0.0.lowercased()): \($0.1)\n" }.joined() + "\n"
            + String(decoding: response.body, as: UTF8.self)
        try TestSupport.matchesGolden(recorded, "\(rendererID)/\(fixture.name).\(renderer.fileExtension)")
    }
}

@Suite("Prepared answer cache")
struct AnswerCacheTests {
    /// Each renderer's sample request, and the same without an address (the domain from the host).
    static func requests(_ renderer: any Renderer, _ fixture: GoldenFixture) throws -> [IncomingRequest] {
        let address = try EmailAddress(fixture.address)
        return [
            renderer.sampleRequest(for: address, protocol: nil),
            IncomingRequest(method: "GET", target: renderer.routes.first?.path ?? "/", host: address.domain.ascii),
        ]
    }

    @Test(
        "Written directly (first request), prepared and kept (second), and kept (third): the same bytes, every renderer and fixture"
    )
    func cachedEqualsFresh() throws {
        let cache = AnswerCache()
        let engine = AnswerEngine()
        for renderer in RendererRegistry.standard.renderers {
            for fixture in GoldenFixture.all {
                for request in try Self.requests(renderer, fixture) {
                    let fresh = engine.answer(request, renderer: renderer, config: GoldenFixture.config)
                    for _ in 0..<3 {
                        let cached = engine.answer(request, renderer: renderer, config: GoldenFixture.config, cache: cache)
                        #expect(cached.body == fresh.body, "\(renderer.id) \(fixture.name) \(request.path) \(request.host ?? "")")
                        #expect(cached.status == fresh.status)
                        #expect(cached.contentType == fresh.contentType)
                        #expect(cached.headers.map { "\($0.0): \($0.1)" } == fresh.headers.map { "\($0.0): \($0.1)" })
                    }
                }
            }
        }
        #expect(cache.count > 0)
    }

    @Test("Every renderer writes the same answer directly as it prepares and fills, with and without an address")
    func directEqualsPrepared() throws {
        for renderer in RendererRegistry.standard.renderers {
            for fixture in GoldenFixture.all {
                let address = try EmailAddress(fixture.address)
                guard let found = GoldenFixture.config.resolve(address) else { continue }
                for context in [
                    AnswerContext(address: address, requestedDomain: found.requested, accountName: "Alice <&>"),
                    AnswerContext(address: nil, requestedDomain: found.requested),
                ] {
                    for variant in ["", "activesync", "autodiscoverv1"] {
                        let prepared = renderer.prepare(found.domain, variant: variant)
                        let direct = renderer.fill(found.domain, variant: variant, for: context)
                        #expect(direct.body == prepared.body(for: context), "\(renderer.id) \(fixture.name) \(variant)")
                        #expect(direct.head.status == prepared.status)
                        #expect(direct.head.contentType == prepared.contentType)
                    }
                }
            }
        }
    }
}

@Suite("Prepared answer cache bounds")
struct AnswerCacheBoundTests {
    @Test("The cache keeps at most two generations of answers; an answer in use moves back to the recent one")
    func bounded() {
        let cache = AnswerCache(capacity: 3)
        var made = 0
        func ask(_ domain: Int) {
            let (kept, admit) = cache.lookup(domain: domain, renderer: "thunderbird", variant: "")
            if kept == nil {
                // Every test domain counts as asked for before: the bounds are about kept answers.
                if !admit { _ = cache.lookup(domain: domain, renderer: "thunderbird", variant: "") }
                made += 1
                cache.keep(
                    PreparedAnswer(contentType: "text/plain", segments: [.literal(Array("\(domain)".utf8))]),
                    domain: domain, renderer: "thunderbird", variant: "")
            }
        }
        for domain in 0..<3 { ask(domain) }  // recent: 0 1 2
        ask(3)  // 0 1 2 become older; recent: 3
        #expect(cache.count == 4)
        ask(0)  // found in the older generation: not made again, moved to recent
        #expect(made == 4)
        for domain in 10..<20 { ask(domain) }
        #expect(cache.count <= 6)
        ask(0)  // pushed out long ago: made again
        #expect(made == 15)
    }
}

@Suite("Prepared answer cache admission")
struct AnswerCacheAdmissionTests {
    @Test("An answer is kept from a key's second request on; keys asked for once are forgotten together at capacity")
    func admission() {
        let cache = AnswerCache(capacity: 2)
        func lookup(_ domain: Int, _ variant: String = "") -> (kept: Bool, admit: Bool) {
            let (answer, admit) = cache.lookup(domain: domain, renderer: "json", variant: variant)
            return (answer != nil, admit)
        }
        #expect(lookup(1) == (false, false))  // first request: written directly, remembered
        #expect(lookup(1, "activesync") == (false, false))  // another variant is another key
        #expect(lookup(1) == (false, true))  // second: prepare and keep
        cache.keep(PreparedAnswer(contentType: "application/json", segments: []), domain: 1, renderer: "json", variant: "")
        #expect(lookup(1) == (true, false))
        #expect(cache.count == 1)
        // Remembered: (1, activesync). Two more first requests reach the capacity of 2 and forget it.
        #expect(lookup(2) == (false, false))
        #expect(lookup(3) == (false, false))
        #expect(lookup(1, "activesync") == (false, false))
        #expect(cache.count == 1)  // nothing kept for keys asked for once
    }
}

extension AnswerCache {
    /// `find` for a domain that shares no shape: its kept answer, or whether it was asked for before.
    func lookup(domain: Int, renderer: RendererID, variant: String) -> (answer: PreparedAnswer?, admit: Bool) {
        switch find(domain: domain, renderer: renderer, variant: variant) {
        case .kept(let answer, let shared):
            #expect(!shared)
            return (answer, false)
        case .prepare: return (nil, true)
        case .writeDirectly: return (nil, false)
        case .prepareShape:
            Issue.record("no domain of these tests shares a shape")
            return (nil, false)
        }
    }
}

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
        let path = "\(TestSupport.testsDirectory)/Golden/\(rendererID)/\(fixture.name).\(renderer.fileExtension)"
        let recorded = "status: \(response.status)\ncontent-type: \(response.contentType)\n"
            + response.headers.map { "\($0.0.lowercased()): \($0.1)\n" }.joined() + "\n"
            + String(decoding: response.body, as: UTF8.self)
        if getenv("RECORD_GOLDEN") != nil {
            mkdir("\(TestSupport.testsDirectory)/Golden", 0o755)
            mkdir("\(TestSupport.testsDirectory)/Golden/\(rendererID)", 0o755)
            let file = fopen(path, "w")
            fputs(recorded, file)
            fclose(file)
            Issue.record("recorded \(path); run again without RECORD_GOLDEN")
            return
        }
        let expected = try FileSystem.read(path).get()
        #expect(String(decoding: expected, as: UTF8.self) == recorded, "differs from \(path)")
    }
}

@Suite("Prepared answer cache")
struct AnswerCacheTests {
    @Test("Answers from the cache are the same bytes as freshly prepared ones, for every renderer and fixture")
    func cachedEqualsFresh() throws {
        let cache = AnswerCache()
        let engine = AnswerEngine()
        for renderer in RendererRegistry.standard.renderers {
            for fixture in GoldenFixture.all {
                let request = renderer.sampleRequest(for: try EmailAddress(fixture.address), protocol: nil)
                let fresh = engine.answer(request, renderer: renderer, config: GoldenFixture.config)
                for _ in 0..<2 {
                    let cached = engine.answer(request, renderer: renderer, config: GoldenFixture.config, cache: cache)
                    #expect(cached.body == fresh.body, "\(renderer.id) \(fixture.name)")
                    #expect(cached.status == fresh.status)
                }
            }
        }
        #expect(cache.count > 0)
    }
}

@Suite("Prepared answer cache bounds")
struct AnswerCacheBoundTests {
    @Test("The cache keeps at most two generations of answers; an answer in use moves back to the recent one")
    func bounded() {
        let cache = AnswerCache(capacity: 3)
        var made = 0
        func ask(_ domain: Int) {
            _ = cache.answer(domain: domain, renderer: "thunderbird", variant: "") {
                made += 1
                return PreparedAnswer(contentType: "text/plain", segments: [.literal(Array("\(domain)".utf8))])
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

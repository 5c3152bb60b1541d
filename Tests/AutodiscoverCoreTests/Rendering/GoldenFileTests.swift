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

@testable import AutodiscoverCore
import Testing

@Suite("YAML parser")
struct YAMLParserTests {
    @Test("Lines, columns, scalars, anchors and aliases come through")
    func basics() throws {
        let document = try YAMLParser().parse(
            Array("a: &x\n  k: \"null\"\n  n: ~\nb: *x\nc: [1, 2]\n".utf8))
        let pairs = try #require(document.mapping(document.root))
        #expect(pairs.map(\.key) == ["a", "b", "c"])
        #expect(pairs.map(\.line) == [1, 4, 5])
        let inner = try #require(document.mapping(pairs[1].value))
        #expect(inner.map(\.key) == ["k", "n"])
        #expect(document.isNull(inner[0].value) == false)
        #expect(document.isNull(inner[1].value))
        #expect(document.sequence(pairs[2].value)?.compactMap { document.scalar($0) } == ["1", "2"])
    }

    @Test("A large generated file splits in two and reads the same as in one piece")
    func splitMatchesWhole() throws {
        var text = "# generated\nproviders: {}\ndomains:\n"
        for index in 0..<30_000 {
            text += "  d\(index).example.org:\n    imap: { host: imap.d\(index).example.org, port: 993 }\n"
        }
        let bytes = Array(text.utf8)
        let (cut, tailLine) = try #require(YAMLSplitter.split(bytes))
        let head = try YAMLParser().parse(bytes, range: 0..<cut)
        let tail = try YAMLParser().parse(bytes, range: cut..<bytes.count, lineOffset: tailLine - 1)
        let whole = try YAMLParser().parse(bytes)
        let wholeDomains = try #require(whole.mapping(whole.mapping(whole.root)![1].value))
        let headDomains = try #require(head.mapping(head.mapping(head.root)![1].value))
        let tailDomains = try #require(tail.mapping(tail.root))
        #expect(headDomains.count + tailDomains.count == wholeDomains.count)
        #expect((headDomains + tailDomains).map(\.key) == wholeDomains.map(\.key))
        #expect((headDomains + tailDomains).map(\.line) == wholeDomains.map(\.line))
    }

    @Test("Files with content after the domains block are not split")
    func noSplitWithTrailingContent() {
        var text = "domains:\n"
        for index in 0..<30_000 { text += "  d\(index).example.org: { imap: imap.example.org }\n" }
        text += "templates: []\n"
        #expect(YAMLSplitter.split(Array(text.utf8)) == nil)
    }
}

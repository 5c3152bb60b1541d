import Testing

@testable import AutodiscoverHTTP

@Suite("Entity tags")
struct ETagTests {
    /// Every byte of a body counts, whichever part of the hash reads it (the four 8-byte lanes, the 8-byte
    /// tail words, the last bytes): changing any one byte of a body of any length up to 100 changes the tag.
    @Test("Changing any one byte of a body changes its tag", arguments: [0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 100])
    func everyByteCounts(_ length: Int) {
        let body = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let tag = ETag(generation: 1, body: body).text
        #expect(ETag(generation: 1, body: body).text == tag)
        var tags: Set<String> = [tag]
        for index in body.indices {
            var changed = body
            changed[index] ^= 0x01
            tags.insert(ETag(generation: 1, body: changed).text)
        }
        #expect(tags.count == length + 1)
        // A body and the same body one byte longer (a zero byte) differ too: the length is hashed.
        #expect(ETag(generation: 1, body: body + [0]).text != tag)
    }

    @Test("The generation is part of the tag, which is quoted")
    func generation() {
        let body = Array("<clientConfig/>".utf8)
        let first = ETag(generation: 1, body: body).text
        let second = ETag(generation: 2, body: body).text
        #expect(first != second)
        #expect(first.hasPrefix("\"g1-") && first.hasSuffix("\""))
        #expect(second.hasPrefix("\"g2-"))
    }

    @Test(
        "The text: decimal generation, the hash in lower-case hex without leading zeros",
        arguments: [
            (0, UInt64(0), "\"g0-0\""), (7, UInt64(0xABC), "\"g7-abc\""), (1234, UInt64(0x0F00), "\"g1234-f00\""),
            (Int.max, UInt64.max, "\"g9223372036854775807-ffffffffffffffff\""),
        ])
    func text(_ generation: Int, _ hash: UInt64, _ expected: String) {
        let tag = ETag(generation: generation, hash: hash)
        #expect(tag.text == expected)
        #expect(tag.text.utf8.count <= ETag.maxLength)
    }

    @Test(
        "If-None-Match: a list, weak tags and * match; other tags do not",
        arguments: [
            ("\"g1-abc\"", true), ("W/\"g1-abc\"", true), ("\"x\", \"g1-abc\"", true), ("*", true),
            ("\"g1-abd\"", false), ("g1-abc", false), ("", false),
        ])
    func matching(_ header: String, _ expected: Bool) {
        #expect(ETag.matches(header, "\"g1-abc\"") == expected)
    }
}

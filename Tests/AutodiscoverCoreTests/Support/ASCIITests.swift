import Testing

@testable import AutodiscoverCore

@Suite("ASCII comparisons")
struct ASCIITests {
    /// Each row: two texts, and whether they are equal ignoring ASCII case. The contiguous path (strings,
    /// arrays) and the iterator path (a lazily mapped collection) must agree.
    @Test(
        "Case-insensitive equality on bytes, contiguous or not",
        arguments: [
            ("", "", true), ("a", "A", true), ("Request", "request", true), ("EMailAddress", "emailaddress", true),
            ("/Autodiscover/Autodiscover.xml", "/autodiscover/autodiscover.xml", true), ("abc", "abd", false),
            ("abc", "ab", false), ("@", "`", false), ("[", "{", false), ("Z", "z", true), ("é", "É", false),
        ] as [(String, String, Bool)])
    func equality(_ a: String, _ b: String, _ equal: Bool) {
        #expect(ASCII.equalsIgnoringCase(a.utf8, b.utf8) == equal)
        #expect(ASCII.equalsIgnoringCase(a.utf8.lazy.map { $0 }, b.utf8.lazy.map { $0 }) == equal)
        #expect(a.caseInsensitiveEquals(b) == equal)
        let lowered = String(decoding: b.utf8.map(ASCII.lower), as: UTF8.self)
        #expect(ASCII.equalsLowercased(a.utf8, lowered.utf8) == equal)
        #expect(ASCII.equalsLowercased(Array(a.utf8)[...], Array(lowered.utf8).lazy.map { $0 }) == equal)
    }

    /// Canonically equivalent texts (String's `==`) are not the same bytes.
    @Test(
        "Same bytes, not canonical equivalence",
        arguments: [
            ("example.com", "example.com", true), ("", "", true), ("example.com", "example.co", false),
            ("\u{212A}", "K", false), ("e\u{301}", "\u{E9}", false), ("\u{E9}", "\u{E9}", true),
        ] as [(String, String, Bool)])
    func sameBytes(_ a: String, _ b: String, _ same: Bool) {
        #expect(ASCII.sameBytes(a, b) == same)
    }

    @Test(
        "A byte string found at its first place at or after the start, and only there",
        arguments: [
            ("-->", "a--b-->c-->", 0, 4 as Int?), ("-->", "a--b-->c-->", 5, 8), ("-->", "a--b-->c-->", 9, nil),
            ("]]>", "]]>", 0, 0), ("]]>", "]]", 0, nil), ("ab", "", 0, nil), ("", "abc", 0, nil),
            ("thunderbird", "mozilla/5.0 thunderbird/128", 0, 12), ("k-9", "k-9", 1, nil),
        ] as [(String, String, Int, Int?)])
    func offset(_ needle: String, _ haystack: String, _ start: Int, _ found: Int?) {
        let result = Array(needle.utf8).withUnsafeBytes { needle in
            Array(haystack.utf8).withUnsafeBytes { ASCII.offset(of: needle, in: $0, from: start) }
        }
        #expect(result == found)
    }
}

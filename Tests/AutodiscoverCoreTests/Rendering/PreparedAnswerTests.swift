import Testing

@testable import AutodiscoverCore

@Suite("Prepared answers")
struct PreparedAnswerTests {
    private static let address = try! EmailAddress("alice@example.com")
    private static let domain = try! DomainName("example.com")

    private static func literal(_ text: String) -> PreparedAnswer.Segment { .literal(Array(text.utf8)) }

    /// Bodies whose literals sit before, inside and after (nested) branches, so joined literals never
    /// cross a branch's start or end.
    static let cases: [(String, [PreparedAnswer.Segment], withAddress: String, withoutAddress: String)] = [
        ("literals only", [literal("a"), literal("b"), literal("c")], "abc", "abc"),
        ("empty", [], "", ""),
        (
            "a literal right after a branch", [literal("<"), .ifAddress([literal("A")]), literal(">")],
            "<A>", "<>"
        ),
        (
            "both branches, values inside",
            [
                literal("["), .ifAddress([literal("to "), .value(.address, .xml)]),
                .ifNoAddress([literal("for "), .value(.requestedDomain, .xml)]), literal("]"),
            ],
            "[to alice@example.com]", "[for example.com]"
        ),
        (
            "nested branches, a literal after each end",
            [
                literal("1"), .ifAddress([literal("2"), .ifNoAddress([literal("x")]), literal("3")]), literal("4"),
                .ifNoAddress([literal("5"), .ifAddress([literal("y")]), literal("6")]), literal("7"),
            ],
            "12347", "14567"
        ),
        ("a branch that is empty", [literal("a"), .ifAddress([]), literal("b")], "ab", "ab"),
        (
            "a value recurring (written once, then copied), escaped per format, first met in a skipped branch",
            [
                .ifNoAddress([.value(.localPart, .xml)]), literal("<"), .value(.address, .xml), literal("|"),
                .value(.address, .json), literal("|"), .ifAddress([.value(.address, .xml), .value(.localPart, .xml)]),
                literal("|"), .value(.localPart, .xml), .value(.address, .xml), literal(">"),
            ],
            "<alice@example.com|alice@example.com|alice@example.comalice|alicealice@example.com>", "<|||>"
        ),
    ]

    @Test("Filled with and without an address", arguments: cases)
    func fill(_ name: String, _ segments: [PreparedAnswer.Segment], withAddress: String, withoutAddress: String) {
        let answer = PreparedAnswer(contentType: "text/plain", segments: segments)
        let with = AnswerContext(address: Self.address, requestedDomain: Self.domain)
        let without = AnswerContext(address: nil, requestedDomain: Self.domain)
        #expect(String(decoding: answer.body(for: with), as: UTF8.self) == withAddress)
        #expect(String(decoding: answer.body(for: without), as: UTF8.self) == withoutAddress)
        // The segments it hands back (to a builder writing it into another answer) fill the same.
        let again = PreparedAnswer(contentType: "text/plain", segments: answer.segments)
        #expect(again.body(for: with) == answer.body(for: with))
        #expect(again.body(for: without) == answer.body(for: without))
        #expect(answer.isStatic == !segments.contains { if case .literal = $0 { false } else { true } })
    }

    @Test("A recurring value that needs escaping is escaped each time it is copied")
    func recurringEscaped() throws {
        let answer = PreparedAnswer(
            contentType: "text/plain",
            segments: [.value(.address, .xml), Self.literal(" "), .value(.address, .xml), .value(.address, .json)])
        let context = AnswerContext(address: try EmailAddress("o'b&c@example.com"), requestedDomain: Self.domain)
        #expect(
            String(decoding: answer.body(for: context), as: UTF8.self)
                == "o&#39;b&amp;c@example.com o&#39;b&amp;c@example.como'b\\u0026c@example.com")
    }
}

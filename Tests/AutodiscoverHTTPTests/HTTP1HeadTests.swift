import Testing

@testable import AutodiscoverHTTP

@Suite("HTTP/1.1 request heads")
struct HTTP1HeadTests {
    /// What a test reads back from a parsed head.
    struct Reading: Equatable, CustomStringConvertible {
        var method: String
        var target: String
        var minor: Int
        var fields: [String]
        var framing: HTTP1Head.Framing
        var expectsContinue = false

        var description: String { "\(method) \(target) 1.\(minor) \(fields) \(framing) \(expectsContinue)" }
    }

    static func read(_ text: String) -> Result<Reading, HTTP1HeadError> {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            do throws(HTTP1HeadError) {
                let head = try HTTP1Head.parse(raw)
                func string(_ range: Range<Int>) -> String {
                    String(decoding: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self)
                }
                return .success(
                    Reading(
                        method: string(head.method), target: string(head.target), minor: head.minorVersion,
                        fields: head.fields.map { "\(string($0.name))=\(string($0.value))" }, framing: head.framing,
                        expectsContinue: head.expectsContinue))
            } catch {
                return .failure(error)
            }
        }
    }

    @Test(
        "Heads real clients send are read",
        arguments: [
            (
                "GET /mail/config-v1.1.xml?emailaddress=a@example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
                Reading(
                    method: "GET", target: "/mail/config-v1.1.xml?emailaddress=a@example.com", minor: 1,
                    fields: ["Host=example.com"], framing: .none)
            ),
            (
                "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n",
                Reading(
                    method: "POST", target: "/autodiscover/autodiscover.xml", minor: 1,
                    fields: ["Host=x", "Content-Length=12", "Expect=100-continue"], framing: .length(12),
                    expectsContinue: true)
            ),
            (
                "POST / HTTP/1.1\nhost:x\ntransfer-encoding: Chunked\n\n",
                Reading(
                    method: "POST", target: "/", minor: 1, fields: ["host=x", "transfer-encoding=Chunked"],
                    framing: .chunked)
            ),
            (
                "GET / HTTP/1.0\r\nUser-Agent: \t Outlook é \t\r\nContent-Length: 0\r\nX-Empty:\r\n\r\n",
                Reading(
                    method: "GET", target: "/", minor: 0, fields: ["User-Agent=Outlook é", "Content-Length=0", "X-Empty="],
                    framing: .none)
            ),
            (
                "OPTIONS * HTTP/1.9\r\nContent-Length: 5\r\ncontent-length: 5\r\nExpect: 100-continue\r\n\r\n",
                Reading(
                    method: "OPTIONS", target: "*", minor: 1,
                    fields: ["Content-Length=5", "content-length=5", "Expect=100-continue"],
                    framing: .length(5), expectsContinue: true)
            ),
        ] as [(String, Reading)])
    func reads(_ text: String, _ expected: Reading) {
        #expect(Self.read(text) == .success(expected))
    }

    @Test(
        "Heads that could be misread or smuggled are refused",
        arguments: [
            ("GET / HTTP/2.0\r\n\r\n", HTTP1HeadError.versionNotSupported),
            ("GET / HTTP/0.9\r\n\r\n", .versionNotSupported),
            ("GET / HTTP/1.1 \r\n\r\n", .malformed("bad HTTP version")),
            ("GET / HTTP/1.1x\r\n\r\n", .malformed("bad HTTP version")),
            ("GET / http/1.1\r\n\r\n", .malformed("bad HTTP version")),
            ("GET  / HTTP/1.1\r\n\r\n", .malformed("bad target")),
            ("GET /a b HTTP/1.1\r\n\r\n", .malformed("bad HTTP version")),
            ("G(T / HTTP/1.1\r\n\r\n", .malformed("bad method")),
            (" GET / HTTP/1.1\r\n\r\n", .malformed("bad method")),
            ("GET /\u{7F} HTTP/1.1\r\n\r\n", .malformed("bad target")),
            ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", .malformed("bad header line")),
            ("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", .malformed("bad header line")),
            ("GET / HTTP/1.1\r\n: x\r\n\r\n", .malformed("bad header line")),
            ("GET / HTTP/1.1\r\nHost x\r\n\r\n", .malformed("bad header line")),
            ("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", .malformed("control byte in a header value")),
            ("GET / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n", .malformed("control byte in a header value")),
            ("GET / HTTP/1.1\r\nHost: x\r\r\n\r\n", .malformed("control byte in a header value")),
            ("GET / HTTP/1.1\rHost: x\r\n\r\n", .malformed("bad HTTP version")),
            (
                "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                .malformed("Content-Length with Transfer-Encoding")
            ),
            ("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", .malformed("differing Content-Length")),
            ("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", .malformed("bad Content-Length")),
            ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", .malformed("bad Content-Length")),
            ("POST / HTTP/1.1\r\nContent-Length: 1234567890123456\r\n\r\n", .malformed("bad Content-Length")),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .malformed("a transfer coding other than chunked")),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                .malformed("a transfer coding other than chunked")
            ),
            ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .malformed("Transfer-Encoding on HTTP/1.0")),
        ] as [(String, HTTP1HeadError)])
    func refuses(_ text: String, _ error: HTTP1HeadError) {
        #expect(Self.read(text) == .failure(error))
    }

    @Test(
        "The end of a head is found however the bytes arrive",
        arguments: [
            "GET / HTTP/1.1\r\nHost: x\r\n\r\nNEXT", "GET / HTTP/1.1\nHost: x\n\nNEXT", "GET / HTTP/1.1\r\n\r\nNEXT",
            "GET / HTTP/1.1\nHost: x\r\n\nNEXT", "GET / HTTP/1.1\r\nA: \r\nB: \n\r\nNEXT",
        ])
    func findsEnd(_ text: String) {
        let bytes = Array(text.utf8)
        let expected = bytes.count - 4
        bytes.withUnsafeBytes { raw in
            #expect(HTTP1Head.end(in: raw) == expected)
            // Arriving in two pieces: the first search stops short and the second resumes where it said.
            for cut in 0..<expected {
                let first = UnsafeRawBufferPointer(rebasing: raw[..<cut])
                #expect(HTTP1Head.end(in: first) == nil)
                #expect(HTTP1Head.end(in: raw, from: max(cut - 2, 0)) == expected, "cut at \(cut)")
            }
        }
    }
}

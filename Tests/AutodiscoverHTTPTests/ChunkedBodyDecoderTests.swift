import Testing

@testable import AutodiscoverHTTP

@Suite("Chunked request bodies")
struct ChunkedBodyDecoderTests {
    /// Feeds `pieces` one after another as a server would (unconsumed bytes are offered again with the
    /// next piece); returns the body and the bytes after it, or the progress that stopped it.
    static func decode(
        _ pieces: [[UInt8]], maxBodyBytes: Int = 1000
    ) -> (body: String, rest: String, progress: ChunkedBodyDecoder.Progress) {
        var decoder = ChunkedBodyDecoder(maxBodyBytes: maxBodyBytes, maxOverheadBytes: 64)
        var body: [UInt8] = []
        var pending: [UInt8] = []
        var progress = ChunkedBodyDecoder.Progress.needMore
        for piece in pieces {
            pending += piece
            // Once the body has ended, what follows is left for the next request.
            guard progress == .needMore else { continue }
            let (consumed, result) = pending.withUnsafeBytes { decoder.consume($0, into: &body) }
            pending.removeFirst(consumed)
            progress = result
        }
        return (String(decoding: body, as: UTF8.self), String(decoding: pending, as: UTF8.self), progress)
    }

    @Test(
        "Bodies are read whole however they are cut",
        arguments: [
            ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET", "hello world"),
            ("5;name=value\r\nhello\r\n0\r\n\r\nGET", "hello"),
            ("A \r\n0123456789\r\n0\r\nTrailer: x\r\nMore: y\r\n\r\nGET", "0123456789"),
            ("5\nhello\n0\n\nGET", "hello"),
            ("0\r\n\r\nGET", ""),
            ("00010\r\n0123456789abcdef\r\n0\r\n\r\nGET", "0123456789abcdef"),
        ] as [(String, String)])
    func decodes(_ text: String, _ expected: String) {
        let bytes = Array(text.utf8)
        let whole = Self.decode([bytes])
        #expect(whole.progress == .done)
        #expect(whole.body == expected)
        #expect(whole.rest == "GET")
        for cut in 1..<bytes.count {
            let split = Self.decode([Array(bytes[..<cut]), Array(bytes[cut...])])
            #expect(split.body == expected && split.rest == "GET" && split.progress == .done, "cut at \(cut)")
        }
        // One byte at a time.
        let single = Self.decode(bytes.map { [$0] })
        #expect(single.body == expected && single.progress == .done)
    }

    @Test(
        "Framing errors and oversized bodies are refused",
        arguments: [
            ("x\r\n", ChunkedBodyDecoder.Progress.invalid),
            ("\r\n", .invalid),
            ("5\r\nhelloX\r\n", .invalid),
            ("5\r\nhello\r\r\n", .invalid),
            ("5\r5\r\n", .invalid),
            ("1234567890123456\r\n", .invalid),
            ("5;\(String(repeating: "e", count: 100))\r\n", .invalid),
            ("5;a\u{1}\r\n", .invalid),
            ("0\r\n\(String(repeating: "T", count: 100))\r\n\r\n", .invalid),
            ("3E9\r\n", .tooLarge),
            ("3E7\r\n\(String(repeating: "a", count: 999))\r\n2\r\n", .tooLarge),
            ("5\r\nhel", .needMore),
        ] as [(String, ChunkedBodyDecoder.Progress)])
    func refuses(_ text: String, _ expected: ChunkedBodyDecoder.Progress) {
        #expect(Self.decode([Array(text.utf8)]).progress == expected)
    }
}

import Foundation
import Logging
import Testing

@testable import AutodiscoverServer

#if canImport(Glibc)
import Glibc
#endif

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    /// Texts that need escaping in JSON, or that look as if they might.
    static let texts = [
        "plain", "", "quote \" and backslash \\", "line\nfeed, return\r, tab\t", "control \u{01}\u{1F}\u{7F}",
        "ünïcödé ✉️ 𝄞", "</script>", "{\"json\": [1, 2]}", "ends with a backslash \\",
    ]

    @Test("A line is one JSON object that reads back to the event's fields", arguments: texts)
    func readsBack(_ text: String) throws {
        let event = LogEvent(
            level: .warning, message: "msg \(text)", metadata: ["key \(text)": .string(text), "count": "3"],
            source: "test", file: #fileID, function: #function, line: #line)
        let time = timespec(tv_sec: 1_796_029_658, tv_nsec: 404_999_999)
        let line = JSONLogHandler.line(event, label: "label \(text)", handlerMetadata: ["handler": "h"], time: time)
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(!line.dropLast().contains(UInt8(ascii: "\n")))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: String])
        #expect(object["time"] == "2026-11-30T09:07:38.404Z")
        #expect(object["level"] == "warning")
        #expect(object["msg"] == "msg \(text)")
        #expect(object["logger"] == "label \(text)")
        #expect(object["key \(text)"] == text)
        #expect(object["count"] == "3")
        #expect(object["handler"] == "h")
    }

    @Test("The event's metadata wins over the handler's; keys come sorted")
    func metadataOrder() throws {
        let event = LogEvent(
            level: .info, message: "request", metadata: ["b": "event", "a": "1", "c": .stringConvertible(42)],
            source: "test", file: #fileID, function: #function, line: #line)
        let line = JSONLogHandler.line(event, label: "l", handlerMetadata: ["b": "handler", "d": "4"], time: timespec())
        let text = String(decoding: line, as: UTF8.self)
        #expect(text == #"{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"request","logger":"l","a":"1","b":"event","c":"42","d":"4"}"# + "\n")
    }
}

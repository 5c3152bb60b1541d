import AutodiscoverCore
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
        #expect(
            text
                == #"{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"request","logger":"l","a":"1","b":"event","c":"42","d":"4"}"#
                + "\n")
    }

    @Test("The timestamp's date and time are gmtime's, across leap days, centuries and the year 2100")
    func timestampsMatchGmtime() {
        var seconds = [
            0, 59, 86_399, 86_400, 951_782_399, 951_868_800, 1_709_251_199, 1_709_251_200, 1_798_761_599,
            4_107_542_399, 4_107_542_400, 4_102_444_800, 253_402_300_799,
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<10_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            seconds.append(Int(state >> 33) % 253_402_300_800)  // up to 9999-12-31
        }
        for second in seconds {
            var line = ByteWriter(capacity: 32)
            JSONLogHandler.appendTimestamp(timespec(tv_sec: second, tv_nsec: 7_000_000), to: &line)
            var time = second
            var parts = tm()
            gmtime_r(&time, &parts)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.007Z", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
            #expect(String(decoding: line.take(), as: UTF8.self) == expected, "\(second)")
        }
    }
}

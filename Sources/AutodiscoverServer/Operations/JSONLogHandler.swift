import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One JSON object per line on standard output: time, level, message, label and metadata (keys sorted).
///
/// The access log writes one of these per request, so a line is built as bytes in one buffer (the
/// timestamp's digits, the texts escaped by runs of bytes) and written with one `write`; built from
/// strings, escaped a scalar at a time and with the metadata merged into a new dictionary, a line cost
/// three times the rest of an answer.
public struct JSONLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let line = Self.line(event, label: label, handlerMetadata: metadata, time: now)
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(1, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // standard output is gone or full: a log line is not worth blocking or crashing for
                }
            }
        }
    }

    /// The line for one event, newline included: what `log(event:)` writes.
    static func line(
        _ event: LogEvent, label: String, handlerMetadata: Logger.Metadata, time: timespec
    ) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(512)
        line.append(contentsOf: #"{"time":""#.utf8)
        appendTimestamp(time, to: &line)
        line.append(contentsOf: #"","level":""#.utf8)
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(contentsOf: #"","msg":""#.utf8)
        appendEscaped(event.message.description, to: &line)
        line.append(contentsOf: #"","logger":""#.utf8)
        appendEscaped(label, to: &line)
        line.append(UInt8(ascii: "\""))
        // The event's own metadata wins over the handler's; merged only when the handler has some.
        var merged = event.metadata ?? [:]
        if !handlerMetadata.isEmpty { merged.merge(handlerMetadata) { own, _ in own } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line.append(contentsOf: #",""#.utf8)
            appendEscaped(key, to: &line)
            line.append(contentsOf: #"":""#.utf8)
            switch value {
            case .string(let text): appendEscaped(text, to: &line)
            case let other: appendEscaped(other.description, to: &line)
            }
            line.append(UInt8(ascii: "\""))
        }
        line.append(contentsOf: "}\n".utf8)
        return line
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
    private static func appendTimestamp(_ time: timespec, to line: inout [UInt8]) {
        var seconds = time.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = max(value, 0)
            while divisor > 0 {
                line.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        line.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        line.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        line.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        line.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        line.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        line.append(UInt8(ascii: "."))
        digits(Int(time.tv_nsec / 1_000_000), 3)
        line.append(UInt8(ascii: "Z"))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string's content: runs of plain bytes copied whole; `"`, `\` and control characters escaped.
    /// UTF-8 passes through as it is (a String's bytes are valid UTF-8).
    static func appendEscaped(_ text: String, to line: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): line.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): line.append(contentsOf: #"\\"#.utf8)
                case 0x0A: line.append(contentsOf: #"\n"#.utf8)
                case 0x0D: line.append(contentsOf: #"\r"#.utf8)
                case 0x09: line.append(contentsOf: #"\t"#.utf8)
                default:
                    line.append(contentsOf: #"\u00"#.utf8)
                    line.append(hex[Int(byte >> 4)])
                    line.append(hex[Int(byte & 0x0F)])
                }
            }
            line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
    }
}

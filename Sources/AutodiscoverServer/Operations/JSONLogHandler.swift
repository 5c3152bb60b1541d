import AutodiscoverCore
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One JSON object per line on standard output: time, level, message, label and metadata (keys sorted).
///
/// The access log writes one of these per request, so a line is built as bytes in one buffer (the
/// timestamp's digits, the texts escaped as the JSON answers' are) and written with one `write`; built from
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

    /// The line for one event, newline included: what `log(event:)` writes. Texts are escaped as the JSON
    /// renderers escape theirs (``JSONWriter/escape(_:into:)``).
    static func line(
        _ event: LogEvent, label: String, handlerMetadata: Logger.Metadata, time: timespec
    ) -> [UInt8] {
        var line = ByteWriter(capacity: 512)
        line.appendLiteral(#"{"time":""#)
        appendTimestamp(time, to: &line)
        line.appendLiteral(#"","level":""#)
        line.append(event.level.rawValue)
        line.appendLiteral(#"","msg":""#)
        JSONWriter.escape(event.message.description, into: &line)
        line.appendLiteral(#"","logger":""#)
        JSONWriter.escape(label, into: &line)
        line.append(UInt8(ascii: "\""))
        // The event's own metadata wins over the handler's; merged only when the handler has some.
        var merged = event.metadata ?? [:]
        if !handlerMetadata.isEmpty { merged.merge(handlerMetadata) { own, _ in own } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line.appendLiteral(#",""#)
            JSONWriter.escape(key, into: &line)
            line.appendLiteral(#"":""#)
            switch value {
            case .string(let text): JSONWriter.escape(text, into: &line)
            case let other: JSONWriter.escape(other.description, into: &line)
            }
            line.append(UInt8(ascii: "\""))
        }
        line.appendLiteral("}\n")
        return line.take()
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
    private static func appendTimestamp(_ time: timespec, to line: inout ByteWriter) {
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
}

import AutodiscoverCore
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One JSON object per line on standard output: time, level, message, label and metadata (keys sorted).
///
/// The access log writes one of these per request, so a line is built as bytes in one buffer (the
/// timestamp's digits, the texts escaped as the JSON answers' are); built from
/// strings, escaped a scalar at a time and with the metadata merged into a new dictionary, a line cost
/// three times the rest of an answer. The line is handed to ``LogOutput``, which writes many lines at once
/// on a thread of its own, so a slow or stalled reader of standard output never holds up an answer.
public struct JSONLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    /// Where lines go: standard output, written by a thread of its own (``LogOutput``).
    public let output: LogOutput

    public init(label: String, output: LogOutput = .standardOutput) {
        self.label = label
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let line = Self.line(event, label: label, handlerMetadata: metadata, time: now)
        line.withUnsafeBytes { output.write($0) }
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
        // Sorted by key through the dictionary's positions: no entry is copied out to be sorted.
        var order = ContiguousArray(merged.indices)
        for next in order.indices.dropFirst() {
            let current = order[next]
            var slot = next
            while slot > 0 && merged.keys[current] < merged.keys[order[slot - 1]] {
                order[slot] = order[slot - 1]
                slot -= 1
            }
            order[slot] = current
        }
        for index in order {
            let key = merged.keys[index]
            let value = merged.values[index]
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

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), the date worked out from the day number (Hinnant's
    /// `civil_from_days`): no `gmtime_r` call per line.
    static func appendTimestamp(_ time: timespec, to line: inout ByteWriter) {
        let seconds = Int(time.tv_sec)
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let shifted = day + 719_468  // days since 0000-03-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153  // March is 0
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
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
        digits(year, 4)
        line.append(UInt8(ascii: "-"))
        digits(month, 2)
        line.append(UInt8(ascii: "-"))
        digits(dayOfMonth, 2)
        line.append(UInt8(ascii: "T"))
        digits(second / 3600, 2)
        line.append(UInt8(ascii: ":"))
        digits(second / 60 % 60, 2)
        line.append(UInt8(ascii: ":"))
        digits(second % 60, 2)
        line.append(UInt8(ascii: "."))
        digits(Int(time.tv_nsec / 1_000_000), 3)
        line.append(UInt8(ascii: "Z"))
    }
}

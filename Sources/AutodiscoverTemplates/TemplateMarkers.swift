import AutodiscoverCore
import Foundation

/// The request-dependent values of a template as markers in its rendered text: U+E000, the value's
/// number, U+E001 (private-use characters no escaping changes). Rendering leaves them where the template
/// put them; ``write(_:into:)`` turns each into a slot of the answer.
enum TemplateMarkers {
    static let open: Character = "\u{E000}"
    static let close: Character = "\u{E001}"

    /// Every value a marker can stand for, in a table shared by all templates (the marker is its index).
    final class Table: @unchecked Sendable {
        private(set) var values: [AnswerValue] = []
        private let lock = NSLock()

        func marker(_ value: AnswerValue) -> String {
            lock.withLock {
                if let index = values.firstIndex(of: value) { return "\(open)\(index)\(close)" }
                values.append(value)
                return "\(open)\(values.count - 1)\(close)"
            }
        }

        func value(_ index: Int) -> AnswerValue? {
            lock.withLock { index < values.count ? values[index] : nil }
        }
    }

    static let table = Table()

    static func marker(_ value: AnswerValue) -> String { table.marker(value) }

    /// Writes rendered text into an answer: the text between markers as it is (already escaped), each
    /// marker as its value's slot.
    static func write(_ rendered: String, into body: inout AnswerBuilder) {
        var rest = Substring(rendered)
        while let start = rest.firstIndex(of: open) {
            body.raw(String(rest[..<start]))
            let afterOpen = rest.index(after: start)
            guard let end = rest[afterOpen...].firstIndex(of: close), let index = Int(rest[afterOpen..<end]),
                let value = table.value(index)
            else {
                rest = rest[afterOpen...]
                continue
            }
            body.value(value)
            rest = rest[rest.index(after: end)...]
        }
        if !rest.isEmpty { body.raw(String(rest)) }
    }
}

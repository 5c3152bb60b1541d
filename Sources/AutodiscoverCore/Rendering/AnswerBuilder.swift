/// Writes an answer body as literal bytes and request slots, with escaping fixed by the format.
///
/// Renderers use the markup helpers (`open`, `element`, `close`) for XML and plists, or `raw`/`string`
/// for JSON; values from config pass through ``Escaper`` at prepare time and request values are
/// escaped when filled in. Nothing is interpolated into markup unescaped.
public struct AnswerBuilder {
    public let escaping: Escaping
    private var segments: [PreparedAnswer.Segment] = []
    private var pending: [UInt8] = []
    private var depth = 0
    /// Spaces per nesting level in markup.
    public var indentWidth = 2

    public init(escaping: Escaping) {
        self.escaping = escaping
    }

    // MARK: Raw pieces

    /// Appends trusted literal text (markup the renderer itself wrote).
    public mutating func raw(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ pending.append(contentsOf: $0) }) == nil {
            pending.append(contentsOf: text.utf8)
        }
    }

    /// Appends untrusted text, escaped for the format.
    public mutating func text(_ text: String) { Escaper.append(text, escaping, to: &pending) }

    /// Appends a request-dependent value.
    public mutating func value(_ value: AnswerValue) {
        flush()
        segments.append(.value(value, escaping))
    }

    /// Writes what `body` writes only when the request has an address.
    public mutating func ifAddress(_ body: (inout AnswerBuilder) -> Void) {
        flush()
        segments.append(.ifAddress(nested(body)))
    }

    /// Writes what `body` writes only when the request has no address.
    public mutating func ifNoAddress(_ body: (inout AnswerBuilder) -> Void) {
        flush()
        segments.append(.ifNoAddress(nested(body)))
    }

    private func nested(_ body: (inout AnswerBuilder) -> Void) -> [PreparedAnswer.Segment] {
        var inner = AnswerBuilder(escaping: escaping)
        inner.depth = depth
        inner.indentWidth = indentWidth
        body(&inner)
        return inner.finish()
    }

    // MARK: Markup

    /// `<name attr="value">` on its own line, then one level deeper.
    public mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        startTag(name, attributes)
        pending.append(UInt8(ascii: "\n"))
        depth += 1
    }

    /// An indented `<name attr="value">`, attribute values escaped.
    private mutating func startTag(_ name: String, _ attributes: [(String, String)]) {
        indent()
        pending.append(UInt8(ascii: "<"))
        raw(name)
        for (key, value) in attributes {
            pending.append(UInt8(ascii: " "))
            raw(key)
            raw("=\"")
            text(value)
            pending.append(UInt8(ascii: "\""))
        }
        pending.append(UInt8(ascii: ">"))
    }

    /// `<name attribute="…">` with a request value as the attribute, then one level deeper.
    public mutating func open(_ name: String, attribute: String, value: AnswerValue) {
        indent()
        pending.append(UInt8(ascii: "<"))
        raw(name)
        pending.append(UInt8(ascii: " "))
        raw(attribute)
        raw("=\"")
        self.value(value)
        raw("\">\n")
        depth += 1
    }

    /// `</name>` one level up.
    public mutating func close(_ name: String) {
        depth -= 1
        indent()
        endTag(name)
    }

    /// `</name>` and a line break.
    private mutating func endTag(_ name: String) {
        raw("</")
        raw(name)
        raw(">\n")
    }

    /// `<name>text</name>` with the text escaped.
    public mutating func element(_ name: String, _ content: String, _ attributes: [(String, String)] = []) {
        startTag(name, attributes)
        text(content)
        endTag(name)
    }

    /// `<name>` + a request value + `</name>`.
    public mutating func element(_ name: String, value: AnswerValue) {
        indent()
        pending.append(UInt8(ascii: "<"))
        raw(name)
        pending.append(UInt8(ascii: ">"))
        self.value(value)
        endTag(name)
    }

    /// `<name/>`
    public mutating func empty(_ name: String) {
        indent()
        pending.append(UInt8(ascii: "<"))
        raw(name)
        raw("/>\n")
    }

    private mutating func indent() {
        for _ in 0..<(depth * indentWidth) { pending.append(UInt8(ascii: " ")) }
    }

    private mutating func flush() {
        if !pending.isEmpty {
            segments.append(.literal(pending))
            pending = []
        }
    }

    /// The segments written so far.
    public mutating func finish() -> [PreparedAnswer.Segment] {
        flush()
        return segments
    }
}

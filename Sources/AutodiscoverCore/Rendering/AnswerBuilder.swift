/// Writes an answer body as literal bytes and request slots, with escaping fixed by the format.
///
/// Renderers use the markup helpers (`open`, `element`, `close`) for XML and plists, or `raw`/`string`
/// for JSON; values from config pass through ``Escaper`` at prepare time and request values are
/// escaped when filled in. Nothing is interpolated into markup unescaped.
///
/// Two modes, one renderer code path: preparing (request values become slots of a ``PreparedAnswer``
/// kept for later requests) and filling (made for one request: its values are written in at once and
/// only the branches that apply are written, so a domain asked for once costs no segments at all).
public struct AnswerBuilder {
    public let escaping: Escaping
    private var segments: [PreparedAnswer.Segment] = []
    private var pending = ByteWriter()
    /// The request being answered when filling; nil when preparing.
    private let context: AnswerContext?
    /// Preparing a shape's answer: domain markers in the text become slots (see ``DomainShapes``).
    private var slotsForDomain = false
    private var depth = 0
    /// Spaces per nesting level in markup.
    public var indentWidth = 2

    /// A builder that prepares: request values become slots.
    public init(escaping: Escaping) {
        self.escaping = escaping
        self.context = nil
    }

    /// A builder that prepares the answer of a domain shape: where the text holds a marker for the
    /// domain's name or display names (``DomainSlot``), the answer gets a slot filled in per request.
    public init(escaping: Escaping, slotsForDomain: Bool) {
        self.escaping = escaping
        self.context = nil
        self.slotsForDomain = slotsForDomain
    }

    /// A builder that writes the answer for one request directly.
    public init(escaping: Escaping, filling context: AnswerContext) {
        self.escaping = escaping
        self.context = context
        pending = ByteWriter(capacity: PreparedAnswer.typicalBodySize)
    }

    // MARK: Raw pieces

    /// Appends trusted literal text (markup the renderer itself wrote).
    public mutating func raw(_ text: String) { pending.append(text) }

    /// Appends trusted literal bytes.
    public mutating func raw(_ bytes: [UInt8]) { pending.append(bytes) }

    /// Appends a document written with ``JSONWriter`` (which escaped what it holds), without a copy.
    public mutating func raw(_ json: JSONWriter) { json.withBytes { pending.append($0) } }

    /// Writes a whole other answer (a format's own error document, say) and returns its status and headers.
    public mutating func answer(_ other: PreparedAnswer) -> AnswerHead {
        if let context {
            other.append(for: context, to: &pending)
        } else {
            flush()
            segments.append(contentsOf: other.segments)
        }
        return other.head
    }

    /// Appends untrusted text, escaped for the format.
    public mutating func text(_ text: String) { Escaper.append(text, escaping, to: &pending) }

    /// Appends a request-dependent value.
    public mutating func value(_ value: AnswerValue) {
        if let context {
            if let text = context.text(for: value) { Escaper.append(text, escaping, to: &pending) }
            return
        }
        flush()
        segments.append(.value(value, escaping))
    }

    /// Writes what `body` writes only when the request has an address.
    public mutating func ifAddress(_ body: (inout AnswerBuilder) -> Void) {
        if let context {
            if context.address != nil { body(&self) }
            return
        }
        flush()
        segments.append(.ifAddress(nested(body)))
    }

    /// Writes what `body` writes only when the request has no address.
    public mutating func ifNoAddress(_ body: (inout AnswerBuilder) -> Void) {
        if let context {
            if context.address == nil { body(&self) }
            return
        }
        flush()
        segments.append(.ifNoAddress(nested(body)))
    }

    private func nested(_ body: (inout AnswerBuilder) -> Void) -> [PreparedAnswer.Segment] {
        var inner = AnswerBuilder(escaping: escaping, slotsForDomain: slotsForDomain)
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
            pending.appendLiteral("=\"")
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
        pending.appendLiteral("=\"")
        self.value(value)
        pending.appendLiteral("\">\n")
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
        pending.appendLiteral("</")
        raw(name)
        pending.appendLiteral(">\n")
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
        pending.appendLiteral("/>\n")
    }

    private mutating func indent() {
        pending.append(UInt8(ascii: " "), times: depth * indentWidth)
    }

    private mutating func flush() {
        if pending.isEmpty { return }
        let bytes = pending.take()
        if slotsForDomain {
            appendSplittingMarkers(bytes)
        } else {
            segments.append(.literal(bytes))
        }
    }

    /// Literal segments, with a slot where a domain marker stood (escaped like any filled-in value).
    private mutating func appendSplittingMarkers(_ bytes: [UInt8]) {
        var found: [(at: Int, slot: DomainSlot)] = []
        bytes.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                if let slot = DomainSlot.at(index, in: buffer) { found.append((index, slot)) }
            }
        }
        var start = 0
        for (at, slot) in found {
            if at > start { segments.append(.literal(Array(bytes[start..<at]))) }
            segments.append(.value(slot.value, escaping))
            start = at + 3
        }
        if start < bytes.count { segments.append(.literal(start == 0 ? bytes : Array(bytes[start...]))) }
    }

    /// The segments written so far (preparing).
    public mutating func finish() -> [PreparedAnswer.Segment] {
        flush()
        return segments
    }

    /// The bytes written so far: the whole body when filling (slots never start a segment then).
    public mutating func finishBytes() -> [UInt8] {
        assert(context != nil && segments.isEmpty, "finishBytes() is for a builder made with filling:")
        return pending.take()
    }
}

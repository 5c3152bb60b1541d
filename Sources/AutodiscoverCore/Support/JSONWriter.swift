/// Writes JSON with correct string escaping, into a byte buffer.
///
/// Values from clients and config pass through ``string(_:)``, which escapes quotes, backslashes,
/// control characters and `<`, `>`, `&` (as `\u003c` …, so a JSON answer is also safe inside HTML).
public struct JSONWriter {
    private var output = ByteWriter()
    /// The document written so far.
    public var bytes: [UInt8] { output.withBytes { Array($0) } }
    /// The document written so far, without copying it.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try output.withBytes(body) }
    private var needsComma: [Bool] = [false]
    private let pretty: Bool

    public init(pretty: Bool = false) {
        self.pretty = pretty
    }

    public mutating func beginObject() {
        value { $0.raw("{") }
        needsComma.append(false)
    }
    public mutating func endObject() { close("}") }
    public mutating func beginArray() {
        value { $0.raw("[") }
        needsComma.append(false)
    }
    public mutating func endArray() { close("]") }

    /// Writes `"name":` inside an object; the next value call writes its value.
    public mutating func key(_ name: String) {
        separate()
        newline()
        appendString(name)
        raw(pretty ? ": " : ":")
        needsComma[needsComma.count - 1] = false
        pendingKey = true
    }

    public mutating func string(_ text: String) { value { $0.appendString(text) } }
    public mutating func int(_ number: Int) { value { $0.raw(String(number)) } }
    public mutating func bool(_ flag: Bool) { value { $0.raw(flag ? "true" : "false") } }
    public mutating func null() { value { $0.raw("null") } }

    /// `"name": "text"`
    public mutating func field(_ name: String, _ text: String) {
        key(name)
        string(text)
    }
    public mutating func field(_ name: String, _ number: Int) {
        key(name)
        int(number)
    }
    public mutating func field(_ name: String, _ flag: Bool) {
        key(name)
        bool(flag)
    }

    /// The document as text.
    public var text: String { output.withBytes { String(decoding: $0, as: UTF8.self) } }

    private var pendingKey = false

    private mutating func value(_ write: (inout JSONWriter) -> Void) {
        if pendingKey {
            pendingKey = false
        } else {
            separate()
            if needsComma.count > 1 { newline() }
        }
        write(&self)
        needsComma[needsComma.count - 1] = true
    }

    private mutating func close(_ bracket: String) {
        let hadItems = needsComma.removeLast()
        if hadItems { newline() }
        raw(bracket)
        needsComma[needsComma.count - 1] = true
    }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { raw(",") }
    }

    private mutating func newline() {
        guard pretty else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(UInt8(ascii: " "), times: 2 * (needsComma.count - 1))
    }

    private mutating func raw(_ text: String) { output.append(text) }

    private mutating func appendString(_ text: String) {
        output.append(UInt8(ascii: "\""))
        JSONWriter.escape(text, into: &output)
        output.append(UInt8(ascii: "\""))
    }

    /// Appends the JSON-escaped UTF-8 of `text` (without quotes).
    public static func escape(_ text: String, into bytes: inout ByteWriter) {
        // Most values (hosts, URLs, names) need nothing escaped: copied whole.
        if bytes.appendWhole(text, unlessAny: needsEscape) { return }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append("\\\"")
            case UInt8(ascii: "\\"): bytes.append("\\\\")
            case UInt8(ascii: "\n"): bytes.append("\\n")
            case UInt8(ascii: "\r"): bytes.append("\\r")
            case UInt8(ascii: "\t"): bytes.append("\\t")
            case 0..<0x20, 0x7F, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                bytes.append("\\u00")
                bytes.append(hexDigit(byte >> 4))
                bytes.append(hexDigit(byte & 0xF))
            default: bytes.append(byte)
            }
        }
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        switch byte {
        case 0..<0x20, 0x7F, UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "<"), UInt8(ascii: ">"),
            UInt8(ascii: "&"):
            true
        default: false
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

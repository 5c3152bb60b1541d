/// A small, strict XML scanner for request bodies: well-formedness checked, nothing fetched or expanded.
///
/// It refuses any DOCTYPE (and so every entity declaration) before looking further, knows only the
/// five predefined entities and character references, and caps depth, element count and text
/// length. Namespace prefixes are stripped from element names; a UTF-8 byte order mark is skipped.
public struct SafeXMLScanner {
    /// What the scanner meets, as bytes of the document (nothing is copied into strings).
    public enum Event {
        /// An element opens: its name without a namespace prefix.
        case start(ArraySlice<UInt8>)
        /// Character data with entities and character references decoded.
        case text([UInt8])
        /// An element closes.
        case end(ArraySlice<UInt8>)
    }

    public struct Failure: Error, Sendable, Equatable {
        public var reason: String
    }

    /// Deepest nesting accepted. Real requests nest 3 levels.
    public var maxDepth = 16
    /// Most elements accepted.
    public var maxElements = 256
    /// Longest text accepted in one element, in bytes.
    public var maxTextLength = 2048

    private let bytes: [UInt8]

    // Markup openers and closers, made once (an array literal per tag cost an allocation each).
    private static let piEnd = Array("?>".utf8)
    private static let commentStart = Array("<!--".utf8)
    private static let commentEnd = Array("-->".utf8)
    private static let cdataStart = Array("<![CDATA[".utf8)
    private static let cdataEnd = Array("]]>".utf8)

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public func scan(_ handle: (Event) throws(Failure) -> Void) throws(Failure) {
        var index = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        var stack: [ArraySlice<UInt8>] = []
        var elements = 0
        var sawRoot = false
        var text: [UInt8] = []

        func fail(_ reason: String) -> Failure { Failure(reason: reason) }

        // XML text is characters: valid UTF-8, and no C0 controls but tab, line feed and carriage return.
        var ascii = true
        for byte in bytes {
            if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D { throw fail("control character in the document") }
            if byte >= 0x80 { ascii = false }
        }
        guard ascii || Self.isValidUTF8(bytes) else { throw fail("not valid UTF-8") }

        while index < bytes.count {
            let byte = bytes[index]
            if byte != UInt8(ascii: "<") {
                if stack.isEmpty {
                    guard Self.isSpace(byte) else { throw fail("text outside the root element") }
                    index += 1
                    continue
                }
                let end = bytes[index...].firstIndex(of: UInt8(ascii: "<")) ?? bytes.count
                try decodeText(bytes[index..<end], into: &text)
                guard text.count <= maxTextLength else { throw fail("text longer than \(maxTextLength) bytes") }
                index = end
                continue
            }
            if !text.isEmpty {
                try handle(.text(text))
                text.removeAll(keepingCapacity: true)
            }
            // What follows `<` decides the markup: `?` `!` `/` or a name (one byte compared, not five prefixes).
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            let rest = bytes[index...]
            if next == UInt8(ascii: "?") {
                guard let close = find(Self.piEnd, from: index) else { throw fail("unterminated processing instruction") }
                index = close + 2
            } else if next == UInt8(ascii: "!"), rest.starts(with: Self.commentStart) {
                guard let close = find(Self.commentEnd, from: index + 4) else { throw fail("unterminated comment") }
                index = close + 3
            } else if next == UInt8(ascii: "!"), rest.starts(with: Self.cdataStart) {
                guard !stack.isEmpty else { throw fail("CDATA outside the root element") }
                guard let close = find(Self.cdataEnd, from: index + 9) else { throw fail("unterminated CDATA") }
                text.append(contentsOf: bytes[(index + 9)..<close])
                guard text.count <= maxTextLength else { throw fail("text longer than \(maxTextLength) bytes") }
                index = close + 3
            } else if next == UInt8(ascii: "!") {
                throw fail("DOCTYPE and entity declarations are not accepted")
            } else if next == UInt8(ascii: "/") {
                guard let close = bytes[index...].firstIndex(of: UInt8(ascii: ">")) else { throw fail("unterminated end tag") }
                let name = localName(bytes[(index + 2)..<close])
                guard let open = stack.popLast(), open.elementsEqual(name) else {
                    throw fail("mismatched end tag </\(String(decoding: name, as: UTF8.self))>")
                }
                try handle(.end(name))
                index = close + 1
            } else {
                guard let close = tagEnd(from: index + 1) else { throw fail("unterminated start tag") }
                let selfClosing = bytes[close - 1] == UInt8(ascii: "/")
                let inner = bytes[(index + 1)..<(selfClosing ? close - 1 : close)]
                let nameEnd = inner.firstIndex(where: Self.isSpace) ?? inner.endIndex
                let name = localName(inner[inner.startIndex..<nameEnd])
                guard !name.isEmpty else { throw fail("element without a name") }
                try checkAttributes(inner[nameEnd...])
                if stack.isEmpty {
                    guard !sawRoot else { throw fail("more than one root element") }
                    sawRoot = true
                }
                elements += 1
                guard elements <= maxElements else { throw fail("more than \(maxElements) elements") }
                guard stack.count < maxDepth else { throw fail("nested deeper than \(maxDepth) levels") }
                try handle(.start(name))
                if selfClosing {
                    try handle(.end(name))
                } else {
                    stack.append(name)
                }
                index = close + 1
            }
        }
        guard stack.isEmpty else { throw fail("element <\(String(decoding: stack.last!, as: UTF8.self))> is not closed") }
        guard sawRoot else { throw fail("no root element") }
    }

    /// XML white space: space, tab, line feed, carriage return.
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0], bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    /// The `>` that ends a start tag, skipping quoted attribute values.
    private func tagEnd(from start: Int) -> Int? {
        var quote: UInt8?
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return index
            } else if byte == UInt8(ascii: "<") {
                return nil
            }
            index += 1
        }
        return nil
    }

    /// Attributes must be `name="value"` or `name='value'` pairs; values may use only the predefined entities.
    private func checkAttributes(_ slice: ArraySlice<UInt8>) throws(Failure) {
        var index = slice.startIndex
        while index < slice.endIndex {
            if Self.isSpace(slice[index]) { index += 1; continue }
            guard let equals = slice[index...].firstIndex(of: UInt8(ascii: "=")) else {
                throw Failure(reason: "malformed attribute")
            }
            var valueStart = equals + 1
            while valueStart < slice.endIndex, Self.isSpace(slice[valueStart]) { valueStart += 1 }
            guard valueStart < slice.endIndex,
                slice[valueStart] == UInt8(ascii: "\"") || slice[valueStart] == UInt8(ascii: "'"),
                let valueEnd = slice[(valueStart + 1)...].firstIndex(of: slice[valueStart])
            else { throw Failure(reason: "malformed attribute") }
            var ignored: [UInt8] = []
            try decodeText(slice[(valueStart + 1)..<valueEnd], into: &ignored)
            index = valueEnd + 1
        }
    }

    /// The name without a namespace prefix.
    private func localName(_ slice: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let trimmed = slice.prefix(while: { !Self.isSpace($0) })
        if let colon = trimmed.lastIndex(of: UInt8(ascii: ":")) { return trimmed[(colon + 1)...] }
        return trimmed
    }

    /// Strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF), checked without a copy.
    private static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = Unicode.UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Decodes the predefined entities and character references; any other `&name;` is refused.
    private func decodeText(_ slice: ArraySlice<UInt8>, into output: inout [UInt8]) throws(Failure) {
        guard let firstEntity = slice.firstIndex(of: UInt8(ascii: "&")) else {
            output.append(contentsOf: slice)  // most text has no entity: copied whole
            return
        }
        output.append(contentsOf: slice[..<firstEntity])
        var index = firstEntity
        while index < slice.endIndex {
            let byte = slice[index]
            guard byte == UInt8(ascii: "&") else {
                output.append(byte)
                index += 1
                continue
            }
            guard let semicolon = slice[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
                throw Failure(reason: "bare & in text")
            }
            let name = String(decoding: slice[(index + 1)..<semicolon], as: UTF8.self)
            switch name {
            case "lt": output.append(UInt8(ascii: "<"))
            case "gt": output.append(UInt8(ascii: ">"))
            case "amp": output.append(UInt8(ascii: "&"))
            case "quot": output.append(UInt8(ascii: "\""))
            case "apos": output.append(UInt8(ascii: "'"))
            default:
                let value: UInt32?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    value = UInt32(name.dropFirst(2), radix: 16)
                } else if name.hasPrefix("#") {
                    value = UInt32(name.dropFirst(1))
                } else {
                    throw Failure(reason: "entity &\(name); is not accepted")
                }
                guard let value, let scalar = Unicode.Scalar(value), value != 0 else {
                    throw Failure(reason: "invalid character reference &\(name);")
                }
                output.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            index = semicolon + 1
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A small, strict XML scanner for request bodies: well-formedness checked, nothing fetched or expanded.
///
/// It refuses any DOCTYPE (and so every entity declaration) before looking further, knows only the
/// five predefined entities and character references, and caps depth, element count and text
/// length. Namespace prefixes are stripped from element names; a UTF-8 byte order mark is skipped.
public struct SafeXMLScanner {
    /// What the scanner meets, as bytes of the document (nothing is copied into strings). Names point into
    /// the document and are valid only while the handler runs.
    public enum Event {
        /// An element opens: its name without a namespace prefix.
        case start(UnsafeBufferPointer<UInt8>)
        /// Character data with entities and character references decoded.
        case text([UInt8])
        /// An element closes.
        case end(UnsafeBufferPointer<UInt8>)
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

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    private static let lt = UInt8(ascii: "<")
    private static let gt = UInt8(ascii: ">")

    public func scan(_ handle: (Event) throws(Failure) -> Void) throws(Failure) {
        var failure: Failure?
        bytes.withUnsafeBufferPointer { document in
            do throws(Failure) {
                try scan(document, handle)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Scans the document's bytes in place: positions are offsets, names are pointers into it, searches
    /// for `<`, `>` and `=` are `memchr`, so a request costs no copy but its text.
    private func scan(_ document: UnsafeBufferPointer<UInt8>, _ handle: (Event) throws(Failure) -> Void) throws(Failure) {
        let count = document.count
        var index = 0
        if count >= 3, document[0] == 0xEF, document[1] == 0xBB, document[2] == 0xBF { index = 3 }
        // Sized once for what real requests hold (3 levels, texts up to a schema URL): no regrowing.
        var stack: [Range<Int>] = []
        stack.reserveCapacity(maxDepth)
        var elements = 0
        var sawRoot = false
        var text: [UInt8] = []
        text.reserveCapacity(256)

        func fail(_ reason: String) -> Failure { Failure(reason: reason) }
        func name(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: document[range]) }

        // XML text is characters: valid UTF-8, and no C0 controls but tab, line feed and carriage return.
        guard try Self.checkCharacters(document) || Self.isValidUTF8(document) else { throw fail("not valid UTF-8") }

        while index < count {
            let byte = document[index]
            if byte != Self.lt {
                if stack.isEmpty {
                    guard Self.isSpace(byte) else { throw fail("text outside the root element") }
                    index += 1
                    continue
                }
                let end = Self.find(Self.lt, in: document, from: index, to: count) ?? count
                try decodeText(document, index..<end, into: &text)
                guard text.count <= maxTextLength else { throw fail("text longer than \(maxTextLength) bytes") }
                index = end
                continue
            }
            if !text.isEmpty {
                try handle(.text(text))
                text.removeAll(keepingCapacity: true)
            }
            // What follows `<` decides the markup: `?` `!` `/` or a name (one byte compared, not five prefixes).
            let next = index + 1 < count ? document[index + 1] : 0
            if next == UInt8(ascii: "?") {
                guard let close = Self.find("?>", in: document, from: index + 1) else {
                    throw fail("unterminated processing instruction")
                }
                index = close + 2
            } else if next == UInt8(ascii: "!"), Self.hasPrefix("<!--", document, at: index) {
                guard let close = Self.find("-->", in: document, from: index + 4) else { throw fail("unterminated comment") }
                index = close + 3
            } else if next == UInt8(ascii: "!"), Self.hasPrefix("<![CDATA[", document, at: index) {
                guard !stack.isEmpty else { throw fail("CDATA outside the root element") }
                guard let close = Self.find("]]>", in: document, from: index + 9) else { throw fail("unterminated CDATA") }
                text.append(contentsOf: UnsafeBufferPointer(rebasing: document[(index + 9)..<close]))
                guard text.count <= maxTextLength else { throw fail("text longer than \(maxTextLength) bytes") }
                index = close + 3
            } else if next == UInt8(ascii: "!") {
                throw fail("DOCTYPE and entity declarations are not accepted")
            } else if next == UInt8(ascii: "/") {
                guard let close = Self.find(Self.gt, in: document, from: index + 2, to: count) else {
                    throw fail("unterminated end tag")
                }
                let local = localName(document, (index + 2)..<close)
                guard let open = stack.popLast(), Self.equal(document, open, local) else {
                    throw fail("mismatched end tag </\(String(decoding: name(local), as: UTF8.self))>")
                }
                try handle(.end(name(local)))
                index = close + 1
            } else {
                guard let close = tagEnd(document, from: index + 1) else { throw fail("unterminated start tag") }
                let selfClosing = document[close - 1] == UInt8(ascii: "/")
                let innerEnd = selfClosing ? close - 1 : close
                var nameEnd = index + 1
                while nameEnd < innerEnd, !Self.isSpace(document[nameEnd]) { nameEnd += 1 }
                let local = localName(document, (index + 1)..<nameEnd)
                guard !local.isEmpty else { throw fail("element without a name") }
                try checkAttributes(document, nameEnd..<innerEnd)
                if stack.isEmpty {
                    guard !sawRoot else { throw fail("more than one root element") }
                    sawRoot = true
                }
                elements += 1
                guard elements <= maxElements else { throw fail("more than \(maxElements) elements") }
                guard stack.count < maxDepth else { throw fail("nested deeper than \(maxDepth) levels") }
                try handle(.start(name(local)))
                if selfClosing {
                    try handle(.end(name(local)))
                } else {
                    stack.append(local)
                }
                index = close + 1
            }
        }
        if let open = stack.last { throw fail("element <\(String(decoding: name(open), as: UTF8.self))> is not closed") }
        guard sawRoot else { throw fail("no root element") }
    }

    /// Refuses C0 controls other than tab, line feed and carriage return; true when every byte is ASCII.
    /// Eight bytes a step: a word with no byte below 0x20 and none from 0x80 up is passed whole, the rest
    /// (those holding a line break, say) byte by byte.
    private static func checkCharacters(_ document: UnsafeBufferPointer<UInt8>) throws(Failure) -> Bool {
        var ascii = true
        func check(_ byte: UInt8) throws(Failure) {
            if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                throw Failure(reason: "control character in the document")
            }
            if byte >= 0x80 { ascii = false }
        }
        guard let base = document.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= document.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            // High bits set, or a byte below 0x20 (nonzero exactly when one is: "hasless" of Bit Twiddling Hacks).
            let high = word & 0x8080_8080_8080_8080
            let low = (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080
            if high | low != 0 {
                for index in offset..<(offset + 8) { try check(document[index]) }
            }
            offset += 8
        }
        while offset < document.count {
            try check(document[offset])
            offset += 1
        }
        return ascii
    }

    /// XML white space: space, tab, line feed, carriage return.
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The first `byte` in `start..<end`.
    private static func find(_ byte: UInt8, in document: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard start < end, let base = document.baseAddress, let found = memchr(base + start, Int32(byte), end - start) else {
            return nil
        }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    /// The first occurrence of `needle` (ASCII) at or after `start`.
    private static func find(_ needle: StaticString, in document: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let length = needle.utf8CodeUnitCount
        var index = start
        while index + length <= document.count {
            guard let first = find(needle.utf8Start[0], in: document, from: index, to: document.count - length + 1) else {
                return nil
            }
            if hasPrefix(needle, document, at: first) { return first }
            index = first + 1
        }
        return nil
    }

    private static func hasPrefix(_ prefix: StaticString, _ document: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard index + length <= document.count, let base = document.baseAddress else { return false }
        return memcmp(base + index, prefix.utf8Start, length) == 0
    }

    private static func equal(_ document: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0, let base = document.baseAddress else { return true }
        return memcmp(base + a.lowerBound, base + b.lowerBound, a.count) == 0
    }

    /// The `>` that ends a start tag, skipping quoted attribute values.
    private func tagEnd(_ document: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var quote: UInt8 = 0
        var index = start
        while index < document.count {
            let byte = document[index]
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == Self.gt {
                return index
            } else if byte == Self.lt {
                return nil
            }
            index += 1
        }
        return nil
    }

    /// Attributes must be `name="value"` or `name='value'` pairs; values may use only the predefined entities.
    private func checkAttributes(_ document: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(Failure) {
        var index = range.lowerBound
        var ignored: [UInt8] = []
        while index < range.upperBound {
            if Self.isSpace(document[index]) {
                index += 1
                continue
            }
            guard let equals = Self.find(UInt8(ascii: "="), in: document, from: index, to: range.upperBound) else {
                throw Failure(reason: "malformed attribute")
            }
            var valueStart = equals + 1
            while valueStart < range.upperBound, Self.isSpace(document[valueStart]) { valueStart += 1 }
            guard valueStart < range.upperBound,
                document[valueStart] == UInt8(ascii: "\"") || document[valueStart] == UInt8(ascii: "'"),
                let valueEnd = Self.find(document[valueStart], in: document, from: valueStart + 1, to: range.upperBound)
            else { throw Failure(reason: "malformed attribute") }
            // A value without `&` has nothing to check (and nothing to copy).
            if Self.find(UInt8(ascii: "&"), in: document, from: valueStart + 1, to: valueEnd) != nil {
                ignored.removeAll(keepingCapacity: true)
                try decodeText(document, (valueStart + 1)..<valueEnd, into: &ignored)
            }
            index = valueEnd + 1
        }
    }

    /// The name in `range` up to its first white space, without a namespace prefix.
    private func localName(_ document: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var end = range.lowerBound
        while end < range.upperBound, !Self.isSpace(document[end]) { end += 1 }
        var start = end
        while start > range.lowerBound, document[start - 1] != UInt8(ascii: ":") { start -= 1 }
        return start..<end
    }

    /// Strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF), checked without a copy.
    private static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
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
    private func decodeText(
        _ document: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into output: inout [UInt8]
    ) throws(Failure) {
        let slice = UnsafeBufferPointer(rebasing: document[range])
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

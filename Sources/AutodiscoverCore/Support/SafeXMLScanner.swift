#if canImport(Glibc)
import Glibc
#endif

/// A small, strict XML scanner for request bodies: well-formedness checked, nothing fetched or expanded.
///
/// It refuses any DOCTYPE (and so every entity declaration) before looking further, knows only the
/// five predefined entities and character references, and caps depth, element count and text
/// length. Namespace prefixes are stripped from element names; a UTF-8 byte order mark is skipped.
public struct SafeXMLScanner {
    /// What the scanner meets, as bytes (nothing is copied into strings). Every buffer is valid only while
    /// the handler runs: names and most text point into the document itself.
    public enum Event {
        /// An element opens: its name without a namespace prefix.
        case start(UnsafeBufferPointer<UInt8>)
        /// A piece of character data, entities and character references decoded. An element's text may come
        /// in several pieces (around a CDATA section, say); a start or end tag between them separates texts.
        case text(UnsafeBufferPointer<UInt8>)
        /// An element closes.
        case end(UnsafeBufferPointer<UInt8>)
        /// One attribute of the element that just opened (name as written, value decoded); only with
        /// ``reportsAttributes`` (request bodies are read without them).
        case attribute(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>)
    }

    public struct Failure: Error, Sendable, Equatable {
        public var reason: String
    }

    /// Deepest nesting accepted. Real requests nest 3 levels.
    public var maxDepth = 16
    /// Most elements accepted.
    public var maxElements = 256
    /// Longest text accepted between two pieces of markup, in bytes.
    public var maxTextLength = 2048
    /// Whether attributes are reported (`.attribute` after each `.start`); they are checked either way.
    public var reportsAttributes = false

    private let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    private static let lt = UInt8(ascii: "<")
    private static let gt = UInt8(ascii: ">")

    public func scan(_ handle: (Event) throws(Failure) -> Void) throws(Failure) {
        var failure: Failure?
        let depth = max(maxDepth, 1)
        bytes.withUnsafeBufferPointer { document in
            // The open elements live on the stack: a scan allocates nothing unless a text holds an entity.
            withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: depth) { stack in
                do throws(Failure) {
                    try scan(document, stack, handle)
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
    }

    /// Scans the document's bytes in place: positions are offsets, names and text without entities are
    /// pointers into it, searches for `<`, `>` and `=` are `memchr`, so a request costs no copy.
    private func scan(
        _ document: UnsafeBufferPointer<UInt8>, _ stack: UnsafeMutableBufferPointer<Range<Int>>,
        _ handle: (Event) throws(Failure) -> Void
    ) throws(Failure) {
        let count = document.count
        var index = 0
        if count >= 3, document[0] == 0xEF, document[1] == 0xBB, document[2] == 0xBF { index = 3 }
        var depth = 0
        var elements = 0
        var sawRoot = false
        /// Text bytes since the last markup (the limit applies to each such run).
        var textLength = 0
        /// Decoded text, only for text that holds an entity.
        var decoded: [UInt8] = []

        func fail(_ reason: String) -> Failure { Failure(reason: reason) }
        func name(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: document[range]) }
        func text(_ piece: UnsafeBufferPointer<UInt8>) throws(Failure) {
            textLength += piece.count
            guard textLength <= maxTextLength else { throw fail("text longer than \(maxTextLength) bytes") }
            try handle(.text(piece))
        }

        // XML text is characters: valid UTF-8, and no C0 controls but tab, line feed and carriage return.
        guard try Self.checkCharacters(document) || Self.isValidUTF8(document) else { throw fail("not valid UTF-8") }

        while index < count {
            let byte = document[index]
            if byte != Self.lt {
                if depth == 0 {
                    guard Self.isSpace(byte) else { throw fail("text outside the root element") }
                    index += 1
                    continue
                }
                let end = Self.find(Self.lt, in: document, from: index, to: count) ?? count
                if Self.find(UInt8(ascii: "&"), in: document, from: index, to: end) == nil {
                    try text(name(index..<end))  // most text has no entity: passed in place
                } else {
                    decoded.removeAll(keepingCapacity: true)
                    try decodeText(document, index..<end, into: &decoded)
                    var failure: Failure?
                    decoded.withUnsafeBufferPointer { piece in
                        do throws(Failure) { try text(piece) } catch { failure = error }
                    }
                    if let failure { throw failure }
                }
                index = end
                continue
            }
            textLength = 0
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
                guard depth > 0 else { throw fail("CDATA outside the root element") }
                guard let close = Self.find("]]>", in: document, from: index + 9) else { throw fail("unterminated CDATA") }
                try text(name((index + 9)..<close))
                index = close + 3
            } else if next == UInt8(ascii: "!") {
                throw fail("DOCTYPE and entity declarations are not accepted")
            } else if next == UInt8(ascii: "/") {
                guard let close = Self.find(Self.gt, in: document, from: index + 2, to: count) else {
                    throw fail("unterminated end tag")
                }
                let local = localName(document, (index + 2)..<close)
                guard depth > 0, Self.equal(document, stack[depth - 1], local) else {
                    throw fail("mismatched end tag </\(String(decoding: name(local), as: UTF8.self))>")
                }
                depth -= 1
                try handle(.end(name(local)))
                index = close + 1
            } else {
                guard let close = Self.tagEnd(document, from: index + 1) else { throw fail("unterminated start tag") }
                let selfClosing = document[close - 1] == UInt8(ascii: "/")
                let innerEnd = selfClosing ? close - 1 : close
                var nameEnd = index + 1
                while nameEnd < innerEnd, !Self.isSpace(document[nameEnd]) { nameEnd += 1 }
                let local = Self.withoutPrefix(document, (index + 1)..<nameEnd)
                guard !local.isEmpty else { throw fail("element without a name") }
                try checkAttributes(document, nameEnd..<innerEnd)
                if depth == 0 {
                    guard !sawRoot else { throw fail("more than one root element") }
                    sawRoot = true
                }
                elements += 1
                guard elements <= maxElements else { throw fail("more than \(maxElements) elements") }
                guard depth < maxDepth, depth < stack.count else { throw fail("nested deeper than \(maxDepth) levels") }
                try handle(.start(name(local)))
                if reportsAttributes { try reportAttributes(document, nameEnd..<innerEnd, handle) }
                if selfClosing {
                    try handle(.end(name(local)))
                } else {
                    stack[depth] = local
                    depth += 1
                }
                index = close + 1
            }
        }
        if depth > 0 {
            throw fail("element <\(String(decoding: name(stack[depth - 1]), as: UTF8.self))> is not closed")
        }
        guard sawRoot else { throw fail("no root element") }
    }

    /// Refuses C0 controls other than tab, line feed and carriage return; true when every byte is ASCII.
    /// Eight bytes a step, without a branch per byte: exact per-byte masks (no carries between bytes) of
    /// "below 0x20" and "is tab, line feed or carriage return".
    private static func checkCharacters(_ document: UnsafeBufferPointer<UInt8>) throws(Failure) -> Bool {
        guard let base = document.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var high: UInt64 = 0
        var offset = 0
        while offset + 8 <= document.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            high |= word
            let control = below0x20(word) & ~(equal(word, 0x09) | equal(word, 0x0A) | equal(word, 0x0D))
            if control != 0 { throw Failure(reason: "control character in the document") }
            offset += 8
        }
        var ascii = high & 0x8080_8080_8080_8080 == 0
        while offset < document.count {
            let byte = document[offset]
            if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                throw Failure(reason: "control character in the document")
            }
            if byte >= 0x80 { ascii = false }
            offset += 1
        }
        return ascii
    }

    private static let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each byte of `word` below 0x20 (bytes from 0x80 are not): adding 0x60 to the low
    /// seven bits reaches 0x80 exactly from 0x20, and never carries into the next byte.
    @inline(__always)
    private static func below0x20(_ word: UInt64) -> UInt64 {
        ~(((word & low7) &+ 0x6060_6060_6060_6060) | word) & highBits
    }

    /// The high bit of each byte of `word` equal to `byte`, exactly.
    @inline(__always)
    private static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let difference = word ^ (UInt64(byte) &* 0x0101_0101_0101_0101)
        return ~(((difference & low7) &+ low7) | difference) & highBits
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
        ASCII.offset(
            of: UnsafeRawBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount),
            in: UnsafeRawBufferPointer(document), from: start)
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

    /// The `>` that ends a start tag, skipping quoted attribute values; nil at a `<` outside quotes or at
    /// the document's end. Eight bytes a step find the next of `>` `<` `"` `'`; a quoted value's end is `memchr`.
    private static func tagEnd(_ document: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while let found = nextTagByte(document, from: index) {
            let byte = document[found]
            if byte == gt { return found }
            if byte == lt { return nil }
            guard let close = find(byte, in: document, from: found + 1, to: document.count) else { return nil }
            index = close + 1
        }
        return nil
    }

    /// The first of `>` `<` `"` `'` at or after `start`.
    private static func nextTagByte(_ document: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = document.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        var offset = start
        while offset + 8 <= document.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            // A byte equal to the pattern's is a zero byte of the XOR; the lowest flagged byte is exact.
            let found =
                zeroBytes(word ^ 0x3E3E_3E3E_3E3E_3E3E) | zeroBytes(word ^ 0x3C3C_3C3C_3C3C_3C3C)
                | zeroBytes(word ^ 0x2222_2222_2222_2222) | zeroBytes(word ^ 0x2727_2727_2727_2727)
            if found != 0 { return offset + found.trailingZeroBitCount / 8 }
            offset += 8
        }
        while offset < document.count {
            let byte = document[offset]
            if byte == gt || byte == lt || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { return offset }
            offset += 1
        }
        return nil
    }

    /// The high bit of each zero byte of `word` (and possibly of bytes above the lowest zero one).
    @inline(__always)
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
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

    /// Hands each attribute of a start tag (checked already by ``checkAttributes``) to `handle`.
    private func reportAttributes(
        _ document: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ handle: (Event) throws(Failure) -> Void
    ) throws(Failure) {
        var index = range.lowerBound
        var value: [UInt8] = []
        while index < range.upperBound {
            if Self.isSpace(document[index]) {
                index += 1
                continue
            }
            guard let equals = Self.find(UInt8(ascii: "="), in: document, from: index, to: range.upperBound) else { return }
            var nameEnd = equals
            while nameEnd > index, Self.isSpace(document[nameEnd - 1]) { nameEnd -= 1 }
            var valueStart = equals + 1
            while valueStart < range.upperBound, Self.isSpace(document[valueStart]) { valueStart += 1 }
            guard valueStart < range.upperBound,
                let valueEnd = Self.find(document[valueStart], in: document, from: valueStart + 1, to: range.upperBound)
            else { return }
            value.removeAll(keepingCapacity: true)
            try decodeText(document, (valueStart + 1)..<valueEnd, into: &value)
            var failure: Failure?
            value.withUnsafeBufferPointer { decoded in
                do throws(Failure) {
                    try handle(.attribute(name: UnsafeBufferPointer(rebasing: document[index..<nameEnd]), value: decoded))
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            index = valueEnd + 1
        }
    }

    /// The name in `range` up to its first white space, without a namespace prefix.
    private func localName(_ document: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var end = range.lowerBound
        while end < range.upperBound, !Self.isSpace(document[end]) { end += 1 }
        return Self.withoutPrefix(document, range.lowerBound..<end)
    }

    /// A name without its namespace prefix (what follows its last `:`).
    private static func withoutPrefix(_ document: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> Range<Int> {
        var start = name.upperBound
        while start > name.lowerBound, document[start - 1] != UInt8(ascii: ":") { start -= 1 }
        return start..<name.upperBound
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

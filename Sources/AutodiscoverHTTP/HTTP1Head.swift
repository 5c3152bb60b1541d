import AutodiscoverCore

#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.x request head read straight from its bytes (RFC 9112): the request line and header fields
/// as offsets into those bytes, checked, with the body's framing worked out.
///
/// Strict where requests are smuggled or misread and lenient where real clients are sloppy: a line may
/// end in LF alone, but a bare CR, a folded line (obs-fold), a space before a field's colon, a control
/// byte in a value, `Content-Length` and `Transfer-Encoding` together, differing `Content-Length`s or a
/// transfer coding other than `chunked` make the head malformed (400). Bytes 0x80-0xFF in a target or a
/// value are kept as they are (obs-text).
public struct HTTP1Head: Sendable {
    /// How the body is delimited.
    public enum Framing: Sendable, Equatable {
        case none
        case length(Int)
        case chunked
    }

    /// One header field: its name and its value without the whitespace around it.
    public struct Field: Sendable, Equatable {
        public var name: Range<Int>
        public var value: Range<Int>
    }

    public var method: Range<Int>
    public var target: Range<Int>
    /// 0 or 1 (`HTTP/1.0`, `HTTP/1.1`; a later 1.x reads as 1.1).
    public var minorVersion: Int
    public var fields: [Field]
    public var framing: Framing
    /// `Expect: 100-continue` on a request with a body.
    public var expectsContinue: Bool
    /// Header bytes as counted against `max_header_bytes`: name, value and 4 for each field.
    public var headerBytes: Int

    /// Where the head that starts `bytes` ends: the index just past its blank line, or nil when the blank
    /// line has not arrived. `from` is where to resume a search that found nothing earlier (pass the count
    /// searched minus 2).
    public static func end(in bytes: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        var index = max(from, 0)
        let count = bytes.count
        while index < count {
            guard let lf = firstLF(bytes, from: index) else { return nil }
            // A line ends at `lf`: an empty line follows as "\n" or "\r\n".
            if lf + 1 < count, bytes[lf + 1] == LF { return lf + 2 }
            if lf + 2 < count, bytes[lf + 1] == CR, bytes[lf + 2] == LF { return lf + 3 }
            index = lf + 1
        }
        return nil
    }

    /// The index of the first LF at or after `from`.
    public static func firstLF(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard from < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + from, Int32(LF), bytes.count - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Reads a whole head (`bytes` up to and including its blank line, as ``end(in:from:)`` found it).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTP1HeadError) -> HTTP1Head {
        var fields: [Field] = []
        fields.reserveCapacity(8)
        var head = try parse(bytes) { field in fields.append(field) }
        head.fields = fields
        return head
    }

    /// Reads a whole head, handing each field to `visit` as it is read instead of keeping a list of them
    /// (`fields` stays empty): what the server does, so a request allocates no field list.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, eachField visit: (Field) -> Void
    ) throws(HTTP1HeadError) -> HTTP1Head {
        guard let lineEnd = firstLF(bytes, from: 0) else { throw .malformed("no request line") }
        let (method, target, minor) = try requestLine(bytes, 0..<contentEnd(bytes, lineEnd, start: 0))
        var head = HTTP1Head(
            method: method, target: target, minorVersion: minor, fields: [], framing: .none, expectsContinue: false,
            headerBytes: 0)
        var contentLength: Int?
        var chunked = false
        var expect = false
        var start = lineEnd + 1
        while true {
            guard let lf = firstLF(bytes, from: start) else { throw .malformed("head without a blank line") }
            let end = contentEnd(bytes, lf, start: start)
            if end == start { break }  // the blank line
            let field = try field(bytes, start..<end)
            visit(field)
            head.headerBytes += field.name.count + field.value.count + 4
            switch field.name.count {
            case 14 where equalsLowercase(bytes, field.name, "content-length"):
                let length = try decimal(bytes, field.value)
                if let contentLength, contentLength != length { throw .malformed("differing Content-Length") }
                contentLength = length
            case 17 where equalsLowercase(bytes, field.name, "transfer-encoding"):
                guard !chunked, equalsLowercase(bytes, field.value, "chunked") else {
                    throw .malformed("a transfer coding other than chunked")
                }
                chunked = true
            case 6 where equalsLowercase(bytes, field.name, "expect"):
                expect = equalsLowercase(bytes, field.value, "100-continue")
            default:
                break
            }
            start = lf + 1
        }
        if chunked {
            guard contentLength == nil else { throw .malformed("Content-Length with Transfer-Encoding") }
            guard minor == 1 else { throw .malformed("Transfer-Encoding on HTTP/1.0") }
            head.framing = .chunked
        } else if let contentLength, contentLength > 0 {
            head.framing = .length(contentLength)
        }
        head.expectsContinue = expect && head.framing != .none && minor == 1
        return head
    }

    // MARK: - Pieces

    public static let LF: UInt8 = 0x0A
    public static let CR: UInt8 = 0x0D
    static let SP: UInt8 = 0x20
    static let HTAB: UInt8 = 0x09

    /// The end of a line's content: before its LF and the CR in front of it (a CR anywhere else is a
    /// control byte the line's own checks refuse).
    private static func contentEnd(_ bytes: UnsafeRawBufferPointer, _ lf: Int, start: Int) -> Int {
        lf > start && bytes[lf - 1] == CR ? lf - 1 : lf
    }

    /// `method SP target SP HTTP/1.x`.
    private static func requestLine(
        _ bytes: UnsafeRawBufferPointer, _ line: Range<Int>
    ) throws(HTTP1HeadError) -> (Range<Int>, Range<Int>, Int) {
        var index = line.lowerBound
        while index < line.upperBound, isTokenByte(bytes[index]) { index += 1 }
        let method = line.lowerBound..<index
        guard !method.isEmpty, method.count <= 32, index < line.upperBound, bytes[index] == SP else {
            throw .malformed("bad method")
        }
        index += 1
        let targetStart = index
        while index < line.upperBound, bytes[index] > SP, bytes[index] != 0x7F { index += 1 }
        let target = targetStart..<index
        guard !target.isEmpty, index < line.upperBound, bytes[index] == SP else { throw .malformed("bad target") }
        index += 1
        // "HTTP/" DIGIT "." DIGIT, and nothing after it.
        guard line.upperBound - index == 8, bytes[index] == UInt8(ascii: "H"), bytes[index + 1] == UInt8(ascii: "T"),
            bytes[index + 2] == UInt8(ascii: "T"), bytes[index + 3] == UInt8(ascii: "P"),
            bytes[index + 4] == UInt8(ascii: "/"), bytes[index + 6] == UInt8(ascii: "."),
            isDigit(bytes[index + 5]), isDigit(bytes[index + 7])
        else { throw .malformed("bad HTTP version") }
        guard bytes[index + 5] == UInt8(ascii: "1") else { throw .versionNotSupported }
        return (method, target, bytes[index + 7] == UInt8(ascii: "0") ? 0 : 1)
    }

    /// `name ":" OWS value OWS`.
    private static func field(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) throws(HTTP1HeadError) -> Field {
        var index = line.lowerBound
        while index < line.upperBound, isTokenByte(bytes[index]) { index += 1 }
        guard index > line.lowerBound, index < line.upperBound, bytes[index] == UInt8(ascii: ":") else {
            // A line starting with whitespace is a folded continuation (obs-fold); a space before the colon
            // could make a proxy and us read different fields.
            throw .malformed("bad header line")
        }
        let name = line.lowerBound..<index
        index += 1
        var valueStart = index
        var valueEnd = line.upperBound
        while valueStart < valueEnd, bytes[valueStart] == SP || bytes[valueStart] == HTAB { valueStart += 1 }
        while valueEnd > valueStart, bytes[valueEnd - 1] == SP || bytes[valueEnd - 1] == HTAB { valueEnd -= 1 }
        for position in valueStart..<valueEnd {
            let byte = bytes[position]
            if byte < SP && byte != HTAB || byte == 0x7F { throw .malformed("control byte in a header value") }
        }
        return Field(name: name, value: valueStart..<valueEnd)
    }

    /// A Content-Length value: digits only, at most 15 of them.
    private static func decimal(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(HTTP1HeadError) -> Int {
        guard !range.isEmpty, range.count <= 15 else { throw .malformed("bad Content-Length") }
        var value = 0
        for position in range {
            let byte = bytes[position]
            guard isDigit(byte) else { throw .malformed("bad Content-Length") }
            value = value * 10 + Int(byte &- UInt8(ascii: "0"))
        }
        return value
    }

    /// Whether the bytes in `range`, lowercased, are `lowercase` (ASCII).
    private static func equalsLowercase(
        _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercase: StaticString
    ) -> Bool {
        ASCII.equalsLowercased(
            UnsafeRawBufferPointer(rebasing: bytes[range]),
            UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount))
    }

    /// Whether the bytes in `range` are exactly `text`.
    public static func equalsBytes(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        return memcmp(bytes.baseAddress! + range.lowerBound, text.utf8Start, range.count) == 0
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// RFC 9110 `tchar`.
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        tokenBytes[Int(byte)]
    }

    private static let tokenBytes: [Bool] = (0..<256).map { value in
        let byte = UInt8(value)
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

/// Why a request head cannot be read.
public enum HTTP1HeadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Answered 400.
    case malformed(String)
    /// A major version other than 1 (the server answers 400 with its own text).
    case versionNotSupported

    public var description: String {
        switch self {
        case .malformed(let reason): return "malformed request head: \(reason)"
        case .versionNotSupported: return "HTTP version not supported"
        }
    }
}

import CIDN2

/// A domain name in its canonical form: lower-case ASCII, IDNA-encoded (`xn--` labels), no trailing dot.
///
/// Unicode input goes through libidn2 with UTS #46 non-transitional processing, so
/// `BÜCHER.example` and `xn--bcher-kva.example` are the same name. Pure ASCII names take a
/// fast path that only lower-cases and checks the letter-digit-hyphen rules; `xn--` labels are
/// checked by decoding them once.
public struct DomainName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The canonical ASCII form.
    public let ascii: String

    /// Normalises and validates a domain name.
    ///
    /// - Throws: ``DomainNameError`` naming what is wrong.
    public init(_ text: String) throws(DomainNameError) {
        ascii = try DomainName.canonical(text)
    }

    /// Wraps a name that is already canonical (only for names this type produced).
    init(canonical: String) {
        ascii = canonical
    }

    public var description: String { ascii }

    public static func < (lhs: DomainName, rhs: DomainName) -> Bool { lhs.ascii < rhs.ascii }

    /// The Unicode form for people (`bücher.example`), or the ASCII form when there are no `xn--` labels.
    public var unicode: String {
        guard DomainName.hasACELabel(ascii) else { return ascii }
        var output: UnsafeMutablePointer<CChar>?
        let rc = idn2_to_unicode_8z8z(ascii, &output, 0)
        guard rc == Int32(IDN2_OK.rawValue), let output else { return ascii }
        defer { free(output) }
        return String(cString: output)
    }

    /// True when some label starts with `xn--` (checked on bytes: cheap for 100,000 names).
    static func hasACELabel(_ name: String) -> Bool {
        var atLabelStart = true
        var utf8 = name.utf8.makeIterator()
        while let byte = utf8.next() {
            if atLabelStart, byte == UInt8(ascii: "x"), utf8.next() == UInt8(ascii: "n"),
                utf8.next() == UInt8(ascii: "-"), utf8.next() == UInt8(ascii: "-")
            {
                return true
            }
            atLabelStart = byte == UInt8(ascii: ".")
        }
        return false
    }

    /// The labels from left to right.
    public var labels: [Substring] { ascii.split(separator: ".", omittingEmptySubsequences: false) }

    /// The name without its first label, or nil for a single-label name.
    public var parent: DomainName? {
        guard let dot = ASCII.firstIndex(in: ascii, where: { $0 == UInt8(ascii: ".") }) else { return nil }
        return DomainName(canonical: String(ascii[ascii.index(after: dot)...]))
    }

    /// Longest name in octets (RFC 1035 §2.3.4, without the root's length octet).
    public static let maxLength = 253
    /// Longest label in octets.
    public static let maxLabelLength = 63

    static func canonical(_ text: String) throws(DomainNameError) -> String {
        if let canonical = fastCanonical(text) { return canonical }
        var utf8 = Array(text.utf8)
        if utf8.last == UInt8(ascii: ".") { utf8.removeLast() }
        guard !utf8.isEmpty else { throw .empty }
        if utf8.allSatisfy({ $0 < 0x80 }) {
            return try checkASCII(utf8)
        }
        for byte in utf8 where byte < 0x20 || byte == 0x7F {
            _ = byte
            throw .invalidCharacter
        }
        var output: UnsafeMutablePointer<CChar>?
        let flags = Int32(IDN2_NFC_INPUT.rawValue | IDN2_NONTRANSITIONAL.rawValue)
        let rc = String(decoding: utf8, as: UTF8.self).withCString { idn2_to_ascii_8z($0, &output, flags) }
        guard rc == Int32(IDN2_OK.rawValue), let output else {
            throw .idna(String(cString: idn2_strerror(rc)))
        }
        defer { free(output) }
        return try checkASCII(Array(String(cString: output).utf8))
    }

    /// The name itself when it is already lower-case LDH ASCII without `--`, checked without copying.
    private static func fastCanonical(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { isFastCanonical($0) } ? text : nil
    }

    /// Whether `bytes` are a name in canonical form already: lower-case LDH ASCII labels of 1...63 octets,
    /// 253 in all, no leading or trailing hyphen and no `--` (punycode-style labels take the careful path).
    static func isFastCanonical(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        var labelLength = 0
        var previous = UInt8(ascii: ".")
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                labelLength += 1
            case UInt8(ascii: "-"):
                guard previous != UInt8(ascii: "."), previous != UInt8(ascii: "-") else { return false }
                labelLength += 1
            case UInt8(ascii: "."):
                guard labelLength > 0, previous != UInt8(ascii: "-") else { return false }
                labelLength = 0
            default:
                return false
            }
            guard labelLength <= maxLabelLength else { return false }
            previous = byte
        }
        return labelLength > 0 && previous != UInt8(ascii: "-")
    }

    /// Lower-cases and checks an ASCII name: LDH labels of 1...63 octets, 253 in all.
    private static func checkASCII(_ input: [UInt8]) throws(DomainNameError) -> String {
        guard input.count <= maxLength else { throw .tooLong(input.count) }
        var bytes = input
        var labelStart = 0
        var hasPunycode = false
        for index in 0...bytes.count {
            if index == bytes.count || bytes[index] == UInt8(ascii: ".") {
                let length = index - labelStart
                guard length > 0 else { throw .emptyLabel }
                guard length <= maxLabelLength else { throw .labelTooLong(length) }
                if bytes[labelStart] == UInt8(ascii: "-") || bytes[index - 1] == UInt8(ascii: "-") {
                    throw .hyphenAtLabelEdge
                }
                if length >= 4, bytes[labelStart + 2] == UInt8(ascii: "-"), bytes[labelStart + 3] == UInt8(ascii: "-") {
                    hasPunycode = true
                }
                labelStart = index + 1
                continue
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes[index] = byte + 32
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"): break
            case UInt8(ascii: "_"): break  // SRV owner names and some real hosts use underscores
            default: throw .invalidCharacter
            }
        }
        let result = String(decoding: bytes, as: UTF8.self)
        if hasPunycode { try checkPunycode(result) }
        return result
    }

    /// Decodes `xn--` labels once, so a broken A-label is refused at load rather than sent to clients.
    private static func checkPunycode(_ name: String) throws(DomainNameError) {
        for label in name.split(separator: ".") where label.count >= 4 {
            let utf8 = Array(label.utf8)
            guard utf8[2] == UInt8(ascii: "-"), utf8[3] == UInt8(ascii: "-") else { continue }
            guard label.hasPrefix("xn--") else { throw .idna("label \(label) has hyphens in the third and fourth positions") }
            var output: UnsafeMutablePointer<CChar>?
            let rc = idn2_to_unicode_8z8z(String(label), &output, 0)
            guard rc == Int32(IDN2_OK.rawValue), let output else {
                throw .idna("label \(label) is not valid punycode")
            }
            let decoded = String(cString: output)
            free(output)
            // Round-trip: the A-label must be the canonical encoding of its U-label.
            var back: UnsafeMutablePointer<CChar>?
            let flags = Int32(IDN2_NFC_INPUT.rawValue | IDN2_NONTRANSITIONAL.rawValue)
            let rc2 = idn2_to_ascii_8z(decoded, &back, flags)
            guard rc2 == Int32(IDN2_OK.rawValue), let back else {
                throw .idna("label \(label) is not a valid IDNA label: \(String(cString: idn2_strerror(rc2)))")
            }
            let roundTrip = String(cString: back)
            free(back)
            guard roundTrip == label else { throw .idna("label \(label) is not in canonical IDNA form") }
        }
    }
}

/// Why a domain name was refused.
public enum DomainNameError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case emptyLabel
    case tooLong(Int)
    case labelTooLong(Int)
    case hyphenAtLabelEdge
    case invalidCharacter
    case idna(String)

    public var description: String {
        switch self {
        case .empty: return "is empty"
        case .emptyLabel: return "has an empty label"
        case .tooLong(let count): return "is \(count) octets long, more than \(DomainName.maxLength)"
        case .labelTooLong(let count): return "has a label of \(count) octets, more than \(DomainName.maxLabelLength)"
        case .hyphenAtLabelEdge: return "has a label that starts or ends with a hyphen"
        case .invalidCharacter: return "has a character not allowed in a host name"
        case .idna(let message): return "is not a valid internationalized name (\(message))"
        }
    }
}

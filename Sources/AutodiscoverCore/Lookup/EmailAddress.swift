/// A mailbox address from a client request, checked and split at its last `@`.
///
/// The local part must be a dot-atom (RFC 5322 `atext` and dots) or UTF-8 text (RFC 6531), at most
/// 64 octets, with no control characters, spaces or markup (`<`, `>`, `"`, `\`); the domain is a
/// valid ``DomainName`` of at most 253 octets. Quoted local parts are refused: no real client sends
/// them to autodiscovery, and refusing keeps every value safe to place in any output format.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The local part as the client sent it (case kept: some servers care).
    public let localPart: String
    /// The domain, canonical.
    public let domain: DomainName

    /// Longest local part in octets (RFC 5321 §4.5.3.1.1).
    public static let maxLocalPartLength = 64

    /// Parses and checks an address.
    public init(_ text: String) throws(AddressError) {
        var text = text
        // "@" is ASCII: its byte offset is a character boundary.
        guard let at = text.withUTF8({ $0.lastIndex(of: UInt8(ascii: "@")) }) else { throw .missingAt }
        let utf8 = text.utf8
        let atIndex = utf8.index(utf8.startIndex, offsetBy: at)
        let local = text[..<atIndex]
        let domainText = String(text[utf8.index(after: atIndex)...])
        try EmailAddress.checkLocalPart(local)
        do {
            domain = try DomainName(domainText)
        } catch {
            throw .domain(error)
        }
        localPart = String(local)
        // Usually the text already is the canonical form: keep it rather than build a copy.
        // Compared as bytes: String's == is canonical equivalence, which is not "the same text".
        description = ASCII.sameBytes(domain.ascii, domainText) ? text : "\(localPart)@\(domain.ascii)"
    }

    /// Joins an already-checked local part with a domain.
    public init(localPart: String, domain: DomainName) {
        self.localPart = localPart
        self.domain = domain
        description = "\(localPart)@\(domain.ascii)"
    }

    /// `local@domain` (the domain in ASCII), made once: answers write it several times.
    public let description: String

    private static func checkLocalPart(_ local: Substring) throws(AddressError) {
        let utf8 = local.utf8
        guard !utf8.isEmpty else { throw .emptyLocalPart }
        guard utf8.count <= maxLocalPartLength else { throw .localPartTooLong(utf8.count) }
        var previousDot = true
        var ascii = true
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "."):
                guard !previousDot else { throw .invalidLocalPart }
                previousDot = true
                continue
            case 0x80...0xFF:
                ascii = false  // UTF-8 continuation and lead bytes (RFC 6531); C1 controls checked below
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                break
            default:
                guard isAtextSymbol(byte) else { throw .invalidLocalPart }
            }
            previousDot = false
        }
        guard !previousDot else { throw .invalidLocalPart }
        guard !ascii else { return }
        // C1 controls (U+0080...U+009F) and other non-printing scalars.
        for scalar in local.unicodeScalars where scalar.value >= 0x80 {
            if scalar.value <= 0x9F || scalar.properties.generalCategory == .control
                || scalar.properties.generalCategory == .format || scalar.properties.isWhitespace
            {
                throw .invalidLocalPart
            }
        }
    }

    /// RFC 5322 `atext` symbols: ``!#$%&'*+-/=?^_`{|}~``.
    private static func isAtextSymbol(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#")...UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"),
            UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "^"),
            UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{")...UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}

/// Why an address was refused.
public enum AddressError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingAt
    case emptyLocalPart
    case localPartTooLong(Int)
    case invalidLocalPart
    case domain(DomainNameError)

    public var description: String {
        switch self {
        case .missingAt: return "address has no @"
        case .emptyLocalPart: return "address has an empty local part"
        case .localPartTooLong(let count):
            return "local part is \(count) octets long, more than \(EmailAddress.maxLocalPartLength)"
        case .invalidLocalPart: return "local part has characters an address cannot have"
        case .domain(let error): return "domain \(error)"
        }
    }
}

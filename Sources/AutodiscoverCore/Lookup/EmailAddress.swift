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
        // One pass over the bytes finds the last "@" (ASCII: a character boundary) and checks the local
        // part's bytes; its scalars are looked at only when it is not ASCII. A domain already in canonical
        // form (nearly all) is taken as it is: the address is then its own description.
        let parts = text.withUTF8 { bytes -> Result<(local: String, domain: DomainName?, domainText: String), AddressError> in
            guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return .failure(.missingAt) }
            let local = UnsafeBufferPointer(rebasing: bytes[..<at])
            let domain = UnsafeBufferPointer(rebasing: bytes[(at + 1)...])
            let localText = String(decoding: local, as: UTF8.self)
            switch EmailAddress.checkLocalPart(local) {
            case .refused(let error): return .failure(error)
            case .unicode:
                do throws(AddressError) {
                    try EmailAddress.checkScalars(localText[...])
                } catch {
                    return .failure(error)
                }
            case .ascii: break
            }
            let domainText = String(decoding: domain, as: UTF8.self)
            return .success((localText, DomainName.isFastCanonical(domain) ? DomainName(canonical: domainText) : nil, domainText))
        }
        switch parts {
        case .failure(let error):
            throw error
        case .success(let (local, canonical?, _)):
            localPart = local
            domain = canonical
            description = text
        case .success(let (local, nil, domainText)):
            do {
                domain = try DomainName(domainText)
            } catch {
                throw .domain(error)
            }
            localPart = local
            description = "\(local)@\(domain.ascii)"
        }
    }

    /// Joins an already-checked local part with a domain.
    public init(localPart: String, domain: DomainName) {
        self.localPart = localPart
        self.domain = domain
        description = "\(localPart)@\(domain.ascii)"
    }

    /// `local@domain` (the domain in ASCII), made once: answers write it several times.
    public let description: String

    /// What the byte check of a local part found.
    private enum LocalPartCheck {
        case ascii
        /// Valid so far; its non-ASCII scalars still need ``checkScalars(_:)``.
        case unicode
        case refused(AddressError)
    }

    /// A dot-atom of `atext` and UTF-8 bytes, at most ``maxLocalPartLength`` octets.
    private static func checkLocalPart(_ bytes: UnsafeBufferPointer<UInt8>) -> LocalPartCheck {
        guard !bytes.isEmpty else { return .refused(.emptyLocalPart) }
        guard bytes.count <= maxLocalPartLength else { return .refused(.localPartTooLong(bytes.count)) }
        var previousDot = true
        var ascii = true
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "."):
                guard !previousDot else { return .refused(.invalidLocalPart) }
                previousDot = true
                continue
            case 0x80...0xFF:
                ascii = false  // UTF-8 continuation and lead bytes (RFC 6531); C1 controls checked after
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                break
            default:
                guard isAtextSymbol(byte) else { return .refused(.invalidLocalPart) }
            }
            previousDot = false
        }
        guard !previousDot else { return .refused(.invalidLocalPart) }
        return ascii ? .ascii : .unicode
    }

    /// C1 controls (U+0080...U+009F) and other non-printing scalars are refused.
    private static func checkScalars(_ local: Substring) throws(AddressError) {
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

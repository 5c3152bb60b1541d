/// The record types the service's DNS tools write and read.
public enum DNSRecordType: String, Sendable, Hashable, Comparable {
    case srv = "SRV"
    case txt = "TXT"
    case cname = "CNAME"

    /// The type's number on the wire (RFC 1035, RFC 2782).
    public var code: Int32 {
        switch self {
        case .srv: return 33
        case .txt: return 16
        case .cname: return 5
        }
    }

    public static func < (lhs: DNSRecordType, rhs: DNSRecordType) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The data of one record.
public enum DNSRecordData: Sendable, Hashable, CustomStringConvertible {
    /// RFC 2782; a target of `.` with port 0 says "decidedly not available".
    case srv(priority: Int, weight: Int, port: Int, target: String)
    /// The record's character strings, each at most 255 bytes.
    case txt([String])
    case cname(String)

    public var type: DNSRecordType {
        switch self {
        case .srv: return .srv
        case .txt: return .txt
        case .cname: return .cname
        }
    }

    /// `0 0 0 .`: the service is decidedly not offered (RFC 2782, RFC 6186 §3.4).
    public static let notOffered = DNSRecordData.srv(priority: 0, weight: 0, port: 0, target: ".")

    /// The data as a zone file writes it (`0 1 993 imap.example.com.`, `"path=/dav/"`).
    public var description: String {
        switch self {
        case .srv(let priority, let weight, let port, let target):
            return "\(priority) \(weight) \(port) \(target)"
        case .txt(let strings):
            return strings.map(DNSRecordData.quoted).joined(separator: " ")
        case .cname(let target):
            return target
        }
    }

    /// A character string in zone-file quotes: `"` and `\` escaped, bytes outside printable ASCII as `\DDD`.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out += "\\" + String(UnicodeScalar(byte))
            case 0x20..<0x7F:
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let digits = String(byte)
                out += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return out + "\""
    }
}

/// One resource record with an absolute owner name (lower case, trailing dot).
public struct DNSRecord: Sendable, Hashable {
    public var owner: String
    public var ttl: Int
    public var data: DNSRecordData

    public init(owner: String, ttl: Int, data: DNSRecordData) {
        self.owner = owner
        self.ttl = ttl
        self.data = data
    }

    public var type: DNSRecordType { data.type }

    /// The record as one line of a zone file (RFC 1035 §5), fields separated by tabs.
    public var zoneLine: String { "\(owner)\t\(ttl)\tIN\t\(type.rawValue)\t\(data)" }
}

/// Names as DNS writes them: absolute, with the trailing dot, compared without regard to case.
public enum DNSName {
    /// `name` with a trailing dot (the root stays `.`).
    public static func absolute(_ name: String) -> String {
        name.hasSuffix(".") ? name : name + "."
    }

    /// True when two names are the same name (ASCII case and a trailing dot ignored).
    public static func same(_ a: String, _ b: String) -> Bool {
        var a = Substring(a)
        var b = Substring(b)
        if a.utf8.count > 1, a.utf8.last == UInt8(ascii: ".") { a = a.dropLast() }
        if b.utf8.count > 1, b.utf8.last == UInt8(ascii: ".") { b = b.dropLast() }
        return a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { ASCII.lower($0) == ASCII.lower($1) }
    }
}

/// The TXT record at `_ua-auto-config.D` that vouches for the domain's PACC document
/// (draft-ietf-mailmaint-pacc-03): `v=UAAC1; a=sha256; d=<base64 of SHA-256 of the body bytes>`.
public struct PACCDigestRecord: Sendable, Hashable {
    /// The hash algorithm's name (`sha256`).
    public var algorithm: String
    /// The digest in base64, as written in the record.
    public var digest: String

    public init(algorithm: String = "sha256", digest: String) {
        self.algorithm = algorithm
        self.digest = digest
    }

    /// The record for a PACC document's exact bytes.
    public init(document: [UInt8]) {
        self.init(digest: Base64.encode(Digest.sha256(document)))
    }

    /// The record's text.
    public var text: String { "v=UAAC1; a=\(algorithm); d=\(digest)" }

    /// Reads a TXT record's text (its character strings joined) as the draft says: tags separated by
    /// `;`, in any order, spaces around them free, unknown tags ignored. Nil when it is no `v=UAAC1`
    /// record or lacks `a` or `d`.
    public init?(parsing text: String) {
        var tags: [String: String] = [:]
        for part in text.split(separator: ";", omittingEmptySubsequences: true) {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let name = part[..<equals].trimmingSpaces.lowercased()
            if tags[name] == nil { tags[name] = String(part[part.index(after: equals)...].trimmingSpaces) }
        }
        guard tags["v"] == "UAAC1", let algorithm = tags["a"], let digest = tags["d"] else { return nil }
        self.init(algorithm: algorithm.lowercased(), digest: digest)
    }

    /// True when both name the same algorithm and digest (base64 padding ignored).
    public func matches(_ other: PACCDigestRecord) -> Bool {
        func unpadded(_ text: String) -> Substring {
            var text = Substring(text)
            while text.hasSuffix("=") { text = text.dropLast() }
            return text
        }
        return algorithm == other.algorithm && unpadded(digest) == unpadded(other.digest)
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}

/// A client request as the core sees it: no networking types, just method, target, host and body.
///
/// Path and query stay slices of the target as received: a request pays for decoding only the query
/// parameter a renderer asks for, not for a string per parameter.
public struct IncomingRequest: Sendable {
    /// `GET`, `HEAD`, `POST`, … (upper case).
    public var method: String
    /// The path, percent-encoded as received, without the query.
    public var path: Substring
    /// The query as received (after `?`, still percent-encoded); empty when there is none.
    public var queryText: Substring
    /// The host the request was for (`Host`, or `X-Forwarded-Host` from a trusted proxy), port included.
    public var host: String?
    public var body: [UInt8]
    public var userAgent: String?

    /// Splits `target` (`/path?query`) into path and query.
    public init(method: String, target: String, host: String?, body: [UInt8] = [], userAgent: String? = nil) {
        let (path, query) = Self.split(target)
        self.method =
            method.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? method : method.uppercased()
        self.path = path
        queryText = query
        self.host = host
        self.body = body
        self.userAgent = userAgent
    }

    /// The target's path and query (empty when there is no `?`), as slices of it.
    private static func split(_ target: String) -> (Substring, Substring) {
        guard let mark = ASCII.firstIndex(in: target, where: { $0 == UInt8(ascii: "?") }) else { return (target[...], "") }
        return (target[..<mark], target[target.utf8.index(after: mark)...])
    }

    /// The first query parameter with one of `names`, compared case-insensitively.
    public func queryValue(_ names: String...) -> String? {
        for name in names {
            if let value = queryValue(name) { return value }
        }
        return nil
    }

    /// The first query parameter named `name`, compared case-insensitively (after decoding), decoded.
    public func queryValue(_ name: String) -> String? {
        var text = queryText
        var name = name
        return text.withUTF8 { query in
            name.withUTF8 { name in Self.value(named: name, in: query) }
        }
    }

    /// Scans a query's bytes pair by pair (`&` and `=` are ASCII, so every cut is on a character
    /// boundary); decodes only the value returned.
    private static func value(named name: UnsafeBufferPointer<UInt8>, in query: UnsafeBufferPointer<UInt8>) -> String? {
        var start = 0
        while start < query.count {
            var end = start
            while end < query.count && query[end] != UInt8(ascii: "&") { end += 1 }
            var equals = start
            while equals < end && query[equals] != UInt8(ascii: "=") { equals += 1 }
            let key = UnsafeBufferPointer(rebasing: query[start..<equals])
            let matches =
                PercentDecoding.needsDecoding(key, plusAsSpace: true)
                ? ASCII.equalsIgnoringCase(PercentDecoding.decode(key, plusAsSpace: true), name)
                : ASCII.equalsIgnoringCase(key, name)
            if matches {
                let value = equals < end ? UnsafeBufferPointer(rebasing: query[(equals + 1)..<end]) : .init(start: nil, count: 0)
                return PercentDecoding.needsDecoding(value, plusAsSpace: true)
                    ? String(decoding: PercentDecoding.decode(value, plusAsSpace: true), as: UTF8.self)
                    : String(decoding: value, as: UTF8.self)
            }
            start = end + 1
        }
        return nil
    }
}

/// Percent-decoding for URL paths and queries; invalid escapes stay as written.
public enum PercentDecoding {
    /// Whether `bytes` hold an escape or (with `plusAsSpace`) a `+`: anything ``decode(_:plusAsSpace:)`` changes.
    public static func needsDecoding(_ bytes: UnsafeBufferPointer<UInt8>, plusAsSpace: Bool) -> Bool {
        bytes.contains { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }
    }

    /// Decodes bytes; returns them unchanged (as a copy) when there is nothing to decode.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, plusAsSpace: Bool) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = ASCII.hexValue(bytes[index + 1]),
                let low = ASCII.hexValue(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
                continue
            }
            output.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return output
    }

    public static func decode(_ text: Substring, plusAsSpace: Bool) -> String {
        var text = text
        return text.withUTF8 { bytes in
            needsDecoding(bytes, plusAsSpace: plusAsSpace)
                ? String(decoding: decode(bytes, plusAsSpace: plusAsSpace), as: UTF8.self)
                : String(decoding: bytes, as: UTF8.self)
        }
    }

}

extension String {
    /// ASCII case-insensitive equality, without allocating.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        ASCII.equalsIgnoringCase(utf8, other.utf8)
    }
}

/// A client request as the core sees it: no networking types, just method, target, host and body.
public struct IncomingRequest: Sendable {
    /// `GET`, `HEAD`, `POST`, … (upper case).
    public var method: String
    /// The path, percent-encoded as received, without the query.
    public var path: String
    /// Query parameters, percent-decoded (`+` as space), in order.
    public var query: [(name: String, value: String)]
    /// The host the request was for (`Host`, or `X-Forwarded-Host` from a trusted proxy), port included.
    public var host: String?
    public var body: [UInt8]
    public var userAgent: String?

    /// Splits `target` (`/path?query`) into path and decoded query.
    public init(method: String, target: String, host: String?, body: [UInt8] = [], userAgent: String? = nil) {
        self.method =
            method.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? method : method.uppercased()
        if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = String(target[..<mark])
            query = IncomingRequest.parseQuery(target[target.utf8.index(after: mark)...])
        } else {
            path = target
            query = []
        }
        self.host = host
        self.body = body
        self.userAgent = userAgent
    }

    /// The first query parameter with one of `names`, compared case-insensitively.
    public func queryValue(_ names: String...) -> String? {
        for name in names {
            if let value = queryValue(name) { return value }
        }
        return nil
    }

    /// The first query parameter named `name`, compared case-insensitively.
    public func queryValue(_ name: String) -> String? {
        for (candidate, value) in query where name.caseInsensitiveEquals(candidate) { return value }
        return nil
    }

    /// Splits a query at `&` and `=` by its bytes (both are ASCII, so every cut is on a character boundary).
    static func parseQuery(_ text: Substring) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        let bytes = text.utf8
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            if start != end {
                let pair = text[start..<end]
                if let equals = pair.utf8.firstIndex(of: UInt8(ascii: "=")) {
                    result.append(
                        (
                            PercentDecoding.decode(pair[..<equals], plusAsSpace: true),
                            PercentDecoding.decode(pair[pair.utf8.index(after: equals)...], plusAsSpace: true)
                        ))
                } else {
                    result.append((PercentDecoding.decode(pair, plusAsSpace: true), ""))
                }
            }
            start = end == bytes.endIndex ? end : bytes.index(after: end)
        }
        return result
    }
}

/// Percent-decoding for URL paths and queries; invalid escapes stay as written.
public enum PercentDecoding {
    public static func decode(_ text: Substring, plusAsSpace: Bool) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        let utf8 = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count, let high = ASCII.hexValue(utf8[index + 1]),
                let low = ASCII.hexValue(utf8[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
                continue
            }
            output.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

}

extension String {
    /// ASCII case-insensitive equality, without allocating.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        ASCII.equalsIgnoringCase(utf8, other.utf8)
    }
}

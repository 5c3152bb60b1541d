/// Splits `https://host[:port][/path]` URLs on bytes, for config values.
enum HTTPSURL {
    /// Host, port (443 by default) and path (`/` by default), or nil when the text is not a plain https URL.
    static func split(_ text: String) -> (host: String, port: Int, path: String)? {
        let utf8 = Array(text.utf8)
        let scheme = Array("https://".utf8)
        guard utf8.count > scheme.count else { return nil }
        for index in 0..<scheme.count where utf8[index] | 0x20 != scheme[index] | 0x20 {
            _ = index
            return nil
        }
        var hostEnd = scheme.count
        var colon: Int?
        while hostEnd < utf8.count {
            let byte = utf8[hostEnd]
            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") { break }
            if byte == UInt8(ascii: "@") { return nil }
            if byte == UInt8(ascii: ":") { colon = hostEnd }
            hostEnd += 1
        }
        for byte in utf8
        where byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "<")
            || byte == UInt8(ascii: ">")
        {
            _ = byte
            return nil
        }
        var port = 443
        let hostBytes: ArraySlice<UInt8>
        if let colon {
            guard let value = Int(String(decoding: utf8[(colon + 1)..<hostEnd], as: UTF8.self)),
                (1...65535).contains(value)
            else { return nil }
            port = value
            hostBytes = utf8[scheme.count..<colon]
        } else {
            hostBytes = utf8[scheme.count..<hostEnd]
        }
        guard !hostBytes.isEmpty else { return nil }
        let path = hostEnd < utf8.count ? String(decoding: utf8[hostEnd...], as: UTF8.self) : "/"
        return (String(decoding: hostBytes, as: UTF8.self), port, path)
    }

    /// Words for why `split` refused a URL.
    static func problem(_ text: String) -> String {
        if !text.lowercased().hasPrefix("https://") { return "must be an https:// URL, found '\(text)'" }
        return "must be a plain https URL (host, optional port and path; no credentials, spaces or quotes), found '\(text)'"
    }
}

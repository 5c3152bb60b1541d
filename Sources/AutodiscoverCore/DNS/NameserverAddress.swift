/// `HOST`, `HOST:PORT` or `[V6]:PORT`, as `--nameserver` and `server.dns.nameservers` take them.
public enum NameserverAddress {
    /// The host (brackets taken off) and the port, if one is given; nil when `text` has another shape
    /// (the host itself is checked when it is used).
    public static func split(_ text: String) -> (host: Substring, port: UInt16?)? {
        var host = Substring(text)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if rest.hasPrefix(":") { portText = rest.dropFirst() } else if !rest.isEmpty { return nil }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        var port: UInt16?
        if let portText {
            guard let value = UInt16(portText) else { return nil }
            port = value
        }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        return (host, port)
    }

    /// True when `text` has one of those shapes.
    public static func isValid(_ text: String) -> Bool { split(text) != nil }
}

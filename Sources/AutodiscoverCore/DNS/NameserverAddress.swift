/// `HOST`, `HOST:PORT` or `[V6]:PORT`, as `--nameserver` and `server.dns.nameservers` take them.
public enum NameserverAddress {
    /// True when `text` has that shape (the host itself is checked when it is used).
    public static func isValid(_ text: String) -> Bool {
        var host = Substring(text)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if rest.hasPrefix(":") { port = rest.dropFirst() } else if !rest.isEmpty { return false }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        if let port, port.isEmpty || UInt16(port) == nil { return false }
        return !host.isEmpty && !host.contains(" ")
    }
}

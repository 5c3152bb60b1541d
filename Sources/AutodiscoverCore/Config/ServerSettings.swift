/// The `server:` section: where to listen and the limits that protect the service.
public struct ServerSettings: Sendable, Equatable {
    /// Cleartext listener for HTTP/1.1 and h2c. Defaults to `127.0.0.1:8080`, so a bare `serve` is never exposed.
    public var listen = ListenAddress(host: "127.0.0.1", port: 8080)
    /// Optional TLS listener (HTTP/1.1 and h2 by ALPN).
    public var tls: TLSSettings?
    /// Peers whose `X-Forwarded-*` headers are believed. Defaults to loopback only.
    public var trustedProxies: [CIDRRange] = [CIDRRange.loopbackV4, CIDRRange.loopbackV6]
    public var limits = Limits()
    /// The host name clients reach the service by (`autoconfig.D`, `autodiscover.D` and `ua-auto-config.D`
    /// are CNAMEs to it); used by `dns records` and `dns check`, not by the server.
    public var publicHost: DomainName?
    /// Event loops serving connections; nil: as many as the CPUs the process may use. Read at start only.
    public var threads: Int?
    /// How `source: dns` domains are looked up (`server.dns`).
    public var dns = DNSSettings()

    public init() {}
}

/// `server.dns`: the lookups behind `source: dns` domains.
public struct DNSSettings: Sendable, Equatable {
    /// `HOST[:PORT]` of each nameserver to ask; empty asks the system's (`/etc/resolv.conf`).
    public var nameservers: [String] = []
    /// How long one question may take. Defaults to 5 s.
    public var timeout: Duration = .seconds(5)
    /// Record sets are looked up again before their TTL runs out, but no sooner than this. Defaults to 30 s.
    public var minTTL: Duration = .seconds(30)
    /// … and no later than this. Defaults to 1 h.
    public var maxTTL: Duration = .seconds(3600)
    /// Questions in flight at once. Defaults to 64.
    public var parallel = 64

    public init() {}
}

/// A TLS listener's address and its certificate files (paths resolved against the config file).
public struct TLSSettings: Sendable, Equatable {
    public var listen: ListenAddress
    public var certificate: String
    public var key: String

    public init(listen: ListenAddress, certificate: String, key: String) {
        self.listen = listen
        self.certificate = certificate
        self.key = key
    }
}

/// Request and connection limits (`server.limits`).
public struct Limits: Sendable, Equatable {
    /// Largest request body accepted; bigger gets 413. Defaults to 16 KiB (real POX requests are under 1 KiB).
    public var maxBodyBytes = 16_384
    /// Longest request target (path and query); longer gets 414. Defaults to 8 KiB.
    public var maxURIBytes = 8_192
    /// Largest request header block (names and values, the target excluded); bigger gets 431. Defaults to 16 KiB.
    public var maxHeaderBytes = 16_384
    /// Time allowed to send the request head. Defaults to 10 s.
    public var headerTimeout: Duration = .seconds(10)
    /// Time an idle keep-alive connection stays open. Defaults to 60 s.
    public var idleTimeout: Duration = .seconds(60)
    /// Time allowed for a whole request, head to last body byte; slower gets 408. Defaults to 30 s.
    public var requestTimeout: Duration = .seconds(30)
    /// Open connections at most; more are closed at once. Defaults to 10,000.
    public var maxConnections = 10_000
    /// Concurrent HTTP/2 streams per connection. Defaults to 100.
    public var maxConcurrentStreams = 100

    public init() {}
}

/// The `signing:` section: certificate, key and chain for signing Apple profiles.
public struct SigningSettings: Sendable, Equatable {
    public var certificate: String
    public var key: String
    public var chain: String?
    /// Where the section is written, for problems with its files.
    public var file: String
    public var line: Int

    public init(certificate: String, key: String, chain: String? = nil, file: String = "", line: Int = 0) {
        self.certificate = certificate
        self.key = key
        self.chain = chain
        self.file = file
        self.line = line
    }
}

/// `host:port`, with IPv6 hosts in brackets (`[::1]:8080`).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port` or `:port` (all interfaces); port 0 asks the system for one.
    public init?(parsing text: String) {
        var hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { return nil }
        }
        if hostPart.isEmpty { hostPart = "0.0.0.0" }
        guard let port = Int(portPart), (0...65535).contains(port) else { return nil }
        self.host = String(hostPart)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

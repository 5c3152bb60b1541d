import AutodiscoverCore

/// One HTTP request a client sends: where to, what, and which format its answer is read as.
public struct ProbeRequest: Sendable {
    public var method: String
    public var scheme: String
    public var host: String
    public var port: Int
    /// Path and query, as sent.
    public var target: String
    public var body: [UInt8] = []
    public var contentType: String?
    /// The renderer whose answer this is (nil: none expected, e.g. Outlook's http redirect step).
    public var format: RendererID?

    public init(
        method: String, scheme: String = "https", host: String, port: Int? = nil, target: String, body: [UInt8] = [],
        contentType: String? = nil, format: RendererID?
    ) {
        self.method = method
        self.scheme = scheme
        self.host = host
        self.port = port ?? (scheme == "https" ? 443 : 80)
        self.target = target
        self.body = body
        self.contentType = contentType
        self.format = format
    }

    /// The URL as the client forms it.
    public var url: String {
        let defaultPort = scheme == "https" ? 443 : 80
        return "\(scheme)://\(host)\(port == defaultPort ? "" : ":\(port)")\(target)"
    }

    /// The URL without its query (addresses stay out of the report's step names).
    public var displayURL: String {
        guard let query = url.firstIndex(of: "?") else { return url }
        return String(url[..<query]) + "?…"
    }
}

/// One path a renderer answers, as plain data so the core needs no HTTP types.
public struct RouteSpec: Sendable, Hashable {
    /// Methods answered (upper case); others get 405.
    public var methods: [String]
    /// The path in lower case; requests match case-insensitively.
    public var path: String
    /// When true, any path starting with ``path`` matches (e.g. `/autodiscover/autodiscover.json/v1.0/…`).
    public var isPrefix: Bool

    public init(_ methods: [String], _ path: String, prefix: Bool = false) {
        self.methods = methods
        self.path = path.lowercased()
        self.isPrefix = prefix
    }
}

/// A renderer's stable name, used by the CLI (`--format`), in logs and as the golden-file folder.
public struct RendererID: RawRepresentable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let outlook: RendererID = "outlook"
    public static let mobilesync: RendererID = "mobilesync"
    public static let json: RendererID = "json"
    public static let thunderbird: RendererID = "thunderbird"
    public static let pacc: RendererID = "pacc"
    public static let mobileconfig: RendererID = "mobileconfig"
    public static let wellKnownDAV: RendererID = "wellknown-dav"
}

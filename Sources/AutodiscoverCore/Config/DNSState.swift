/// Where a `source: dns` domain's settings stand.
public enum DNSState: String, Sendable, Hashable, CaseIterable {
    /// Not a `source: dns` domain.
    case notFromDNS = "config"
    /// Not looked up yet (or never with an answer): requests get 503 with `Retry-After`.
    case pending
    /// From the last lookup, which succeeded.
    case fresh
    /// From an earlier lookup: the latest failed (timeout, server failure), so the last good answer stays.
    case stale
    /// The name does not exist or publishes no service: the same 404 as an unknown domain.
    case absent
}

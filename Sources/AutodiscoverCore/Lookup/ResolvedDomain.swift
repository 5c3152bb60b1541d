/// The answer to "which configured domain serves this name?".
public struct ResolvedDomain: Sendable {
    /// How the name matched.
    public enum Match: String, Sendable {
        case exact, alias, wildcard
    }

    /// The name the client asked about (after prefix stripping), canonical.
    public let requested: DomainName
    /// The configuration's domains, shared (one reference, not a copy of the domain's fields).
    private let domains: [MailDomain]
    /// The domain's position in ``Configuration/domains`` (stable for one configuration).
    public let index: Int
    public let match: Match

    /// The configured domain that answers for it, borrowed from the configuration: reading a field
    /// copies that field only, not the whole domain (a copy would touch every string it holds, which
    /// with 100,000 domains means a cache miss each).
    public var domain: MailDomain {
        _read { yield domains[index] }
    }

    /// - Parameter domains: the configuration's domains; `index` is a position in it.
    public init(requested: DomainName, domains: [MailDomain], index: Int, match: Match) {
        self.requested = requested
        self.domains = domains
        self.index = index
        self.match = match
    }
}

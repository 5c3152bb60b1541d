/// The answer to "which configured domain serves this name?".
public struct ResolvedDomain: Sendable {
    /// How the name matched.
    public enum Match: String, Sendable {
        case exact, alias, wildcard
    }

    /// The name the client asked about (after prefix stripping), canonical.
    public let requested: DomainName
    /// The configured domain that answers for it.
    public let domain: MailDomain
    /// The domain's position in ``Configuration/domains`` (stable for one configuration).
    public let index: Int
    public let match: Match

    public init(requested: DomainName, domain: MailDomain, index: Int, match: Match) {
        self.requested = requested
        self.domain = domain
        self.index = index
        self.match = match
    }
}

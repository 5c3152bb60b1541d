/// The lookup indexes of a configuration: exact names, aliases and wildcard suffixes, each to a domain's index.
struct DomainTable: Sendable {
    var exact: [String: Int] = [:]
    var aliases: [String: Int] = [:]
    /// Keyed by the suffix after `*.`.
    var wildcards: [String: Int] = [:]

    mutating func reserve(_ count: Int) {
        exact.reserveCapacity(count)
    }

    /// The domain an exact name or alias points to (wildcards not consulted).
    func index(for name: DomainName) -> Int? {
        exact[name.ascii] ?? aliases[name.ascii]
    }
}

extension Configuration {
    /// Host labels that name a service rather than a mail domain; stripped when the full host is not configured.
    public static let strippedHostPrefixes = ["autoconfig", "autodiscover", "ua-auto-config", "mta-sts"]

    /// The domain that serves a mail domain: exact name, then alias, then the longest wildcard.
    public func resolve(_ name: DomainName) -> ResolvedDomain? {
        if let index = table.exact[name.ascii] {
            return ResolvedDomain(requested: name, domains: domains, index: index, match: .exact)
        }
        if let index = table.aliases[name.ascii] {
            return ResolvedDomain(requested: name, domains: domains, index: index, match: .alias)
        }
        return resolveWildcard(name)
    }

    /// The domain for an address's domain part.
    public func resolve(_ address: EmailAddress) -> ResolvedDomain? {
        resolve(address.domain)
    }

    /// The domain for an HTTP `Host` (port and trailing dot ignored, case and IDNA normalised).
    ///
    /// The full host is tried first as an exact name or alias; otherwise a leading `autoconfig.`,
    /// `autodiscover.` or `mta-sts.` label is stripped and the rest resolved; a wildcard match on the
    /// full host comes last.
    public func resolve(host: String) -> ResolvedDomain? {
        guard let name = Configuration.hostName(host) else { return nil }
        if let index = table.exact[name.ascii] {
            return ResolvedDomain(requested: name, domains: domains, index: index, match: .exact)
        }
        if let index = table.aliases[name.ascii] {
            return ResolvedDomain(requested: name, domains: domains, index: index, match: .alias)
        }
        if let dot = ASCII.firstIndex(in: name.ascii, where: { $0 == UInt8(ascii: ".") }),
            Configuration.strippedHostPrefixes.contains(where: { name.ascii[..<dot] == $0 }),
            let parent = name.parent, let found = resolve(parent)
        {
            return found
        }
        return resolveWildcard(name)
    }

    private func resolveWildcard(_ name: DomainName) -> ResolvedDomain? {
        guard !table.wildcards.isEmpty else { return nil }
        let ascii = name.ascii
        var suffix = ascii[...]
        // Walk up the labels: the first suffix found is the longest match. The dots are found by their
        // bytes (a Character walk over the name cost more than the lookups).
        while let dot = ASCII.firstIndex(in: suffix, where: { $0 == UInt8(ascii: ".") }) {
            suffix = ascii[ascii.utf8.index(after: dot)...]
            if let index = table.wildcards[String(suffix)] {
                return ResolvedDomain(requested: name, domains: domains, index: index, match: .wildcard)
            }
        }
        return nil
    }

    /// The name part of a `Host` header value: no port, no brackets, normalised; nil when invalid.
    public static func hostName(_ host: String) -> DomainName? {
        var text = Substring(host)
        if text.hasPrefix("[") { return nil }  // an IP literal names no mail domain
        // ":" and digits are ASCII: searched and checked as bytes.
        if let colon = text.utf8.lastIndex(of: UInt8(ascii: ":")) {
            guard text.utf8[text.utf8.index(after: colon)...].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else { return nil }
            text = text[..<colon]
        }
        return try? DomainName(String(text))
    }
}

extension Configuration {
    /// Host labels that name a service rather than a mail domain; stripped when the full host is not configured.
    public static let strippedHostPrefixes = ["autoconfig", "autodiscover", "mta-sts"]

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
        if let dot = name.ascii.firstIndex(of: "."),
            Configuration.strippedHostPrefixes.contains(where: { name.ascii[..<dot] == $0 }),
            let parent = name.parent, let found = resolve(parent)
        {
            return found
        }
        return resolveWildcard(name)
    }

    private func resolveWildcard(_ name: DomainName) -> ResolvedDomain? {
        guard !table.wildcards.isEmpty else { return nil }
        var suffix = name.ascii[...]
        // Walk up the labels: the first suffix found is the longest match.
        while let dot = suffix.firstIndex(of: ".") {
            suffix = suffix[suffix.index(after: dot)...]
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
        if let colon = text.lastIndex(of: ":") {
            guard text[text.index(after: colon)...].allSatisfy(\.isASCIIDigit) else { return nil }
            text = text[..<colon]
        }
        return try? DomainName(String(text))
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

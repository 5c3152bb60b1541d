/// A validated configuration: one immutable value, swapped whole on reload.
///
/// A class: a request that reads it (and every answer that passes it along) takes one reference, not a
/// copy of each field's storage.
public final class Configuration: Sendable {
    public let server: ServerSettings
    public let signing: SigningSettings?
    /// Signs Apple profiles when `signing:` is given (its files loaded and checked).
    public let signer: ProfileSigner?
    /// Every configured domain, in file order.
    public let domains: [MailDomain]
    public let templates: [TemplateSpec]
    /// Every file that was read, the root first; the reload watcher watches these.
    public let files: [String]
    let table: DomainTable

    init(
        server: ServerSettings, signing: SigningSettings?, signer: ProfileSigner? = nil, domains: [MailDomain],
        templates: [TemplateSpec], files: [String], table: DomainTable
    ) {
        self.server = server
        self.signing = signing
        self.signer = signer
        self.domains = domains
        self.dnsDomainIndices = domains.indices.filter { domains[$0].source == .dns }
        self.templates = templates
        self.files = files
        self.table = table
    }

    /// The same configuration with some domains replaced (by position in ``domains``) and some exact
    /// domains added: how looked-up settings of `source: dns` domains go live (a name under a `source: dns`
    /// wildcard is added as a domain of its own once looked up). Existing names and positions stay.
    public func replacing(_ changes: [Int: MailDomain], adding added: [MailDomain] = []) -> Configuration {
        var domains = self.domains
        for (index, domain) in changes where domains.indices.contains(index) { domains[index] = domain }
        var table = self.table
        for domain in added where !domain.isWildcard && table.index(for: domain.name) == nil {
            table.exact[domain.name.ascii] = domains.count
            domains.append(domain)
        }
        return Configuration(
            server: server, signing: signing, signer: signer, domains: domains, templates: templates, files: files, table: table)
    }

    /// The position of the domain configured under exactly this name (not an alias or wildcard).
    public func exactIndex(_ name: DomainName) -> Int? { table.exact[name.ascii] }

    /// For a name that only a `source: dns` wildcard serves: that entry as a domain of the name's own
    /// (not yet looked up); nil otherwise.
    public func dnsWildcardDomain(for name: DomainName) -> MailDomain? {
        guard table.index(for: name) == nil, let found = resolve(name), found.match == .wildcard,
            found.domain.source == .dns
        else { return nil }
        var domain = found.domain
        domain.name = name
        domain.isWildcard = false
        domain.aliases = []
        domain.dnsState = .pending
        return domain
    }

    /// The positions of the domains whose settings come from DNS (wildcards among them): found once, here,
    /// since the refresher, the metrics and every rebuild walk them.
    public let dnsDomainIndices: [Int]

    /// How many names answer: domains plus aliases (wildcards count once).
    public var nameCount: Int { table.exact.count + table.aliases.count + table.wildcards.count }

    /// What a valid configuration asks for that the service does not do (yet): said by `check`, and logged
    /// as warnings by the server's `ConfigStore` when it loads or reloads it, so that no setting is silently without effect.
    public var notices: [String] {
        var notices: [String] = []
        if let signer {
            let days = signer.secondsToExpiry() / 86_400
            if days < 30 {
                notices.append(
                    "signing: the certificate \(signer.files[0]) expires in \(days) days: renew it (a renewed file is picked up without a restart)"
                )
            }
        }
        // PACC (draft-ietf-mailmaint-pacc-03) lists only implicit TLS on the registered ports.
        var leftOut: [String] = []
        var count = 0
        for domain in domains where domain.source == .config && domain.redirect == nil {
            let missing = PACCRenderer.leftOut(domain)
            guard !missing.isEmpty else { continue }
            count += 1
            if leftOut.count < 5 { leftOut.append("\(domain.pattern): \(missing.joined(separator: ", "))") }
        }
        if count > 0 {
            notices.append(
                "pacc: \(count) domain(s) offer a service their PACC document must leave out: \(leftOut.joined(separator: "; "))"
                    + (count > leftOut.count ? "; and \(count - leftOut.count) more" : ""))
        }
        return notices
    }
}

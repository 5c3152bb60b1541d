/// A validated configuration: one immutable value, swapped whole on reload.
///
/// A class: a request that reads it (and every answer that passes it along) takes one reference, not a
/// copy of each field's storage.
public final class Configuration: Sendable {
    public let server: ServerSettings
    public let signing: SigningSettings?
    /// Every configured domain, in file order.
    public let domains: [MailDomain]
    public let templates: [TemplateSpec]
    /// Every file that was read, the root first; the reload watcher watches these.
    public let files: [String]
    let table: DomainTable

    init(
        server: ServerSettings, signing: SigningSettings?, domains: [MailDomain], templates: [TemplateSpec],
        files: [String], table: DomainTable
    ) {
        self.server = server
        self.signing = signing
        self.domains = domains
        self.templates = templates
        self.files = files
        self.table = table
    }

    /// The same configuration with some domains replaced (by position in ``domains``): how looked-up
    /// settings of `source: dns` domains go live. Names, aliases and positions stay as they are.
    public func replacing(_ changes: [Int: MailDomain]) -> Configuration {
        var domains = self.domains
        for (index, domain) in changes where domains.indices.contains(index) { domains[index] = domain }
        return Configuration(server: server, signing: signing, domains: domains, templates: templates, files: files, table: table)
    }

    /// The positions of the domains whose settings come from DNS (wildcards among them).
    public var dnsDomainIndices: [Int] { domains.indices.filter { domains[$0].source == .dns } }

    /// How many names answer: domains plus aliases (wildcards count once).
    public var nameCount: Int { table.exact.count + table.aliases.count + table.wildcards.count }

    /// What a valid configuration asks for that the service does not do (yet): said by `check`, and logged
    /// as warnings by the server's `ConfigStore` when it loads or reloads it, so that no setting is silently without effect.
    public var notices: [String] {
        guard signing != nil else { return [] }
        return ["signing: Apple profiles are served unsigned: signing them is not implemented yet (the section is read and its files checked)"]
    }
}

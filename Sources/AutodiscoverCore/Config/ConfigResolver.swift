import Dispatch

/// Stage 2: turns what ``FileCollector`` read into a validated ``Configuration``.
///
/// Applies provider inheritance field by field, fills in default ports and security, and checks
/// what needs the whole picture: unknown providers, duplicate domains across files, alias
/// collisions and redirect loops. Every problem is collected before failing.
struct ConfigResolver: Sendable {
    var collected: FileCollector
    var rootFile: String
    private var issues: [ConfigIssue] = []

    init(collected: FileCollector, rootFile: String) {
        self.collected = collected
        self.rootFile = rootFile
    }

    mutating func resolve() throws(ConfigError) -> Configuration {
        issues = collected.issues
        let providers = resolveProviders()
        let items = collected.domains
        // Reading domains is independent per domain: large configs use both cores.
        let workers = items.count >= 20_000 ? 2 : 1
        let results = ParallelResults<([DomainOutcome], [ConfigIssue])>(count: workers)
        let resolver = self
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let start = items.count * worker / workers
            let end = items.count * (worker + 1) / workers
            results[worker] = resolver.readDomains(items[start..<end], providers: providers)
        }
        var domains: [MailDomain] = []
        domains.reserveCapacity(items.count)
        var table = DomainTable()
        table.reserve(items.count)
        // Names of entries that had problems: still count for duplicate checks.
        var invalid: [String: (file: String, line: Int)] = [:]
        for worker in 0..<workers {
            // Moved out of the slot, so each domain can be moved on into `domains` rather than copied.
            guard case (var outcomes, let found)? = results.take(worker) else { continue }
            issues += found
            for index in outcomes.indices {
                let key = outcomes[index].key
                let isWildcard = key.hasPrefix("*.")
                let name = isWildcard ? String(key.dropFirst(2)) : key
                let existing =
                    (isWildcard ? table.wildcards[name] : table.exact[name]).map {
                        (domains[$0].file, domains[$0].line)
                    } ?? invalid[key]
                if let first = existing {
                    issues.append(
                        ConfigIssue(
                            file: outcomes[index].file, line: outcomes[index].line,
                            keyPath: "domains." + outcomes[index].pattern,
                            message: "domain is already defined at \(first.0):\(first.1)"))
                    continue
                }
                guard let domain = outcomes[index].domain.take() else {
                    invalid[key] = (outcomes[index].file, outcomes[index].line)
                    continue
                }
                if isWildcard { table.wildcards[name] = domains.count } else { table.exact[name] = domains.count }
                domains.append(domain)
            }
        }
        addAliases(domains, to: &table)
        checkRedirects(domains, table: table)
        // The signing files: read and checked here, so a broken certificate is a configuration problem
        // (and a reload with one keeps the running configuration, with its signer).
        var signer: ProfileSigner?
        var files = collected.files
        if let signing = collected.signing {
            do {
                signer = try ProfileSigner(certificate: signing.certificate, key: signing.key, chain: signing.chain)
            } catch {
                issues.append(
                    ConfigIssue(file: signing.file, line: signing.line, keyPath: "signing.\(error.key)", message: error.message))
            }
            files += [signing.certificate, signing.key] + (signing.chain.map { [$0] } ?? [])
        }
        guard issues.isEmpty else { throw ConfigError(issues: sortedIssues()) }
        return Configuration(
            server: collected.server ?? ServerSettings(), signing: collected.signing, signer: signer, domains: domains,
            templates: collected.templates, files: files, table: table)
    }

    /// What reading one `domains:` entry gave.
    private struct DomainOutcome {
        /// The canonical name (`*.suffix` for wildcards), for duplicate checks.
        var key: String
        var pattern: String
        var file: String
        var line: Int
        /// Nil when the entry had problems (already reported).
        var domain: MailDomain?
    }

    /// Reads and merges a run of domain entries; no shared state, so runs can go in parallel.
    private func readDomains(_ items: ArraySlice<DomainItem>, providers: [String: ServiceSetEntry])
        -> ([DomainOutcome], [ConfigIssue])
    {
        var readers: [Int: NodeReader] = [:]
        var outcomes: [DomainOutcome] = []
        outcomes.reserveCapacity(items.count)
        var currentDocument = -1
        var reader = NodeReader(file: "", document: YAMLDocument())
        var file = ""
        for item in items {
            if item.document != currentDocument {
                let source = collected.documents[item.document]
                reader = readers[item.document] ?? NodeReader(file: source.file, document: source.document)
                readers[item.document] = reader
                currentDocument = item.document
                file = source.file
            }
            let configPath = ConfigPath(section: "domains", name: item.pattern)
            let isWildcard = item.pattern.hasPrefix("*.")
            let nameText = isWildcard ? String(item.pattern.dropFirst(2)) : item.pattern
            let name: DomainName
            do {
                name = try DomainName(nameText)
            } catch {
                reader.report(item.line, configPath.text, "'\(item.pattern)' is not a valid domain name: it \(error)")
                continue
            }
            // Built in place: the outcome (a whole domain) is moved into the list, not copied.
            outcomes.append(
                DomainOutcome(
                    key: isWildcard ? "*." + name.ascii : name.ascii, pattern: item.pattern, file: file,
                    line: item.line,
                    domain: readDomain(
                        item, configPath, name: name, isWildcard: isWildcard, providers: providers, reader: reader)))
        }
        let found = readers.keys.sorted().flatMap { readers[$0]!.issues }
        return (outcomes, found)
    }

    /// One domain entry read and merged over its provider; nil when it had problems (reported).
    private func readDomain(
        _ item: DomainItem, _ configPath: ConfigPath, name: DomainName, isWildcard: Bool,
        providers: [String: ServiceSetEntry], reader: NodeReader
    ) -> MailDomain? {
        guard let entry = reader.serviceSet(item.node, configPath, line: item.line, isDomain: true) else { return nil }
        var provider: ServiceSetEntry?
        if let reference = entry.provider {
            provider = providers[reference.name]
            if provider == nil {
                var message = "unknown provider '\(reference.name)'"
                if let close = Suggestion.closest(to: reference.name, in: Array(providers.keys)) {
                    message += "; did you mean '\(close)'?"
                }
                reader.report(reference.line, configPath.text + ".provider", message)
            }
        }
        return merge(entry, over: provider, name: name, isWildcard: isWildcard, reader: reader)
    }

    /// Issues in file order (files as they were read), then by line.
    private func sortedIssues() -> [ConfigIssue] {
        let order = Dictionary(collected.files.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return issues.enumerated().sorted { a, b in
            let fileA = order[a.element.file] ?? Int.max
            let fileB = order[b.element.file] ?? Int.max
            if fileA != fileB { return fileA < fileB }
            let lineA = a.element.line ?? 0
            let lineB = b.element.line ?? 0
            if lineA != lineB { return lineA < lineB }
            return a.offset < b.offset
        }.map(\.element)
    }

    private mutating func resolveProviders() -> [String: ServiceSetEntry] {
        var providers: [String: ServiceSetEntry] = [:]
        for (name, entry) in collected.providers {
            if let first = providers[name] {
                issues.append(
                    ConfigIssue(
                        file: entry.file, line: entry.line, keyPath: entry.path.text,
                        message: "provider is already defined at \(first.file):\(first.line)"))
                continue
            }
            providers[name] = entry
        }
        return providers
    }

    /// The domain's own fields over its provider's, field by field.
    private func merge(
        _ entry: ServiceSetEntry, over provider: ServiceSetEntry?, name: DomainName, isWildcard: Bool,
        reader: NodeReader
    ) -> MailDomain? {
        var domain = MailDomain(
            name: name, isWildcard: isWildcard,
            displayName: entry.displayName ?? provider?.displayName,
            displayShortName: entry.displayShortName ?? provider?.displayShortName,
            aliases: entry.aliases.map(\.name), provider: entry.provider?.name,
            autodiscover: entry.autodiscover ?? provider?.autodiscover ?? AutodiscoverEndpoint(),
            redirect: entry.redirect?.redirect, source: entry.source ?? .config,
            file: entry.file, line: entry.line)
        var ok = true
        for kind in ServiceKind.allCases where kind.isHostBased {
            let own = entry.servers[kind]
            let inherited = provider?.servers[kind]
            let base: MailServerEntry? = if case .given(let list)? = inherited { list.first } else { nil }
            let written: [MailServerEntry]
            switch own {
            case .disabled?: written = []
            case .given(let list)?: written = list
            case nil:
                if case .given(let list)? = inherited { written = list } else { written = [] }
            }
            var servers: [MailServer] = []
            for server in written {
                guard
                    let resolved = resolveServer(
                        kind, server, base: own == nil ? nil : base, hostOptional: domain.source == .dns, reader: reader)
                else {
                    ok = false
                    continue
                }
                servers.append(resolved)
            }
            switch kind {
            case .imap: domain.imap = servers
            case .pop3: domain.pop3 = servers
            case .smtp: domain.smtp = servers
            case .xmpp: domain.xmpp = servers
            default: break
            }
        }
        for kind in ServiceKind.allCases where !kind.isHostBased {
            let service: WebServiceEntry?
            switch entry.webServices[kind] {
            case .disabled?: service = nil
            case .given(let own)?:
                let base: WebServiceEntry? = if case .given(let b)? = provider?.webServices[kind] { b } else { nil }
                service = WebServiceEntry(
                    line: own.line, path: own.path, url: own.urlWritten ? own.url : (own.url ?? base?.url),
                    username: own.username ?? base?.username, urlWritten: own.urlWritten)
            case nil:
                if case .given(let b)? = provider?.webServices[kind] { service = b } else { service = nil }
            }
            guard let service else { continue }
            guard let url = service.url else {
                if !service.urlWritten { reader.report(service.line, service.path.text + ".url", "is required") }
                ok = false
                continue
            }
            let web = WebService(
                kind: kind, url: url.text, host: url.host, port: url.port, path: url.path,
                username: service.username ?? .address)
            switch kind {
            case .activesync: domain.activeSync = web
            case .caldav: domain.calDAV = web
            case .carddav: domain.cardDAV = web
            case .jmap: domain.jmap = web
            default: break
            }
        }
        domain.oauth2 = entry.oauth2 ?? provider?.oauth2
        domain.helpURL = entry.helpURL ?? provider?.helpURL
        guard ok else { return nil }
        let offersSomething =
            !domain.imap.isEmpty || !domain.pop3.isEmpty || !domain.smtp.isEmpty || !domain.xmpp.isEmpty
            || domain.activeSync != nil || domain.calDAV != nil || domain.cardDAV != nil || domain.jmap != nil
        if !offersSomething && domain.redirect == nil && domain.source == .config {
            reader.report(
                entry.line, entry.path.text,
                "offers no service: give imap, pop3, smtp, activesync, caldav, carddav, jmap or xmpp, a provider, a redirect, or source: dns"
            )
            return nil
        }
        return domain
    }

    /// One server: the entry over the provider's first server of the same kind, then defaults (a `source: dns`
    /// domain's entry may leave the host out: it only gives what applies on top of the looked-up servers).
    private func resolveServer(
        _ kind: ServiceKind, _ entry: MailServerEntry, base: MailServerEntry?, hostOptional: Bool = false,
        reader: NodeReader
    ) -> MailServer? {
        // A `source: dns` domain takes hosts and ports from DNS; its entries may give only auth and username.
        guard let host = entry.host ?? base?.host ?? (hostOptional ? "" : nil) else {
            reader.report(entry.line, entry.path.text + ".host", "is required")
            return nil
        }
        // A socket or port given here decides both; only when neither is given are the provider's taken.
        var security = entry.security
        var port = entry.port
        if security == nil && port == nil {
            security = base?.security
            port = base?.port
        }
        if security == nil, let port {
            security =
                if port == kind.defaultPort(for: .ssl) { .ssl } else if port == kind.defaultPort(for: .starttls) {
                    .starttls
                } else { kind.defaultSecurity }
        }
        let resolvedSecurity = security ?? kind.defaultSecurity
        return MailServer(
            kind: kind, host: host, port: port ?? kind.defaultPort(for: resolvedSecurity),
            security: resolvedSecurity,
            authentication: entry.authentication ?? base?.authentication ?? .passwordCleartext,
            username: entry.username ?? base?.username ?? .address)
    }

    /// Adds every alias to the table, reporting one that names a domain or another domain's alias.
    private mutating func addAliases(_ domains: [MailDomain], to table: inout DomainTable) {
        for index in domains.indices where !domains[index].aliases.isEmpty {
            for alias in domains[index].aliases {
                let domain = domains[index]
                if let other = table.exact[alias.ascii] {
                    issues.append(
                        ConfigIssue(
                            file: domain.file, line: domain.line, keyPath: "domains.\(domain.pattern).aliases",
                            message:
                                "alias \(alias) is already a configured domain (\(domains[other].file):\(domains[other].line))"))
                } else if let other = table.aliases[alias.ascii] {
                    issues.append(
                        ConfigIssue(
                            file: domain.file, line: domain.line, keyPath: "domains.\(domain.pattern).aliases",
                            message:
                                "alias \(alias) is already an alias of \(domains[other].pattern) (\(domains[other].file):\(domains[other].line))"
                        ))
                } else {
                    table.aliases[alias.ascii] = index
                }
            }
        }
    }

    /// Follows `redirect.address_domain` chains among configured domains and reports any that loop.
    private mutating func checkRedirects(_ domains: [MailDomain], table: DomainTable) {
        var reported = Set<Int>()
        for start in domains.indices {
            guard case .addressDomain? = domains[start].redirect, !reported.contains(start) else { continue }
            var chain = [start]
            var current = start
            while case .addressDomain(let target)? = domains[current].redirect,
                let next = table.index(for: target)
            {
                if let loopStart = chain.firstIndex(of: next) {
                    let loop = chain[loopStart...]
                    if !loop.contains(where: reported.contains) {
                        let names = (loop + [next]).map { domains[$0].pattern }.joined(separator: " -> ")
                        let first = domains[loop.first!]
                        issues.append(
                            ConfigIssue(
                                file: first.file, line: first.line, keyPath: "domains.\(first.pattern).redirect",
                                message: "redirect loop: \(names)"))
                    }
                    reported.formUnion(loop)
                    break
                }
                chain.append(next)
                current = next
            }
        }
    }
}

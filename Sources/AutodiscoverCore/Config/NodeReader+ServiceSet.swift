extension NodeReader {
    static let mailServerKeys = MailServerKey.allCases.map(\.rawValue)
    static let webServiceKeys = ["url", "username"]

    /// Reads a provider or domain mapping. `isDomain` allows the domain-only keys.
    func serviceSet(_ node: YAMLNode, _ path: ConfigPath, line: Int, isDomain: Bool) -> ServiceSetEntry? {
        var entry = ServiceSetEntry(file: file, line: line, path: path)
        if doc.isNull(node) { return entry }
        guard let pairs = pairs(node, path.text) else { return nil }
        var seen = SeenKeys()
        for pair in pairs {
            // One comparison pass per key: the enum decides known/unknown, the switch acts.
            guard let key = ServiceSetKey.named[pair.key], isDomain || !key.isDomainOnly else {
                let allowed = ServiceSetKey.allCases.filter { isDomain || !$0.isDomainOnly }.map(\.rawValue)
                reportUnknown(pair, allowed: allowed, path.text)
                continue
            }
            guard seen.insert(key.bit, pair.line) else {
                report(pair.line, join(path.text, pair.key), "is given twice (first on line \(seen.line(key.bit)))")
                continue
            }
            switch key {
            case .provider:
                if let name = string(pair.value, join(path.text, pair.key)) { entry.provider = (name, doc.line(pair.value)) }
            case .displayName:
                entry.displayName = string(pair.value, join(path.text, pair.key))
            case .displayShortName:
                entry.displayShortName = string(pair.value, join(path.text, pair.key))
            case .aliases:
                let list = doc.sequence(pair.value)
                for (index, item) in (list ?? [pair.value]).enumerated() {
                    let itemPath = list == nil ? join(path.text, pair.key) : "\(join(path.text, pair.key))[\(index)]"
                    if let name = domainName(item, itemPath) { entry.aliases.append((name, doc.line(item))) }
                }
            case .autodiscover:
                entry.autodiscover = autodiscover(pair.value, join(path.text, pair.key))
            case .redirect:
                if let redirect = redirect(pair.value, join(path.text, pair.key)) { entry.redirect = (redirect, pair.line) }
            case .source:
                guard let text = string(pair.value, join(path.text, pair.key)) else { break }
                if let source = SettingsSource(rawValue: text.lowercased()) {
                    entry.source = source
                } else {
                    report(doc.line(pair.value), join(path.text, pair.key), "must be 'config' or 'dns', found '\(text)'")
                }
            case .oauth2:
                entry.oauth2 = oauth2(pair.value, join(path.text, pair.key))
            case .helpURL:
                entry.helpURL = httpsURL(pair.value, join(path.text, pair.key))?.text
            case .imap, .pop3, .smtp, .xmpp, .activesync, .caldav, .carddav, .jmap:
                guard let kind = key.service else { break }
                if isDisabled(pair.value) {
                    if kind.isHostBased { entry.servers[kind] = .disabled } else { entry.webServices[kind] = .disabled }
                } else if kind.isHostBased {
                    entry.servers[kind] = .given(mailServers(pair.value, path.appending(pair.key)))
                } else if let service = webService(pair.value, path.appending(pair.key)) {
                    entry.webServices[kind] = .given(service)
                }
            }
        }
        return entry
    }

    /// `~`, `null`, `false`, `off`, `no` and an empty list switch a service off.
    private func isDisabled(_ node: YAMLNode) -> Bool {
        if doc.isNull(node) { return true }
        switch doc.kind(node) {
        case .plainScalar:
            let text = doc.scalar(node) ?? ""
            return ["false", "off", "no"].contains(text.lowercased())
        case .sequence:
            return doc.sequence(node)?.isEmpty == true
        case .quotedScalar, .mapping:
            return false
        }
    }

    private func mailServers(_ node: YAMLNode, _ path: ConfigPath) -> [MailServerEntry] {
        if let items = doc.sequence(node) {
            return items.enumerated().compactMap { index, item in mailServer(item, path.indexed(index)) }
        }
        return mailServer(node, path).map { [$0] } ?? []
    }

    private func mailServer(_ node: YAMLNode, _ path: ConfigPath) -> MailServerEntry? {
        // A bare scalar is shorthand for the host: `imap: imap.example.com`.
        if doc.isScalar(node) {
            guard let host = domainName(node, path.text) else { return nil }
            return MailServerEntry(line: doc.line(node), path: path, host: host.ascii)
        }
        guard let pairs = pairs(node, path.text) else { return nil }
        var entry = MailServerEntry(line: doc.line(node), path: path)
        var seen = SeenKeys()
        for pair in pairs {
            guard let key = MailServerKey.named[pair.key] else {
                reportUnknown(pair, allowed: NodeReader.mailServerKeys, path.text)
                continue
            }
            guard seen.insert(key.bit, pair.line) else {
                report(pair.line, join(path.text, pair.key), "is given twice (first on line \(seen.line(key.bit)))")
                continue
            }
            switch key {
            case .host: entry.host = domainName(pair.value, join(path.text, pair.key))?.ascii
            case .port: entry.port = port(pair.value, join(path.text, pair.key))
            case .socket:
                guard let text = string(pair.value, join(path.text, pair.key)) else { break }
                entry.security = ConnectionSecurity(configValue: text)
                if entry.security == nil {
                    report(doc.line(pair.value), join(path.text, pair.key), "must be SSL, STARTTLS or plain, found '\(text)'")
                }
            case .auth:
                guard let text = string(pair.value, join(path.text, pair.key)) else { break }
                entry.authentication = Authentication(configValue: text)
                if entry.authentication == nil {
                    let names = Authentication.allCases.map(\.rawValue)
                    var message = "must be one of \(names.joined(separator: ", ")), found '\(text)'"
                    if let close = Suggestion.closest(to: text, in: names) { message += "; did you mean '\(close)'?" }
                    report(doc.line(pair.value), join(path.text, pair.key), message)
                }
            case .username: entry.username = usernameTemplate(pair.value, join(path.text, pair.key))
            }
        }
        return entry
    }

    private func webService(_ node: YAMLNode, _ path: ConfigPath) -> WebServiceEntry? {
        if doc.isScalar(node) {
            guard let url = httpsURL(node, path.text) else { return nil }  // reported
            return WebServiceEntry(line: doc.line(node), path: path, url: url)
        }
        guard let pairs = pairs(node, path.text) else { return nil }
        checkKeys(pairs, allowed: NodeReader.webServiceKeys, path.text)
        var entry = WebServiceEntry(line: doc.line(node), path: path)
        for pair in pairs {
            switch pair.key {
            case "url":
                entry.urlWritten = true
                entry.url = httpsURL(pair.value, join(path.text, pair.key))
            case "username": entry.username = usernameTemplate(pair.value, join(path.text, pair.key))
            default: break
            }
        }
        return entry
    }

    private func usernameTemplate(_ node: YAMLNode, _ path: @autoclosure () -> String) -> UsernameTemplate? {
        guard let text = string(node, path()) else { return nil }
        do {
            return try UsernameTemplate(text)
        } catch {
            report(doc.line(node), path(), "'\(text)' \(error.message)")
            return nil
        }
    }

    /// An `https://host[:port][/path]` URL, split into its parts.
    func httpsURL(_ node: YAMLNode, _ path: @autoclosure () -> String) -> (text: String, host: String, port: Int, path: String)? {
        guard let text = string(node, path()) else { return nil }
        guard let parts = HTTPSURL.split(text) else {
            report(doc.line(node), path(), HTTPSURL.problem(text))
            return nil
        }
        do {
            let host = try DomainName(parts.host)
            return (text, host.ascii, parts.port, parts.path)
        } catch {
            report(doc.line(node), path(), "host '\(parts.host)' \(error)")
            return nil
        }
    }

    /// `oauth2: { issuer, client_id, scopes }`; a client secret is refused (public clients have none).
    private func oauth2(_ node: YAMLNode, _ path: @autoclosure () -> String) -> OAuth2Settings? {
        guard let pairs = pairs(node, path()) else { return nil }
        if let secret = pairs.first(where: { $0.key == "client_secret" }) {
            report(
                secret.line, join(path(), secret.key),
                "a client secret must not be published: mail clients are public OAuth2 clients (draft-ietf-mailmaint-oauth-public); remove it"
            )
        }
        checkKeys(pairs.filter { $0.key != "client_secret" }, allowed: ["issuer", "client_id", "scopes"], path())
        var issuer: String?
        var settings = OAuth2Settings(issuer: "")
        for pair in pairs {
            switch pair.key {
            case "issuer": issuer = httpsURL(pair.value, join(path(), pair.key))?.text
            case "client_id": settings.clientID = string(pair.value, join(path(), pair.key))
            case "scopes": settings.scopes = strings(pair.value, join(path(), pair.key)).map(\.0)
            default: break
            }
        }
        guard let issuer else {
            if !pairs.contains(where: { $0.key == "issuer" }) { report(doc.line(node), join(path(), "issuer"), "is required") }
            return nil
        }
        settings.issuer = issuer
        return pairs.contains(where: { $0.key == "client_secret" }) ? nil : settings
    }

    private func autodiscover(_ node: YAMLNode, _ path: @autoclosure () -> String) -> AutodiscoverEndpoint? {
        if doc.isScalar(node) {
            return domainName(node, path()).map { AutodiscoverEndpoint(host: $0.ascii) }
        }
        guard let pairs = pairs(node, path()) else { return nil }
        checkKeys(pairs, allowed: ["host", "port"], path())
        var endpoint = AutodiscoverEndpoint()
        for pair in pairs {
            switch pair.key {
            case "host": endpoint.host = domainName(pair.value, join(path(), pair.key))?.ascii
            case "port": endpoint.port = port(pair.value, join(path(), pair.key)) ?? 443
            default: break
            }
        }
        return endpoint
    }

    private func redirect(_ node: YAMLNode, _ path: @autoclosure () -> String) -> Redirect? {
        guard let pairs = pairs(node, path()) else { return nil }
        checkKeys(pairs, allowed: ["address_domain", "url"], path())
        guard pairs.count == 1, let pair = pairs.first else {
            report(doc.line(node), path(), "must give exactly one of address_domain or url")
            return nil
        }
        switch pair.key {
        case "address_domain": return domainName(pair.value, join(path(), pair.key)).map { .addressDomain($0) }
        case "url": return httpsURL(pair.value, join(path(), pair.key)).map { .url($0.text) }
        default: return nil
        }
    }
}

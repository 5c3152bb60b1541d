extension ResolvedDomain {
    /// The resolved settings as pretty JSON, with usernames filled in for `address` (or left as templates).
    public func settingsJSON(for address: EmailAddress?) -> String {
        var json = JSONWriter(pretty: true)
        json.beginObject()
        json.field("domain", requested.ascii)
        json.field("configured_as", domain.pattern)
        json.field("match", match.rawValue)
        json.field("display_name", domain.displayName)
        json.field("display_short_name", domain.displayShortName)
        if let provider = domain.provider { json.field("provider", provider) }
        json.field("source", domain.source.rawValue)
        if !domain.aliases.isEmpty {
            json.key("aliases")
            json.beginArray()
            for alias in domain.aliases { json.string(alias.ascii) }
            json.endArray()
        }
        switch domain.redirect {
        case .addressDomain(let target)?:
            json.key("redirect")
            json.beginObject()
            json.field("address_domain", target.ascii)
            json.endObject()
        case .url(let url)?:
            json.key("redirect")
            json.beginObject()
            json.field("url", url)
            json.endObject()
        case nil:
            break
        }
        for kind in ServiceKind.allCases where kind.isHostBased {
            let servers = domain.servers(kind)
            guard !servers.isEmpty else { continue }
            json.key(kind.rawValue)
            json.beginArray()
            for server in servers {
                json.beginObject()
                json.field("host", server.host)
                json.field("port", server.port)
                json.field("socket", server.security.rawValue)
                json.field("auth", server.authentication.rawValue)
                json.field("username", address.map(server.username.fill) ?? server.username.text)
                json.endObject()
            }
            json.endArray()
        }
        for kind in ServiceKind.allCases where !kind.isHostBased {
            guard let service = domain.webService(kind) else { continue }
            json.key(kind.rawValue)
            json.beginObject()
            json.field("url", service.url)
            json.field("username", address.map(service.username.fill) ?? service.username.text)
            json.endObject()
        }
        json.field("autodiscover_url", domain.autodiscover.url(for: requested))
        json.endObject()
        return json.text
    }
}

/// The IETF mailmaint "PACC" JSON document (`/.well-known/user-agent-configuration.json`,
/// draft-ietf-mailmaint-pacc-03), served on `ua-auto-config.D`.
///
/// The draft assumes implicit TLS on the standard ports, so only such servers are listed (the first
/// IMAP on 993, POP3 on 995, submission on 465 as `submit`); JMAP, CalDAV and CardDAV as URLs. The body
/// is the same on every request for a domain: its SHA-256 is published in DNS (`dns records`).
public struct PACCRenderer: Renderer {
    public let id = RendererID.pacc
    public let routes = [RouteSpec(["GET", "HEAD"], "/.well-known/user-agent-configuration.json")]
    public let fileExtension = "json"
    static let cors = [("Access-Control-Allow-Origin", "*")]

    public init() {}

    public func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading {
        RequestReading(renderer: id, address: nil)
    }

    public let escaping = Escaping.json

    public func write(_ domain: MailDomain, variant: String, into body: inout AnswerBuilder) -> AnswerHead {
        var json = JSONWriter(pretty: true)
        json.beginObject()
        json.key("protocols")
        json.beginObject()
        for (kind, port, key) in Self.standard {
            guard let server = domain.servers(kind).first(where: { $0.security == .ssl && $0.port == port }) else {
                continue
            }
            json.key(key)
            json.beginObject()
            json.field("host", server.host)
            json.endObject()
        }
        for (kind, service) in [(ServiceKind.jmap, domain.jmap), (.caldav, domain.calDAV), (.carddav, domain.cardDAV)] {
            guard let service else { continue }
            json.key(kind.rawValue)
            json.beginObject()
            json.field("url", service.url)
            json.endObject()
        }
        json.endObject()
        json.key("authentication")
        json.beginObject()
        json.field("password", Self.takesPassword(domain))
        if let oauth2 = domain.oauth2 {
            json.key("oauth-public")
            json.beginObject()
            json.field("issuer", oauth2.issuer)
            json.endObject()
        }
        json.endObject()
        json.key("info")
        json.beginObject()
        json.key("provider")
        json.beginObject()
        json.field("name", domain.displayName)
        json.field("shortName", domain.displayShortName)
        json.endObject()
        if let help = domain.helpURL {
            json.key("help")
            json.beginObject()
            json.field("documentation", help)
            json.endObject()
        }
        json.endObject()
        json.endObject()
        body.raw(json)
        body.raw("\n")
        return AnswerHead(contentType: "application/json", headers: Self.cors)
    }

    /// The draft's protocols with implicit TLS on their registered ports, and their keys.
    static let standard: [(ServiceKind, Int, String)] = [(.imap, 993, "imap"), (.pop3, 995, "pop3"), (.smtp, 465, "submit")]

    /// True when some listed service takes a password: a mail server with a password method, or a URL
    /// service (JMAP, DAV, ActiveSync: HTTP Basic unless OAuth2 is configured).
    static func takesPassword(_ domain: MailDomain) -> Bool {
        let passwordMethods: Set<Authentication> = [.passwordCleartext, .passwordEncrypted]
        for (kind, port, _) in standard {
            if let server = domain.servers(kind).first(where: { $0.security == .ssl && $0.port == port }),
                passwordMethods.contains(server.authentication)
            {
                return true
            }
        }
        return domain.oauth2 == nil && (domain.jmap != nil || domain.calDAV != nil || domain.cardDAV != nil)
    }

    /// What a domain's PACC document leaves out of its configured services (a non-standard port or
    /// STARTTLS only), as `check` notes it.
    public static func leftOut(_ domain: MailDomain) -> [String] {
        standard.compactMap { kind, port, key in
            let servers = domain.servers(kind)
            guard !servers.isEmpty, !servers.contains(where: { $0.security == .ssl && $0.port == port }) else { return nil }
            return "\(kind.rawValue) (PACC lists \(key) only with implicit TLS on \(port))"
        }
    }

    public func errorDocument(_ error: AnswerError) -> PreparedAnswer {
        let code =
            switch error {
            case .notFound: "not-found"
            case .badRequest: "bad-request"
            case .methodNotAllowed: "method-not-allowed"
            case .unavailable: "unavailable"
            }
        return PreparedAnswer(
            contentType: "application/json", headers: Self.cors, segments: [.literal(Array("{\"error\":\"\(code)\"}\n".utf8))])
    }

    public func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest {
        IncomingRequest(method: "GET", target: "/.well-known/user-agent-configuration.json", host: address.domain.ascii)
    }
}

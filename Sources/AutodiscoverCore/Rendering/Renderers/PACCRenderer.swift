/// The IETF mailmaint "PACC" JSON document (`/.well-known/user-agent-configuration.json`).
///
/// The draft assumes implicit TLS on the standard ports, so only such servers are listed (the first
/// IMAP on 993, POP3 on 995, SMTP on 465); DAV and ActiveSync-free domains list what they have.
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
        let standard: [(ServiceKind, Int)] = [(.imap, 993), (.pop3, 995), (.smtp, 465)]
        for (kind, port) in standard {
            guard let server = domain.servers(kind).first(where: { $0.security == .ssl && $0.port == port }) else {
                continue
            }
            json.key(kind.rawValue)
            json.beginObject()
            json.field("host", server.host)
            json.endObject()
        }
        for (kind, service) in [(ServiceKind.caldav, domain.calDAV), (.carddav, domain.cardDAV)] {
            guard let service else { continue }
            json.key(kind.rawValue)
            json.beginObject()
            json.field("url", service.url)
            json.endObject()
        }
        json.endObject()
        json.key("authentication")
        json.beginObject()
        json.field("password", true)
        json.endObject()
        json.key("info")
        json.beginObject()
        json.key("provider")
        json.beginObject()
        json.field("name", domain.displayName)
        json.field("shortName", domain.displayShortName)
        json.endObject()
        json.endObject()
        json.endObject()
        body.raw(json)
        body.raw("\n")
        return AnswerHead(contentType: "application/json", headers: Self.cors)
    }

    public func errorAnswer(_ error: AnswerError) -> PreparedAnswer {
        let (status, code): (Int, String)
        switch error {
        case .notFound: (status, code) = (404, "not-found")
        case .badRequest: (status, code) = (400, "bad-request")
        case .methodNotAllowed: (status, code) = (405, "method-not-allowed")
        case .unavailable: (status, code) = (503, "unavailable")
        }
        return PreparedAnswer(
            status: status, contentType: "application/json", headers: status == 503 ? Self.cors + [AnswerError.retryAfter] : Self.cors,
            segments: [.literal(Array("{\"error\":\"\(code)\"}\n".utf8))])
    }

    public func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest {
        IncomingRequest(method: "GET", target: "/.well-known/user-agent-configuration.json", host: address.domain.ascii)
    }
}

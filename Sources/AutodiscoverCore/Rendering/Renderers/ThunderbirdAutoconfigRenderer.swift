/// Thunderbird autoconfig 1.1 (`config-v1.1.xml`), read by Thunderbird, Thunderbird for Android,
/// Delta Chat, Evolution and others.
///
/// The document is the same with or without `emailaddress`: usernames stay placeholders the client
/// fills in (`%EMAILADDRESS%`), so answers are cacheable and clients that omit the address still work.
public struct ThunderbirdAutoconfigRenderer: Renderer {
    public let id = RendererID.thunderbird
    public let routes = [
        RouteSpec(["GET", "HEAD"], "/mail/config-v1.1.xml"),
        RouteSpec(["GET", "HEAD"], "/.well-known/autoconfig/mail/config-v1.1.xml"),
    ]
    public let fileExtension = "xml"
    static let contentType = "text/xml; charset=utf-8"
    static let cors = [("Access-Control-Allow-Origin", "*")]

    public init() {}

    public func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading {
        RequestReading(renderer: id, address: try request.optionalAddress("emailaddress"))
    }

    public let escaping = Escaping.xml

    public func write(_ domain: MailDomain, variant: String, into xml: inout AnswerBuilder) -> AnswerHead {
        xml.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        xml.open("clientConfig", [("version", "1.1")])
        if domain.isWildcard {
            xml.open("emailProvider", attribute: "id", value: .requestedDomain)
            xml.element("domain", value: .requestedDomain)
        } else {
            xml.open("emailProvider", [("id", domain.name.ascii)])
            domainElements(domain.name, into: &xml)
            for alias in domain.aliases { domainElements(alias, into: &xml) }
        }
        xml.element("displayName", domain.displayName)
        xml.element("displayShortName", domain.displayShortName)
        for server in domain.imap { serverElement(server, "incomingServer", into: &xml) }
        for server in domain.pop3 { serverElement(server, "incomingServer", into: &xml) }
        for server in domain.smtp {
            serverElement(server, "outgoingServer", into: &xml)
        }
        xml.close("emailProvider")
        if let service = domain.cardDAV { davElement(service, "addressBook", into: &xml) }
        if let service = domain.calDAV { davElement(service, "calendar", into: &xml) }
        xml.close("clientConfig")
        return AnswerHead(contentType: Self.contentType, headers: Self.cors)
    }

    /// `<domain>` with the ASCII name, and another with the Unicode one when they differ.
    private func domainElements(_ name: DomainName, into xml: inout AnswerBuilder) {
        xml.element("domain", name.ascii)
        let unicode = name.unicode
        if unicode != name.ascii { xml.element("domain", unicode) }
    }

    private func davElement(_ service: WebService, _ element: String, into xml: inout AnswerBuilder) {
        xml.open(element, [("type", service.kind.rawValue)])
        xml.element("username", service.username.text)
        xml.element("authentication", "http-basic")
        xml.element("serverURL", service.url)
        xml.close(element)
    }

    private func serverElement(_ server: MailServer, _ element: String, into xml: inout AnswerBuilder) {
        xml.open(element, [("type", server.kind.rawValue)])
        xml.element("hostname", server.host)
        xml.element("port", String(server.port))
        xml.element("socketType", server.security.rawValue)
        xml.element("username", server.username.text)
        xml.element("authentication", server.authentication.rawValue)
        xml.close(element)
    }

    public func errorAnswer(_ error: AnswerError) -> PreparedAnswer {
        let status: Int
        switch error {
        case .notFound: status = 404
        case .badRequest: status = 400
        case .methodNotAllowed: status = 405
        case .unavailable: status = 503
        }
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\"/>\n"
        return PreparedAnswer(
            status: status, contentType: Self.contentType,
            headers: status == 503 ? Self.cors + [AnswerError.retryAfter] : Self.cors, segments: [.literal(Array(body.utf8))])
    }

    public func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest {
        IncomingRequest(
            method: "GET", target: "/mail/config-v1.1.xml?emailaddress=\(URLQuery.encode(address.description))",
            host: "autoconfig.\(address.domain.ascii)")
    }
}

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
        let oauth = domain.oauth2 != nil
        for server in domain.imap { serverElement(server, "incomingServer", oauth: oauth, into: &xml) }
        for server in domain.pop3 { serverElement(server, "incomingServer", oauth: oauth, into: &xml) }
        for server in domain.smtp {
            serverElement(server, "outgoingServer", oauth: oauth, into: &xml)
        }
        if let help = domain.helpURL {
            xml.open("documentation", [("url", help)])
            xml.element("descr", "Setting up mail", [("lang", "en")])
            xml.close("documentation")
        }
        xml.close("emailProvider")
        // The autoconfig draft's (-06) OAuth2 element: shipping Thunderbird ignores it (it knows its
        // providers itself), other readers take issuer and scope from it.
        if let oauth2 = domain.oauth2 {
            xml.open("oAuth2")
            xml.element("issuer", oauth2.issuer)
            if !oauth2.scopes.isEmpty { xml.element("scope", oauth2.scopes.joined(separator: " ")) }
            xml.close("oAuth2")
        }
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

    /// With an OAuth2 issuer, `OAuth2` comes first and the server's own method after it: Thunderbird takes
    /// OAuth2 only for hosts it has a provider for, and otherwise moves on to the next `<authentication>`.
    private func serverElement(_ server: MailServer, _ element: String, oauth: Bool, into xml: inout AnswerBuilder) {
        xml.open(element, [("type", server.kind.rawValue)])
        xml.element("hostname", server.host)
        xml.element("port", String(server.port))
        xml.element("socketType", server.security.rawValue)
        xml.element("username", server.username.text)
        if oauth && server.authentication != .oauth2 { xml.element("authentication", Authentication.oauth2.rawValue) }
        xml.element("authentication", server.authentication.rawValue)
        xml.close(element)
    }

    /// The same empty document for every error: Thunderbird then tries its next source.
    public func errorDocument(_ error: AnswerError) -> PreparedAnswer {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\"/>\n"
        return PreparedAnswer(contentType: Self.contentType, headers: Self.cors, segments: [.literal(Array(body.utf8))])
    }

    public func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest {
        IncomingRequest(
            method: "GET", target: "/mail/config-v1.1.xml?emailaddress=\(URLQuery.encode(address.description))",
            host: "autoconfig.\(address.domain.ascii)")
    }
}

/// Outlook autodiscover, POX outlook schema 2006a (MS-OXDSCLI): IMAP, POP3 and SMTP in one `Account`.
///
/// Answers POST (Outlook, Thunderbird) and GET without a body (Delta Chat, which derives the domain
/// from the host). Both `SSL` and `Encryption` are sent so Thunderbird, Delta Chat and Outlook all
/// read the transport right (protocols.md §2.3).
public struct OutlookPOXRenderer: Renderer {
    public let id = RendererID.outlook
    public let routes = [RouteSpec(["GET", "HEAD", "POST"], "/autodiscover/autodiscover.xml")]
    public let fileExtension = "xml"
    public let followsAddressRedirects = false

    public init() {}

    public func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading {
        try POXNamespace.read(request)
    }

    public let escaping = Escaping.xml

    public func write(_ domain: MailDomain, variant: String, into xml: inout AnswerBuilder) -> AnswerHead {
        xml.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
        xml.open("Autodiscover", [("xmlns", POXNamespace.response)])
        xml.open("Response", [("xmlns", POXNamespace.outlookResponse)])
        switch domain.redirect {
        case .addressDomain(let target)?:
            xml.ifAddress { xml in
                xml.open("Account")
                xml.element("AccountType", "email")
                xml.element("Action", "redirectAddr")
                xml.element("RedirectAddr", value: .redirectAddress(target))
                xml.close("Account")
            }
            xml.ifNoAddress { xml in
                // A GET names no mailbox to redirect; send the client on to the other domain's endpoint.
                xml.open("Account")
                xml.element("AccountType", "email")
                xml.element("Action", "redirectUrl")
                xml.element("RedirectUrl", AutodiscoverEndpoint().url(for: target))
                xml.close("Account")
            }
        case .url(let url)?:
            xml.open("Account")
            xml.element("AccountType", "email")
            xml.element("Action", "redirectUrl")
            xml.element("RedirectUrl", url)
            xml.close("Account")
        case nil:
            xml.open("User")
            xml.element("DisplayName", domain.displayName)
            xml.ifAddress { $0.element("AutoDiscoverSMTPAddress", value: .address) }
            xml.close("User")
            xml.open("Account")
            xml.element("AccountType", "email")
            xml.element("Action", "settings")
            for server in domain.imap + domain.pop3 + domain.smtp {
                protocolElement(server, into: &xml)
            }
            xml.close("Account")
        }
        xml.close("Response")
        xml.close("Autodiscover")
        return AnswerHead(contentType: POXNamespace.contentType)
    }

    private func protocolElement(_ server: MailServer, into xml: inout AnswerBuilder) {
        xml.open("Protocol")
        xml.element("Type", server.kind == .imap ? "IMAP" : server.kind == .pop3 ? "POP3" : "SMTP")
        xml.element("Server", server.host)
        xml.element("Port", String(server.port))
        if server.username.isLiteral {
            xml.element("LoginName", server.username.text)
        } else {
            xml.ifAddress { $0.element("LoginName", value: .username(server.username)) }
        }
        xml.element("DomainRequired", "off")
        let spa = [.passwordEncrypted, .ntlm, .gssapi].contains(server.authentication)
        xml.element("SPA", spa ? "on" : "off")
        xml.element("SSL", server.security.isEncrypted ? "on" : "off")
        xml.element(
            "Encryption", server.security == .ssl ? "SSL" : server.security == .starttls ? "TLS" : "None")
        xml.element("AuthRequired", server.authentication == .none ? "off" : "on")
        if server.kind == .smtp {
            xml.element("UsePOPAuth", "off")
            xml.element("SMTPLast", "off")
        }
        xml.close("Protocol")
    }

    public func errorDocument(_ error: AnswerError) -> PreparedAnswer {
        POXNamespace.errorDocument(error, responseNamespace: nil)
    }

    public func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest {
        IncomingRequest(
            method: "POST", target: "/autodiscover/autodiscover.xml", host: "autodiscover.\(address.domain.ascii)",
            body: POXNamespace.requestBody(
                address: address, requestNamespace: POXNamespace.outlookRequest,
                responseNamespace: POXNamespace.outlookResponse))
    }
}

/// Apple configuration profile (`.mobileconfig`) for iOS, iPadOS and macOS: mail, Exchange ActiveSync,
/// CalDAV and CardDAV payloads as configured.
///
/// Identifiers and UUIDs are derived from the domain and the address, so installing the profile for
/// the same mailbox again replaces it instead of adding a second account.
public struct MobileconfigRenderer: Renderer {
    public let id = RendererID.mobileconfig
    public let routes = [
        RouteSpec(["GET", "HEAD"], "/mobileconfig"),
        RouteSpec(["GET", "HEAD"], "/email.mobileconfig"),
    ]
    public let isSignedProfile = true
    public let fileExtension = "mobileconfig"
    static let contentType = "application/x-apple-aspen-config"

    public init() {}

    public func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading {
        guard let address = try request.optionalAddress("emailaddress", "email") else { throw .missingAddress }
        var name = request.queryValue("name")
        if let given = name,
            given.isEmpty || given.utf8.count > 256
                || given.unicodeScalars.contains(where: {
                    $0.properties.generalCategory == .control
                })
        {
            name = nil
        }
        return RequestReading(renderer: id, address: address, accountName: name)
    }

    public let escaping = Escaping.xml

    public func write(_ domain: MailDomain, variant: String, into plist: inout AnswerBuilder) -> AnswerHead {
        plist.indentWidth = 1
        plist.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        plist.raw(
            "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n")
        plist.raw("<plist version=\"1.0\">\n")
        plist.open("dict")
        plist.element("key", "PayloadContent")
        plist.open("array")
        if let incoming = domain.imap.first ?? domain.pop3.first, let outgoing = domain.smtp.first {
            mailPayload(domain, incoming: incoming, outgoing: outgoing, into: &plist)
        }
        if let eas = domain.activeSync { activeSyncPayload(domain, eas, into: &plist) }
        if let dav = domain.calDAV { davPayload(domain, dav, prefix: "CalDAV", type: "com.apple.caldav.account", into: &plist) }
        if let dav = domain.cardDAV {
            davPayload(domain, dav, prefix: "CardDAV", type: "com.apple.carddav.account", into: &plist)
        }
        plist.close("array")
        plist.element("key", "PayloadDescription")
        plist.element("string", "Mail settings for \(domain.displayName)")
        plist.element("key", "PayloadDisplayName")
        plist.element("string", domain.displayName)
        identifier("", into: &plist)
        plist.element("key", "PayloadOrganization")
        plist.element("string", domain.displayName)
        plist.element("key", "PayloadRemovalDisallowed")
        plist.empty("false")
        plist.element("key", "PayloadType")
        plist.element("string", "Configuration")
        uuid("profile", into: &plist)
        plist.element("key", "PayloadVersion")
        plist.element("integer", "1")
        plist.close("dict")
        plist.raw("</plist>\n")
        return AnswerHead(
            contentType: Self.contentType,
            headers: [
                (
                    "Content-Disposition",
                    "attachment; filename=\"\(domain.isWildcard ? "profile" : domain.name.ascii).mobileconfig\""
                )
            ])
    }

    private func mailPayload(_ domain: MailDomain, incoming: MailServer, outgoing: MailServer, into plist: inout AnswerBuilder) {
        plist.open("dict")
        string("EmailAccountDescription", domain.displayName, &plist)
        plist.element("key", "EmailAccountName")
        plist.element("string", value: .accountName)
        string("EmailAccountType", incoming.kind == .imap ? "EmailTypeIMAP" : "EmailTypePOP", &plist)
        plist.element("key", "EmailAddress")
        plist.element("string", value: .address)
        server("Incoming", incoming, &plist)
        server("Outgoing", outgoing, &plist)
        plist.element("key", "OutgoingPasswordSameAsIncomingPassword")
        plist.empty("true")
        payloadHeader(type: "com.apple.mail.managed", suffix: "mail", name: "Mail (\(domain.displayName))", &plist)
        plist.close("dict")
    }

    private func server(_ prefix: String, _ server: MailServer, _ plist: inout AnswerBuilder) {
        string("\(prefix)MailServerAuthentication", appleAuthentication(server.authentication), &plist)
        string("\(prefix)MailServerHostName", server.host, &plist)
        integer("\(prefix)MailServerPortNumber", server.port, &plist)
        plist.element("key", "\(prefix)MailServerUseSSL")
        plist.empty(server.security.isEncrypted ? "true" : "false")
        plist.element("key", "\(prefix)MailServerUsername")
        plist.element("string", value: .username(server.username))
    }

    private func appleAuthentication(_ authentication: Authentication) -> String {
        switch authentication {
        case .passwordEncrypted: return "EmailAuthCRAMMD5"
        case .ntlm: return "EmailAuthNTLM"
        case .none, .clientIPAddress, .tlsClientCert: return "EmailAuthNone"
        case .passwordCleartext, .oauth2, .gssapi, .smtpAfterPOP: return "EmailAuthPassword"
        }
    }

    private func activeSyncPayload(_ domain: MailDomain, _ eas: WebService, into plist: inout AnswerBuilder) {
        plist.open("dict")
        plist.element("key", "AccountName")
        plist.element("string", value: .accountName)
        plist.element("key", "EmailAddress")
        plist.element("string", value: .address)
        string("Host", eas.port == 443 ? eas.host : "\(eas.host):\(eas.port)", &plist)
        integer("MailNumberOfPastDaysToSync", 30, &plist)
        plist.element("key", "SSL")
        plist.empty("true")
        plist.element("key", "UserName")
        plist.element("string", value: .username(eas.username))
        payloadHeader(type: "com.apple.eas.account", suffix: "eas", name: "Exchange ActiveSync (\(domain.displayName))", &plist)
        plist.close("dict")
    }

    private func davPayload(
        _ domain: MailDomain, _ dav: WebService, prefix: String, type: String, into plist: inout AnswerBuilder
    ) {
        plist.open("dict")
        string("\(prefix)AccountDescription", "\(domain.displayName) (\(prefix))", &plist)
        string("\(prefix)HostName", dav.host, &plist)
        integer("\(prefix)Port", dav.port, &plist)
        string("\(prefix)PrincipalURL", dav.url, &plist)
        plist.element("key", "\(prefix)UseSSL")
        plist.empty("true")
        plist.element("key", "\(prefix)Username")
        plist.element("string", value: .username(dav.username))
        payloadHeader(type: type, suffix: prefix.lowercased(), name: "\(prefix) (\(domain.displayName))", &plist)
        plist.close("dict")
    }

    private func payloadHeader(type: String, suffix: String, name: String, _ plist: inout AnswerBuilder) {
        string("PayloadDisplayName", name, &plist)
        identifier(".\(suffix)", into: &plist)
        string("PayloadType", type, &plist)
        uuid(suffix, into: &plist)
        integer("PayloadVersion", 1, &plist)
    }

    /// `autodiscover.<requested domain>.<address digest><suffix>`: stable per mailbox, unique per payload.
    private func identifier(_ suffix: String, into plist: inout AnswerBuilder) {
        plist.element("key", "PayloadIdentifier")
        plist.element("string", value: .payloadIdentifier(suffix: suffix))
    }

    private func uuid(_ salt: String, into plist: inout AnswerBuilder) {
        plist.element("key", "PayloadUUID")
        plist.element("string", value: .stableUUID(salt: salt))
    }

    private func string(_ key: String, _ value: String, _ plist: inout AnswerBuilder) {
        plist.element("key", key)
        plist.element("string", value)
    }

    private func integer(_ key: String, _ value: Int, _ plist: inout AnswerBuilder) {
        plist.element("key", key)
        plist.element("integer", String(value))
    }

    public func errorDocument(_ error: AnswerError) -> PreparedAnswer {
        let text =
            switch error {
            case .notFound: "No mail settings are configured for this domain."
            case .badRequest(let reason): "Cannot make a profile: \(reason)."
            case .methodNotAllowed: "Use GET."
            case .unavailable: "The mail settings for this domain are being looked up; try again in a few seconds."
            }
        return PreparedAnswer(contentType: "text/plain; charset=utf-8", segments: [.literal(Array((text + "\n").utf8))])
    }

    public func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest {
        IncomingRequest(
            method: "GET", target: "/mobileconfig?emailaddress=\(URLQuery.encode(address.description))",
            host: address.domain.ascii)
    }
}

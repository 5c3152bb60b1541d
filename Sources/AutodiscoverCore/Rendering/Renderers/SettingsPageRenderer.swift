/// A page for people: the servers, ports and login names to type in by hand, and a link to the
/// Apple profile. Served at `/` and `/settings` on every served host; `?emailaddress=` fills in the
/// login names.
public struct SettingsPageRenderer: Renderer {
    public let id: RendererID = "settings"
    public let routes = [RouteSpec(["GET", "HEAD"], "/"), RouteSpec(["GET", "HEAD"], "/settings")]
    public let fileExtension = "html"
    static let contentType = "text/html; charset=utf-8"

    public init() {}

    public func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading {
        RequestReading(renderer: id, address: try request.optionalAddress("emailaddress", "email"))
    }

    public let escaping = Escaping.html

    public func write(_ domain: MailDomain, variant: String, into html: inout AnswerBuilder) -> AnswerHead {
        html.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        html.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
        html.text("Mail settings: \(domain.displayName)")
        // No external assets; long host names and URLs wrap, and below 32rem each row stacks its label over
        // its value, so nothing scrolls sideways on a phone (checked in a real browser at 390 px).
        html.raw(
            "</title>\n<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}")
        html.raw(
            "table{border-collapse:collapse;width:100%;table-layout:fixed;margin-bottom:1.5rem}th,td{text-align:left;vertical-align:top;padding:.35rem .6rem;border-bottom:1px solid #ddd}"
        )
        html.raw(
            "th{width:11rem;color:#555;font-weight:600}td{overflow-wrap:anywhere}code{font-size:1rem;overflow-wrap:anywhere}"
        )
        html.raw(
            "form{margin:1rem 0 1.5rem}input{font-size:1rem;max-width:100%;box-sizing:border-box}"
                + "@media (max-width:32rem){body{margin:1rem auto}th,td{display:block;width:auto;border:0;padding:.1rem 0}"
                + "tr{display:block;padding:.4rem 0;border-bottom:1px solid #ddd}}</style>\n</head>\n<body>\n<h1>")
        html.text(domain.displayName)
        html.raw("</h1>\n<p>Settings for ")
        html.ifAddress {
            $0.raw("<strong>")
            $0.value(.address)
            $0.raw("</strong>")
        }
        html.ifNoAddress {
            $0.raw("addresses at <strong>")
            $0.value(.requestedDomainUnicode)
            $0.raw("</strong>")
        }
        html.raw(". Most mail apps find these by themselves from your address and password.</p>\n")
        html.raw(
            "<form method=\"get\" action=\"/settings\"><label>Your address <input type=\"email\" name=\"emailaddress\" required></label> <button>Show my settings</button></form>\n"
        )
        let names: [ServiceKind: String] = [
            .imap: "Incoming mail (IMAP)", .pop3: "Incoming mail (POP3)", .smtp: "Outgoing mail (SMTP)", .xmpp: "Chat (XMPP)",
        ]
        for servers in [domain.imap, domain.pop3, domain.smtp, domain.xmpp] {
            for (index, server) in servers.enumerated() {
                serverTable(server, title: names[server.kind] ?? server.kind.rawValue, alternative: index > 0, &html)
            }
        }
        writeWebServices(domain, &html)
        html.ifAddress { html in
            html.raw("<p><a href=\"/mobileconfig?emailaddress=")
            html.value(.address)
            html.raw("\">Download the profile for iPhone, iPad and Mac</a> ")
            html.value(.profileSigning)
            html.raw("</p>\n")
        }
        html.ifNoAddress { html in
            html.raw("<p>For iPhone, iPad and Mac: enter your address above for a profile that sets all of this up.</p>\n")
        }
        html.raw("</body>\n</html>\n")
        return AnswerHead(contentType: Self.contentType)
    }

    /// One server's table; a second server of a kind is headed as the alternative it is.
    private func serverTable(_ server: MailServer, title: String, alternative: Bool, _ html: inout AnswerBuilder) {
        html.raw("<h2>")
        html.text(alternative ? "\(title), alternative" : title)
        html.raw("</h2>\n<table>\n")
        row("Server", server.host, &html)
        row("Port", String(server.port), &html)
        row("Security", server.security == .ssl ? "SSL/TLS" : server.security == .starttls ? "STARTTLS" : "None", &html)
        html.raw("<tr><th>User name</th><td>")
        html.ifAddress { $0.raw("<code>") }
        html.value(.usernameForPeople(server.username))
        html.ifAddress { $0.raw("</code>") }
        html.raw("</td></tr>\n")
        row("Authentication", server.authentication == .passwordEncrypted ? "Encrypted password" : "Normal password", &html)
        html.raw("</table>\n")
    }

    private func writeWebServices(_ domain: MailDomain, _ html: inout AnswerBuilder) {
        for (title, service) in [
            ("Exchange ActiveSync", domain.activeSync), ("Calendar (CalDAV)", domain.calDAV),
            ("Contacts (CardDAV)", domain.cardDAV), ("JMAP", domain.jmap),
        ] {
            guard let service else { continue }
            html.raw("<h2>")
            html.text(title)
            html.raw("</h2>\n<table>\n")
            row("URL", service.url, &html)
            html.raw("<tr><th>User name</th><td>")
            html.ifAddress { $0.raw("<code>") }
            html.value(.usernameForPeople(service.username))
            html.ifAddress { $0.raw("</code>") }
            html.raw("</td></tr>\n</table>\n")
        }
    }

    private func row(_ title: String, _ value: String, _ html: inout AnswerBuilder) {
        html.raw("<tr><th>")
        html.text(title)
        html.raw("</th><td><code>")
        html.text(value)
        html.raw("</code></td></tr>\n")
    }

    public func errorDocument(_ error: AnswerError) -> PreparedAnswer {
        let text =
            switch error {
            case .notFound: "No mail settings are configured for this domain."
            case .badRequest: "That does not look like an email address."
            case .methodNotAllowed: "Use GET."
            case .unavailable: "The mail settings for this domain are being looked up; try again in a few seconds."
            }
        var html = AnswerBuilder(escaping: .html)
        html.raw(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>Mail settings</title><style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}"
                + "input{font-size:1rem;max-width:100%;box-sizing:border-box}</style></head>\n<body>\n<p>")
        html.text(text)
        html.raw("</p>\n")
        // Not a dead end: on a host that is no mail domain (the service's own address, a fresh start), or
        // for an address it cannot read, a form leads to the settings of the domain of the address typed.
        if error == .notFound || error.status == 400 {
            html.raw(
                "<form action=\"/settings\" method=\"get\">\n<label>Your email address <input type=\"email\" name=\"emailaddress\" "
                    + "required autocomplete=\"email\" placeholder=\"you@example.com\"></label>\n<button type=\"submit\">Show the settings</button>\n</form>\n"
            )
        }
        html.raw("</body>\n</html>\n")
        return PreparedAnswer(contentType: Self.contentType, segments: html.finish())
    }

    public func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest {
        IncomingRequest(
            method: "GET", target: "/settings?emailaddress=\(URLQuery.encode(address.description))",
            host: address.domain.ascii)
    }
}

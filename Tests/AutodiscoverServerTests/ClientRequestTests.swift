import AutodiscoverCore
import AutodiscoverServer
import Foundation
import Testing

/// Requests as real clients of 2026 send them (protocols.md §9), over the wire, each answered like its plain form.
struct ClientRequest: Sendable, CustomTestStringConvertible {
    var name: String
    var arguments: [String]
    var path: String
    var status: Int
    /// Strings the body must hold.
    var contains: [String]
    var header: (String, String)? = nil
    var testDescription: String { name }
}

@Suite("Requests of real clients", .serialized)
struct ClientRequestTests {
    static let mobilesyncPOX = """
        <?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">\
        <Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>\
        http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema></Request></Autodiscover>
        """

    static let cases: [ClientRequest] = [
        ClientRequest(
            name: "Evolution: a placeholder local part and emailmd5",
            arguments: ["-H", "Host: autoconfig.example.com", "-A", "Evolution/3.50.2"],
            path: "/mail/config-v1.1.xml?emailaddress=EVOLUTIONUSER%40example.com&emailmd5=5f4dcc3b5aa765d61d8327deb882cf99",
            status: 200, contains: ["<hostname>imap4.example.com</hostname>", "<username>%EMAILADDRESS%</username>"]),
        ClientRequest(
            name: "Thunderbird for Android (K-9): no address at all",
            arguments: ["-H", "Host: autoconfig.example.com", "-A", "Thunderbird for Android/10.0"],
            path: "/mail/config-v1.1.xml", status: 200, contains: ["<hostname>imap4.example.com</hostname>"]),
        ClientRequest(
            name: "KMail and GNOME Online Accounts: the bare domain's well-known path",
            arguments: ["-H", "Host: example.com", "-A", "KMail/6.2"],
            path: "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=alice%40example.com", status: 200,
            contains: ["<hostname>msa.example.com</hostname>"]),
        ClientRequest(
            name: "GNOME Online Accounts: autoconfig.D with the address",
            arguments: ["-H", "Host: autoconfig.example.com", "-A", "gnome-online-accounts/3.50"],
            path: "/mail/config-v1.1.xml?emailaddress=alice%40example.com", status: 200,
            contains: ["<hostname>imap4.example.com</hostname>"]),
        ClientRequest(
            name: "Outlook mobile (cloud AutoDetect): v2 with RedirectCount",
            arguments: ["-A", "OutlookMobileCloudService-Autodetect/1.0.0"],
            path: "/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=AutodiscoverV1&RedirectCount=1",
            status: 200,
            contains: ["\"Url\":\"https://adsc.example.com/autodiscover/autodiscover.xml\""]),
        ClientRequest(
            name: "Outlook: v2 path form, protocol in another case",
            arguments: [], path: "/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=Autodiscoverv1", status: 200,
            contains: ["\"Protocol\":\"AutodiscoverV1\""]),
        ClientRequest(
            name: "v2 Protocol=Ews: Exchange's own error shape",
            arguments: [], path: "/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=Ews", status: 400,
            contains: ["\"ErrorCode\":\"InvalidProtocol\""]),
        ClientRequest(
            name: "v2 Protocol=Rest", arguments: [],
            path: "/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=Rest",
            status: 400, contains: ["\"ErrorCode\":\"InvalidProtocol\""]),
        ClientRequest(
            name: "v2 Protocol=Graph", arguments: [],
            path: "/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=Graph",
            status: 400, contains: ["\"ErrorCode\":\"InvalidProtocol\""]),
        ClientRequest(
            name: "New Outlook for Windows: POX with the mobilesync response schema",
            arguments: [
                "-X", "POST", "-H", "Content-Type: text/xml", "-A",
                "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
                "--data-binary", mobilesyncPOX,
            ],
            path: "/autodiscover/autodiscover.xml", status: 200,
            contains: ["<Url>https://eas.example.com/Microsoft-Server-ActiveSync</Url>"]),
        ClientRequest(
            name: "PACC on ua-auto-config.D, submission as `submit`",
            arguments: ["-H", "Host: ua-auto-config.example.com"], path: "/.well-known/user-agent-configuration.json",
            status: 200,
            contains: ["\"submit\"", "\"host\": \"msa.example.com\""]),
        ClientRequest(
            name: "RFC 6764: /.well-known/caldav redirects to the CalDAV URL",
            arguments: ["-H", "Host: example.com"], path: "/.well-known/caldav", status: 301, contains: [],
            header: ("location", "https://dav.example.com/")),
        ClientRequest(
            name: "RFC 6764: /.well-known/carddav, any case",
            arguments: ["-H", "Host: example.com"], path: "/.Well-Known/CardDAV", status: 301, contains: [],
            header: ("location", "https://dav.example.com/")),
        ClientRequest(
            name: "RFC 6764: an unknown domain", arguments: ["-H", "Host: unknown.invalid"], path: "/.well-known/caldav",
            status: 404,
            contains: []),
        ClientRequest(
            name: "The settings page on a host that is no mail domain: a form",
            arguments: ["-H", "Host: 127.0.0.1:8080"], path: "/", status: 404,
            contains: ["<form action=\"/settings\" method=\"get\">", "name=\"emailaddress\""]),
    ]

    @Test("Each answered like its plain form", arguments: cases)
    func answered(_ request: ClientRequest) async throws {
        try await ServerHarness.withServer { server in
            let result = await ServerHarness.curl(request.arguments + ["http://127.0.0.1:\(server.port)" + request.path])
            #expect(result.status == request.status, "\(request.name): \(result.body.prefix(300))")
            for text in request.contains {
                #expect(result.body.contains(text), "\(request.name): \(text) not in \(result.body.prefix(500))")
            }
            if let (name, value) = request.header {
                #expect(result.headers[name] == value, "\(request.name): \(result.headers)")
            }
        }
    }

    static let oauthYAML = """
        domains:
          jmap.example:
            imap: { host: imap.jmap.example }
            smtp: { host: smtp.jmap.example, port: 465 }
            jmap: { url: "https://api.jmap.example/.well-known/jmap" }
            caldav: "https://dav.jmap.example/cal/"
            oauth2: { issuer: "https://login.jmap.example", scopes: ["urn:ietf:params:oauth:scope:mail"] }
            help_url: "https://help.jmap.example/"
        """

    @Test("JMAP, an OAuth2 issuer and help_url over the wire: PACC-03 and autoconfig as clients read them")
    func jmapAndOAuth2() async throws {
        try await ServerHarness.withServer(Self.oauthYAML) { server in
            let base = "http://127.0.0.1:\(server.port)"
            let pacc = await ServerHarness.curl([
                "-H", "Host: ua-auto-config.jmap.example", base + "/.well-known/user-agent-configuration.json",
            ])
            #expect(pacc.status == 200)
            let document = try JSONSerialization.jsonObject(with: Data(pacc.body.utf8)) as? [String: Any]
            let protocols = document?["protocols"] as? [String: Any]
            #expect((protocols?["jmap"] as? [String: Any])?["url"] as? String == "https://api.jmap.example/.well-known/jmap")
            #expect((protocols?["submit"] as? [String: Any])?["host"] as? String == "smtp.jmap.example")
            #expect(protocols?["smtp"] == nil)
            let authentication = document?["authentication"] as? [String: Any]
            #expect((authentication?["oauth-public"] as? [String: Any])?["issuer"] as? String == "https://login.jmap.example")
            #expect(authentication?["password"] as? Bool == true)
            #expect(
                ((document?["info"] as? [String: Any])?["help"] as? [String: Any])?["documentation"] as? String
                    == "https://help.jmap.example/")
            // The same bytes on every request (their digest is published in DNS).
            let again = await ServerHarness.curl([
                "-H", "Host: ua-auto-config.jmap.example", base + "/.well-known/user-agent-configuration.json",
            ])
            #expect(again.body == pacc.body)

            let autoconfig = await ServerHarness.curl(["-H", "Host: autoconfig.jmap.example", base + "/mail/config-v1.1.xml"])
            #expect(autoconfig.status == 200)
            let incoming = autoconfig.body.components(separatedBy: "<incomingServer")[1].components(
                separatedBy: "</incomingServer>")[0]
            #expect(incoming.components(separatedBy: "<authentication>").count == 3)
            #expect(
                incoming.contains(
                    "<authentication>OAuth2</authentication>\n      <authentication>password-cleartext</authentication>"))
            #expect(autoconfig.body.contains("<oAuth2>\n    <issuer>https://login.jmap.example</issuer>"))
            let dav = await ServerHarness.curl(["-H", "Host: jmap.example", base + "/.well-known/caldav"])
            #expect(dav.status == 301 && dav.headers["location"] == "https://dav.jmap.example/cal/")
            let none = await ServerHarness.curl(["-H", "Host: jmap.example", base + "/.well-known/carddav"])
            #expect(none.status == 404)
        }
    }
}

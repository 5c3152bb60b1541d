import AutodiscoverCore
import Foundation
import Testing

/// Every rendered answer parsed back with a real parser and compared with the configuration.
@Suite("Rendered answers parse back to the configuration")
struct ParseBackTests {
    static func domain(_ fixture: GoldenFixture) throws -> ResolvedDomain {
        let address = try EmailAddress(fixture.address)
        var resolved = try #require(GoldenFixture.config.resolve(address))
        // Formats that follow address redirects answer with the target domain.
        if case .addressDomain(let target)? = resolved.domain.redirect {
            resolved = try #require(GoldenFixture.config.resolve(target))
        }
        return resolved
    }

    @Test("Outlook POX: one Account, a Protocol per server in order, login names filled", arguments: GoldenFixture.all)
    func outlook(_ fixture: GoldenFixture) throws {
        let response = try fixture.response(OutlookPOXRenderer())
        let root = try #require(XMLTree.parse(response.body))
        #expect(root.name == "Autodiscover")
        #expect(root.attributes["xmlns"] == "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006")
        let account = try #require(root.first("Response")?.first("Account"))
        let address = try EmailAddress(fixture.address)
        let configured = try #require(GoldenFixture.config.resolve(address)).domain
        switch configured.redirect {
        case .addressDomain(let target)?:
            #expect(account.value("Action") == "redirectAddr")
            #expect(account.value("RedirectAddr") == "\(address.localPart)@\(target.ascii)")
        case .url(let url)?:
            #expect(account.value("Action") == "redirectUrl")
            #expect(account.value("RedirectUrl") == url)
        case nil:
            #expect(account.value("Action") == "settings")
            #expect(root.first("Response")?.first("User")?.value("AutoDiscoverSMTPAddress") == address.description)
            let servers = configured.imap + configured.pop3 + configured.smtp
            let protocols = account.all("Protocol")
            #expect(protocols.count == servers.count)
            for (element, server) in zip(protocols, servers) {
                #expect(element.value("Type") == ["imap": "IMAP", "pop3": "POP3", "smtp": "SMTP"][server.kind.rawValue])
                #expect(element.value("Server") == server.host)
                #expect(element.value("Port") == String(server.port))
                #expect(element.value("LoginName") == server.username.fill(address))
                #expect(element.value("SSL") == (server.security == .plain ? "off" : "on"))
                #expect(
                    element.value("Encryption") == ["SSL": "SSL", "STARTTLS": "TLS", "plain": "None"][server.security.rawValue])
                #expect(element.value("SPA") == (server.authentication == .passwordEncrypted ? "on" : "off"))
            }
        }
    }

    @Test("ActiveSync POX: the EAS URL, or error 601", arguments: GoldenFixture.all)
    func mobileSync(_ fixture: GoldenFixture) throws {
        let response = try fixture.response(MobileSyncRenderer())
        let root = try #require(XMLTree.parse(response.body))
        let body = try #require(root.first("Response"))
        let address = try EmailAddress(fixture.address)
        let configured = try #require(GoldenFixture.config.resolve(address)).domain
        if case .addressDomain(let target)? = configured.redirect {
            #expect(body.first("Action")?.value("Redirect") == "\(address.localPart)@\(target.ascii)")
        } else if let eas = configured.activeSync {
            #expect(body.first("User")?.value("EMailAddress") == address.description)
            let server = try #require(body.first("Action")?.first("Settings")?.first("Server"))
            #expect(server.value("Type") == "MobileSync")
            #expect(server.value("Url") == eas.url)
            #expect(server.value("Name") == eas.url)
        } else {
            #expect(body.first("Error")?.value("ErrorCode") == "601")
        }
    }

    @Test("Autodiscover v2 JSON: protocol and URL", arguments: GoldenFixture.all)
    func autodiscoverV2(_ fixture: GoldenFixture) throws {
        let response = try fixture.response(AutodiscoverV2JSONRenderer())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String])
        let resolved = try #require(GoldenFixture.config.resolve(try EmailAddress(fixture.address)))
        #expect(object["Protocol"] == "AutodiscoverV1")
        if case .url(let url)? = resolved.domain.redirect {
            #expect(object["Url"] == url)
        } else {
            #expect(object["Url"] == resolved.domain.autodiscover.url(for: resolved.requested))
        }
    }

    @Test("Thunderbird autoconfig: domains, servers in order, placeholders kept", arguments: GoldenFixture.all)
    func thunderbird(_ fixture: GoldenFixture) throws {
        let response = try fixture.response(ThunderbirdAutoconfigRenderer())
        if fixture.name == "redirect-url" {
            #expect(response.status == 404)
            return
        }
        let root = try #require(XMLTree.parse(response.body))
        #expect(root.name == "clientConfig")
        #expect(root.attributes["version"] == "1.1")
        let provider = try #require(root.first("emailProvider"))
        let resolved = try Self.domain(fixture)
        let domains = provider.all("domain").map { $0.text }
        #expect(domains.contains(resolved.requested.ascii) || domains.contains(resolved.domain.name.ascii))
        #expect(provider.value("displayName") == resolved.domain.displayName)
        let incoming = provider.all("incomingServer")
        let outgoing = provider.all("outgoingServer")
        #expect(incoming.count == resolved.domain.incoming.count)
        #expect(outgoing.count == resolved.domain.smtp.count)
        for (element, server) in zip(incoming + outgoing, resolved.domain.incoming + resolved.domain.smtp) {
            #expect(element.attributes["type"] == server.kind.rawValue)
            #expect(element.value("hostname") == server.host)
            #expect(element.value("port") == String(server.port))
            #expect(element.value("socketType") == server.security.rawValue)
            #expect(element.value("username") == server.username.text)
            // With an OAuth2 issuer, OAuth2 first and the server's own method after it as the fallback.
            let methods = element.all("authentication").map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
            let expected =
                resolved.domain.oauth2 != nil && server.authentication != .oauth2
                ? ["OAuth2", server.authentication.rawValue] : [server.authentication.rawValue]
            #expect(methods == expected)
        }
        if let oauth2 = resolved.domain.oauth2 {
            #expect(root.first("oAuth2")?.value("issuer") == oauth2.issuer)
            #expect(root.first("oAuth2")?.value("scope") == oauth2.scopes.joined(separator: " "))
        }
        #expect(root.first("calendar")?.value("serverURL") == resolved.domain.calDAV?.url)
        #expect(root.first("addressBook")?.value("serverURL") == resolved.domain.cardDAV?.url)
    }

    @Test("Thunderbird autoconfig is the same with and without an address")
    func thunderbirdWithoutAddress() throws {
        let renderer = ThunderbirdAutoconfigRenderer()
        let engine = AnswerEngine()
        let with = engine.answer(
            IncomingRequest(method: "GET", target: "/mail/config-v1.1.xml?emailaddress=a%40full.example", host: "x"),
            renderer: renderer, config: GoldenFixture.config)
        let without = engine.answer(
            IncomingRequest(method: "GET", target: "/mail/config-v1.1.xml", host: "autoconfig.full.example"),
            renderer: renderer, config: GoldenFixture.config)
        #expect(with.status == 200)
        #expect(with.body == without.body)
    }

    @Test(
        "The settings page without an address says what to type in words, never a placeholder",
        arguments: [
            ("%EMAILADDRESS%", "your full email address"),
            ("%EMAILLOCALPART%", "the part of your email address before the @"),
            ("mail-%EMAILLOCALPART%", "\u{201C}mail-\u{201D} then the part of your email address before the @"),
        ])
    func settingsWithoutAddress(_ template: String, _ words: String) throws {
        #expect(try UsernameTemplate(template).forPeople == words)
        let engine = AnswerEngine()
        let page = engine.answer(
            IncomingRequest(method: "GET", target: "/settings", host: "two-smtp.example"), renderer: SettingsPageRenderer(),
            config: GoldenFixture.config)
        let text = String(decoding: page.body, as: UTF8.self)
        #expect(page.status == 200)
        #expect(!text.contains("%EMAIL"))
        #expect(text.contains("your full email address"))
        #expect(text.contains("Outgoing mail (SMTP), alternative"))
        #expect(text.contains("enter your address above for a profile"))
    }

    @Test("PACC JSON: implicit-TLS hosts and DAV URLs", arguments: GoldenFixture.all)
    func pacc(_ fixture: GoldenFixture) throws {
        let response = try fixture.response(PACCRenderer())
        guard fixture.name != "redirect-url" else {
            #expect(response.status == 404)
            return
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let protocols = try #require(object["protocols"] as? [String: [String: String]])
        let resolved = try Self.domain(fixture)
        let imap = resolved.domain.imap.first { $0.security == .ssl && $0.port == 993 }
        #expect(protocols["imap"]?["host"] == imap?.host)
        #expect(protocols["caldav"]?["url"] == resolved.domain.calDAV?.url)
        let info = try #require((object["info"] as? [String: Any])?["provider"] as? [String: String])
        #expect(info["name"] == resolved.domain.displayName)
    }

    @Test("Apple profile: payloads, integers, stable identifiers", arguments: GoldenFixture.all)
    func mobileconfig(_ fixture: GoldenFixture) throws {
        let response = try fixture.response(MobileconfigRenderer())
        guard fixture.name != "redirect-url" else {
            #expect(response.status == 404)
            return
        }
        #expect(response.contentType == "application/x-apple-aspen-config")
        let plist = try #require(
            try PropertyListSerialization.propertyList(from: Data(response.body), format: nil) as? [String: Any])
        #expect(plist["PayloadType"] as? String == "Configuration")
        #expect(plist["PayloadVersion"] as? Int == 1)
        let payloads = try #require(plist["PayloadContent"] as? [[String: Any]])
        let resolved = try Self.domain(fixture)
        let address = try EmailAddress(fixture.address)
        let types = payloads.compactMap { $0["PayloadType"] as? String }
        #expect(types.contains("com.apple.mail.managed") == !resolved.domain.incoming.isEmpty)
        #expect(types.contains("com.apple.eas.account") == (resolved.domain.activeSync != nil))
        #expect(types.contains("com.apple.caldav.account") == (resolved.domain.calDAV != nil))
        if let mail = payloads.first(where: { $0["PayloadType"] as? String == "com.apple.mail.managed" }),
            let incoming = resolved.domain.incoming.first, let outgoing = resolved.domain.smtp.first
        {
            #expect(mail["EmailAddress"] as? String == address.description)
            #expect(mail["IncomingMailServerHostName"] as? String == incoming.host)
            #expect(mail["IncomingMailServerPortNumber"] as? Int == incoming.port)
            #expect(mail["IncomingMailServerUsername"] as? String == incoming.username.fill(address))
            #expect(mail["IncomingMailServerUseSSL"] as? Bool == incoming.security.isEncrypted)
            #expect(mail["OutgoingMailServerHostName"] as? String == outgoing.host)
            #expect(mail["OutgoingMailServerPortNumber"] as? Int == outgoing.port)
        }
        if let dav = payloads.first(where: { $0["PayloadType"] as? String == "com.apple.caldav.account" }),
            let service = resolved.domain.calDAV
        {
            #expect(dav["CalDAVHostName"] as? String == service.host)
            #expect(dav["CalDAVPort"] as? Int == service.port)
        }
        let uuids = ([plist] + payloads).compactMap { $0["PayloadUUID"] as? String }
        #expect(Set(uuids).count == uuids.count)
        #expect(uuids.allSatisfy { UUID(uuidString: $0) != nil })
        // The same mailbox gets the same identifiers on every request.
        let again = try fixture.response(MobileconfigRenderer())
        #expect(again.body == response.body)
        #expect(response.headers.contains { $0.0 == "Content-Disposition" && $0.1.contains(".mobileconfig\"") })
    }
}

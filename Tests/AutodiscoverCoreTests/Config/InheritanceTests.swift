import AutodiscoverCore
import Testing

@Suite("Provider inheritance and defaults")
struct InheritanceTests {
    static let yaml = """
        providers:
          hostco: &hostco
            display_name: HostCo Mail
            imap: { host: imap.hostco.example, port: 993, socket: SSL, auth: password-encrypted, username: "%EMAILLOCALPART%" }
            pop3: { host: pop.hostco.example }
            smtp: { host: smtp.hostco.example, port: 587, socket: STARTTLS }
            activesync: { url: "https://eas.hostco.example/Microsoft-Server-ActiveSync" }
        domains:
          inherit.example: { provider: hostco }
          override.example:
            provider: hostco
            display_name: Override
            imap: { host: imap.override.example }
            pop3: ~
            smtp: { host: smtp.override.example, socket: SSL }
            activesync: false
          defaults.example:
            imap: { host: imap.defaults.example, socket: STARTTLS }
            pop3: pop.defaults.example
            smtp: { host: smtp.defaults.example, port: 465 }
            xmpp: chat.defaults.example
          merged.example:
            <<: *hostco
            display_name: Merged
        """

    static func domain(_ name: String) throws -> MailDomain {
        let config = try TestSupport.load(yaml).get()
        return try #require(config.resolve(try DomainName(name))).domain
    }

    @Test("A domain with only a provider gets all of it")
    func inheritsEverything() throws {
        let domain = try Self.domain("inherit.example")
        #expect(domain.displayName == "HostCo Mail")
        #expect(
            domain.imap == [
                MailServer(
                    kind: .imap, host: "imap.hostco.example", port: 993, security: .ssl,
                    authentication: .passwordEncrypted, username: try UsernameTemplate("%EMAILLOCALPART%"))
            ])
        #expect(domain.pop3.first?.port == 995)
        #expect(domain.activeSync?.host == "eas.hostco.example")
    }

    @Test("Own keys override field by field; ~ and false switch a service off")
    func overridesFieldByField() throws {
        let domain = try Self.domain("override.example")
        #expect(domain.displayName == "Override")
        #expect(domain.imap.first?.host == "imap.override.example")
        #expect(domain.imap.first?.port == 993)
        #expect(domain.imap.first?.authentication == .passwordEncrypted)
        #expect(domain.pop3.isEmpty)
        // Giving a socket without a port takes the socket's default port, not the provider's.
        #expect(domain.smtp.first?.security == .ssl)
        #expect(domain.smtp.first?.port == 465)
        #expect(domain.activeSync == nil)
    }

    @Test("Ports default from protocol and socket; a known port implies its socket")
    func defaults() throws {
        let domain = try Self.domain("defaults.example")
        #expect(domain.imap.first?.port == 143)
        #expect(domain.pop3.first?.port == 995)
        #expect(domain.pop3.first?.security == .ssl)
        #expect(domain.smtp.first?.security == .ssl)
        #expect(domain.xmpp.first?.port == 5222)
        #expect(domain.xmpp.first?.security == .starttls)
        #expect(domain.displayName == "defaults.example")
        #expect(domain.displayShortName == "defaults")
    }

    @Test("YAML merge keys work like inheritance")
    func mergeKeys() throws {
        let domain = try Self.domain("merged.example")
        #expect(domain.displayName == "Merged")
        #expect(domain.smtp.first?.host == "smtp.hostco.example")
    }

    @Test("Durations and limits are read from server.limits")
    func serverLimits() throws {
        let config = try TestSupport.load(
            """
            server:
              listen: "[::1]:0"
              limits: { max_body_bytes: 4096, header_timeout: 500ms, idle_timeout: 2m }
            domains:
              a.example: { imap: imap.a.example }
            """
        ).get()
        #expect(config.server.listen == ListenAddress(host: "::1", port: 0))
        #expect(config.server.limits.maxBodyBytes == 4096)
        #expect(config.server.limits.headerTimeout == .milliseconds(500))
        #expect(config.server.limits.idleTimeout == .seconds(120))
    }
}

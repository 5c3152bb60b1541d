import AutodiscoverCore
import Testing

@Suite("Built-in configuration")
struct DefaultConfigurationTests {
    @Test("The embedded default equals config.yaml (run scripts/embed-default-config.sh after editing it)")
    func embeddedMatchesFile() throws {
        let file = try FileSystem.read(TestSupport.repositoryRoot + "/config.yaml").get()
        #expect(String(decoding: file, as: UTF8.self) == DefaultConfiguration.text + "\n")
    }

    @Test("The default serves the seed's example.com hosts")
    func seedHosts() throws {
        let config = try ConfigLoader().load(text: DefaultConfiguration.text, name: DefaultConfiguration.name)
        let domain = try #require(config.resolve(try DomainName("example.com"))).domain
        #expect(domain.imap.map(\.host) == ["imap4.example.com"])
        #expect(domain.pop3.map(\.host) == ["pop3.example.com"])
        #expect(domain.smtp.map(\.host) == ["msa.example.com", "msa.example.com"])
        #expect(domain.activeSync?.host == "eas.example.com")
        #expect(domain.calDAV?.host == "dav.example.com")
        #expect(domain.xmpp.map(\.host) == ["chat.example.com"])
        #expect(domain.autodiscover.host == "adsc.example.com")
    }
}

import AutodiscoverCore
import Testing

/// One broken config and the issue it must produce.
struct BrokenConfig: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String
    var line: Int
    var keyPath: String
    var message: String
    var testDescription: String { name }
}

@Suite("Config validation")
struct ConfigValidationTests {
    static let cases: [BrokenConfig] = [
        BrokenConfig(
            name: "unknown key with a suggestion",
            yaml: "domains:\n  a.example:\n    imap: { host: imap.a.example }\n    smpt: { host: smtp.a.example }\n",
            line: 4, keyPath: "domains.a.example.smpt", message: "unknown key; did you mean 'smtp'?"),
        BrokenConfig(
            name: "unknown root key",
            yaml: "domain:\n  a.example: { imap: imap.a.example }\n",
            line: 1, keyPath: "domain", message: "did you mean 'domains'?"),
        BrokenConfig(
            name: "port out of range",
            yaml: "domains:\n  a.example:\n    imap: { host: imap.a.example, port: 99999 }\n",
            line: 3, keyPath: "domains.a.example.imap.port", message: "must be between 1 and 65535, found 99999"),
        BrokenConfig(
            name: "port not a number",
            yaml: "domains:\n  a.example:\n    imap: { host: imap.a.example, port: imaps }\n",
            line: 3, keyPath: "domains.a.example.imap.port", message: "must be a whole number"),
        BrokenConfig(
            name: "bad socket",
            yaml:
                "domains:\n  a.example:\n    smtp:\n      - { host: smtp.a.example }\n      - { host: smtp.a.example, socket: TLS1.3 }\n",
            line: 5, keyPath: "domains.a.example.smtp[1].socket", message: "must be SSL, STARTTLS or plain"),
        BrokenConfig(
            name: "bad auth",
            yaml: "domains:\n  a.example:\n    imap: { host: imap.a.example, auth: password-cleartxt }\n",
            line: 3, keyPath: "domains.a.example.imap.auth", message: "did you mean 'password-cleartext'?"),
        BrokenConfig(
            name: "unknown provider",
            yaml: "providers:\n  hostco: { imap: imap.hostco.example }\ndomains:\n  a.example:\n    provider: hostcp\n",
            line: 5, keyPath: "domains.a.example.provider", message: "unknown provider 'hostcp'; did you mean 'hostco'?"),
        BrokenConfig(
            name: "alias is a configured domain",
            yaml:
                "domains:\n  a.example: { imap: imap.a.example }\n  b.example:\n    imap: imap.b.example\n    aliases: [a.example]\n",
            line: 3, keyPath: "domains.b.example.aliases", message: "alias a.example is already a configured domain"),
        BrokenConfig(
            name: "alias of two domains",
            yaml:
                "domains:\n  a.example: { imap: imap.a.example, aliases: [c.example] }\n  b.example: { imap: imap.b.example, aliases: [C.Example] }\n",
            line: 3, keyPath: "domains.b.example.aliases", message: "alias c.example is already an alias of a.example"),
        BrokenConfig(
            name: "duplicate domain in one file (case and IDNA folded)",
            yaml: "domains:\n  bücher.example: { imap: imap.a.example }\n  XN--BCHER-KVA.example: { imap: imap.a.example }\n",
            line: 3, keyPath: "domains.XN--BCHER-KVA.example", message: "domain is already defined at"),
        BrokenConfig(
            name: "label too long",
            yaml: "domains:\n  \(String(repeating: "a", count: 64)).example: { imap: imap.a.example }\n",
            line: 2, keyPath: "domains.\(String(repeating: "a", count: 64)).example",
            message: "has a label of 64 octets"),
        BrokenConfig(
            name: "name too long",
            yaml:
                "domains:\n  \(Array(repeating: String(repeating: "b", count: 60), count: 5).joined(separator: ".")): { imap: imap.a.example }\n",
            line: 2, keyPath: "domains.\(Array(repeating: String(repeating: "b", count: 60), count: 5).joined(separator: "."))",
            message: "is 304 octets long"),
        BrokenConfig(
            name: "invalid character in a domain",
            yaml: "domains:\n  \"a b.example\": { imap: imap.a.example }\n",
            line: 2, keyPath: "domains.a b.example", message: "has a character not allowed"),
        BrokenConfig(
            name: "invalid punycode",
            yaml: "domains:\n  xn--zz-9999.example: { imap: imap.a.example }\n",
            line: 2, keyPath: "domains.xn--zz-9999.example", message: "is not a valid internationalized name"),
        BrokenConfig(
            name: "invalid host name",
            yaml: "domains:\n  a.example:\n    imap: { host: \"-imap.a.example\" }\n",
            line: 3, keyPath: "domains.a.example.imap.host", message: "starts or ends with a hyphen"),
        BrokenConfig(
            name: "ActiveSync URL not https",
            yaml: "domains:\n  a.example:\n    activesync: { url: \"http://eas.a.example/Microsoft-Server-ActiveSync\" }\n",
            line: 3, keyPath: "domains.a.example.activesync.url", message: "must be an https:// URL"),
        BrokenConfig(
            name: "CalDAV URL not https",
            yaml: "domains:\n  a.example:\n    imap: imap.a.example\n    caldav: \"ftp://dav.a.example/\"\n",
            line: 4, keyPath: "domains.a.example.caldav", message: "must be an https:// URL"),
        BrokenConfig(
            name: "CardDAV URL without url",
            yaml: "domains:\n  a.example:\n    carddav: { username: \"%EMAILADDRESS%\" }\n",
            line: 3, keyPath: "domains.a.example.carddav.url", message: "is required"),
        BrokenConfig(
            name: "redirect loop",
            yaml:
                "domains:\n  a.example: { redirect: { address_domain: b.example } }\n  b.example: { redirect: { address_domain: c.example } }\n  c.example: { redirect: { address_domain: A.example } }\n",
            line: 2, keyPath: "domains.a.example.redirect",
            message: "redirect loop: a.example -> b.example -> c.example -> a.example"),
        BrokenConfig(
            name: "redirect to itself",
            yaml: "domains:\n  a.example: { redirect: { address_domain: a.example } }\n",
            line: 2, keyPath: "domains.a.example.redirect", message: "redirect loop: a.example -> a.example"),
        BrokenConfig(
            name: "redirect with both kinds",
            yaml: "domains:\n  a.example:\n    redirect: { address_domain: b.example, url: \"https://x.example/\" }\n",
            line: 3, keyPath: "domains.a.example.redirect", message: "exactly one of address_domain or url"),
        BrokenConfig(
            name: "unknown username placeholder",
            yaml: "domains:\n  a.example:\n    imap: { host: imap.a.example, username: \"%EMAILUSER%\" }\n",
            line: 3, keyPath: "domains.a.example.imap.username", message: "unknown placeholder %EMAILUSER%"),
        BrokenConfig(
            name: "domain offering nothing",
            yaml: "domains:\n  a.example: { display_name: A }\n",
            line: 2, keyPath: "domains.a.example", message: "offers no service"),
        BrokenConfig(
            name: "server without host",
            yaml: "domains:\n  a.example:\n    smtp: { port: 587 }\n",
            line: 3, keyPath: "domains.a.example.smtp.host", message: "is required"),
        BrokenConfig(
            name: "bad source",
            yaml: "domains:\n  a.example: { source: ldap }\n",
            line: 2, keyPath: "domains.a.example.source", message: "must be 'config' or 'dns'"),
        BrokenConfig(
            name: "bad duration",
            yaml: "server:\n  limits: { header_timeout: soon }\ndomains:\n  a.example: { imap: imap.a.example }\n",
            line: 2, keyPath: "server.limits.header_timeout", message: "must be a duration"),
        BrokenConfig(
            name: "bad listen address",
            yaml: "server:\n  listen: localhost\ndomains:\n  a.example: { imap: imap.a.example }\n",
            line: 2, keyPath: "server.listen", message: "must be HOST:PORT"),
        BrokenConfig(
            name: "bad trusted proxy",
            yaml: "server:\n  trusted_proxies: [\"10.0.0.0/33\"]\ndomains:\n  a.example: { imap: imap.a.example }\n",
            line: 2, keyPath: "server.trusted_proxies", message: "is not an IP address or CIDR range"),
        BrokenConfig(
            name: "an OAuth2 client secret",
            yaml:
                "domains:\n  a.example:\n    imap: imap.a.example\n    oauth2: { issuer: \"https://login.a.example\", client_secret: s3cr3t }\n",
            line: 4, keyPath: "domains.a.example.oauth2.client_secret", message: "a client secret must not be published"),
        BrokenConfig(
            name: "an OAuth2 issuer that is not https",
            yaml: "domains:\n  a.example:\n    imap: imap.a.example\n    oauth2: { issuer: \"http://login.a.example\" }\n",
            line: 4, keyPath: "domains.a.example.oauth2.issuer", message: "https"),
        BrokenConfig(
            name: "a JMAP URL that is not https",
            yaml: "domains:\n  a.example:\n    jmap: \"http://jmap.a.example/\"\n",
            line: 3, keyPath: "domains.a.example.jmap", message: "https"),
        BrokenConfig(
            name: "bad public host",
            yaml: "server:\n  public_host: \"auto discover.example\"\ndomains:\n  a.example: { imap: imap.a.example }\n",
            line: 2, keyPath: "server.public_host", message: "is not a valid host name"),
        BrokenConfig(
            name: "key given twice",
            yaml: "domains:\n  a.example:\n    imap: imap.a.example\n    imap: imap2.a.example\n",
            line: 4, keyPath: "domains.a.example.imap", message: "is given twice (first on line 3)"),
        BrokenConfig(
            name: "server key given twice",
            yaml: "domains:\n  a.example:\n    imap:\n      host: imap.a.example\n      socket: SSL\n      socket: STARTTLS\n",
            line: 6, keyPath: "domains.a.example.imap.socket", message: "is given twice (first on line 5)"),
        BrokenConfig(
            name: "unknown server key",
            yaml: "domains:\n  a.example:\n    imap: { host: imap.a.example, prot: 993 }\n",
            line: 3, keyPath: "domains.a.example.imap.prot", message: "unknown key; did you mean 'port'?"),
        BrokenConfig(
            name: "server key in the wrong case",
            yaml: "domains:\n  a.example:\n    imap: { Host: imap.a.example }\n",
            line: 3, keyPath: "domains.a.example.imap.Host", message: "unknown key; did you mean 'host'?"),
        BrokenConfig(
            name: "domain-only key in a provider",
            yaml:
                "providers:\n  p:\n    aliases: [b.example]\n    imap: imap.p.example\ndomains:\n  a.example: { provider: p }\n",
            line: 3, keyPath: "providers.p.aliases", message: "unknown key"),
        BrokenConfig(
            name: "YAML syntax error",
            yaml: "domains:\n  a.example: { imap: imap.a.example\n  b.example: x\n",
            line: 3, keyPath: "", message: "YAML:"),
        BrokenConfig(
            name: "missing include file",
            yaml: "include: [nothing-here.yaml]\ndomains:\n  a.example: { imap: imap.a.example }\n",
            line: 1, keyPath: "include", message: "does not exist"),
        BrokenConfig(
            name: "signing file missing",
            yaml: "signing: { certificate: nope.crt, key: nope.key }\ndomains:\n  a.example: { imap: imap.a.example }\n",
            line: 1, keyPath: "signing.certificate", message: "does not exist"),
        BrokenConfig(
            name: "billion laughs through aliases",
            yaml:
                "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
            line: 6, keyPath: "", message: "aliases expand to more than"),
        BrokenConfig(
            name: "alias inside the node it names (found by FuzzConfig)",
            yaml: "providers:\n  base: &base\n    imap: { host: x, socket: *base }\ndomains:\n  a.example: *base\n",
            line: 3, keyPath: "", message: "alias *base is inside the node it names"),
    ]

    @Test("Each problem is reported with file, line and key path", arguments: cases)
    func reportsProblem(_ broken: BrokenConfig) throws {
        let path = TestSupport.temporaryFile(broken.yaml)
        let issues = ConfigLoader().issues(in: path)
        let match = issues.first { $0.keyPath == broken.keyPath && $0.message.contains(broken.message) }
        let found = try #require(match, "expected \(broken.keyPath): \(broken.message) in \(issues)")
        #expect(found.file == path)
        #expect(found.line == broken.line)
        #expect(found.description.hasPrefix("\(path):\(broken.line): "))
    }

    @Test("Every problem of a file is reported at once, in line order")
    func reportsAllProblems() {
        let yaml = """
            domains:
              a.example:
                imap: { host: imap.a.example, port: 0 }
                smtp: { host: smtp.a.example, socket: bogus }
              b.example:
                activesync: { url: "http://eas.b.example/" }
            """
        let issues = ConfigLoader().issues(in: TestSupport.temporaryFile(yaml))
        #expect(issues.map(\.line) == [3, 4, 6])
        #expect(
            issues.map(\.keyPath) == [
                "domains.a.example.imap.port", "domains.a.example.smtp.socket", "domains.b.example.activesync.url",
            ])
    }

    @Test("The repository's config.yaml is valid")
    func repositoryConfigIsValid() {
        #expect(ConfigLoader().issues(in: TestSupport.repositoryRoot + "/config.yaml") == [])
    }
}

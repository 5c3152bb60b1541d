import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `autodiscover` executable, run as a user runs it.
@Suite("Command line")
struct CLITests {
    static let root: String = {
        var url = URL(fileURLWithPath: "\(#filePath)")
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The built executable next to the test runner (`.build/debug` or `.build/release`, whichever
    /// configuration the tests were built in).
    static let executable: String = {
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [runner, bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("autodiscover") }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        return root + "/.build/debug/autodiscover"
    }()

    /// Runs the executable in the repository root; returns exit code, standard output and standard error.
    static func run(_ arguments: [String]) throws -> (code: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test("check exits 0 on the repository's config.yaml")
    func checkValid() throws {
        let result = try Self.run(["check"])
        #expect(result.code == 0)
        #expect(result.out.contains("config.yaml: OK"))
    }

    @Test("check exits 1 and lists every problem as file:line: key: message")
    func checkBroken() throws {
        let path = NSTemporaryDirectory() + "broken-\(UUID().uuidString).yaml"
        try "domains:\n  a.example:\n    imap: { host: imap.a.example, port: 0 }\n    smpt: x\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let result = try Self.run(["check", "--config", path])
        #expect(result.code == 1)
        #expect(
            result.out.split(separator: "\n").map(String.init) == [
                "\(path):3: domains.a.example.imap.port: must be between 1 and 65535, found 0",
                "\(path):4: domains.a.example.smpt: unknown key; did you mean 'smtp'?",
            ])
    }

    /// The certificates of `scripts/make-test-signers.sh`, made once, and a config signing with `name`.
    static let signers: String = {
        let directory = NSTemporaryDirectory() + "autodiscover-cli-signers-" + UUID().uuidString
        precondition(system("'\(root)/scripts/make-test-signers.sh' '\(directory)'") == 0)
        return directory
    }()

    static func signingConfig(_ name: String) throws -> String {
        let path = signers + "/\(name).yaml"
        try
            "signing: { certificate: \(name).crt, key: \(name).key, chain: int.crt }\ndomains:\n  example.com: { imap: imap.example.com }\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("check notes a signing certificate that expires within 30 days, and services PACC must leave out")
    func checkSigningNotice() throws {
        let path = try Self.signingConfig("soon")
        let result = try Self.run(["check", "--config", path])
        #expect(result.code == 0)
        #expect(result.out.contains("\(path): note: signing: the certificate \(Self.signers)/soon.crt expires in"))
        #expect(!(try Self.run(["check", "--config", try Self.signingConfig("rsa")])).out.contains("note:"))
        let repository = try Self.run(["check"]).out
        #expect(!repository.contains("note: signing"))
        // Its customers' SMTP is STARTTLS on 587, which PACC cannot list.
        #expect(
            repository.contains(
                "note: pacc: 3 domain(s) offer a service their PACC document must leave out: customer-one.org: smtp"))
    }

    @Test("render --signature-status: valid with the signer's fingerprint, or unsigned")
    func signatureStatus() throws {
        let signed = try Self.run([
            "render", "--config", try Self.signingConfig("ec"), "--format", "mobileconfig", "--email", "a@example.com",
            "--signature-status",
        ])
        #expect(signed.code == 0)
        #expect(signed.err.hasPrefix("valid (signer SHA-256 "))
        let plain = try Self.run(["render", "--format", "mobileconfig", "--email", "alice@example.com", "--signature-status"])
        #expect(plain.err == "unsigned\n")
    }

    @Test("dns records and dns check refuse bad input with one line and exit 2; check refuses an OAuth2 client secret")
    func dnsBadInput() throws {
        let unknown = try Self.run(["dns", "records", "--domain", "nowhere.invalid"])
        #expect(unknown.code == 2)
        #expect(unknown.err == "error: no configured domain, alias or wildcard serves nowhere.invalid\n")
        let port = try Self.run(["dns", "check", "--nameserver", "127.0.0.1:port"])
        #expect(port.code == 2)
        #expect(port.err == "error: nameserver '127.0.0.1:port' is not HOST, HOST:PORT or [V6]:PORT\n")
        let timeout = try Self.run(["dns", "check", "--timeout", "soon"])
        #expect(timeout.code == 2)
        #expect(timeout.err.hasPrefix("error: --timeout 'soon' is not a duration"))
        let host = try Self.run(["dns", "records", "--service-host", "not a host"])
        #expect(host.code == 2)
        #expect(host.err.hasPrefix("error: --service-host 'not a host':"))
        let path = NSTemporaryDirectory() + "autodiscover-secret-\(UUID().uuidString).yaml"
        try
            "domains:\n  a.example:\n    imap: imap.a.example\n    oauth2: { issuer: \"https://login.a.example\", client_secret: x }\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let secret = try Self.run(["check", "--config", path])
        #expect(secret.code == 1)
        #expect(secret.out.contains("\(path):4: domains.a.example.oauth2.client_secret: a client secret must not be published"))
    }

    @Test(
        "probe refuses bad input with one line and exit 2",
        arguments: [
            (["--email", "not an address"], "error: --email 'not an address':"),
            (["--email", "a@example.com", "--client", "mutt"], "error: --client 'mutt' is not one of thunderbird, outlook"),
            (
                ["--email", "a@example.com", "--resolve", "example.com:443"],
                "error: --resolve 'example.com:443' is not HOST:PORT:ADDR"
            ),
            (
                ["--email", "a@example.com", "--connect-to", "example.com:x:127.0.0.1:1"],
                "error: --connect-to 'example.com:x:127.0.0.1:1': 'x' is not a port"
            ),
            (["--email", "a@example.com", "--timeout", "soon"], "error: --timeout 'soon' is not a duration"),
            (["--email", "a@example.com", "--ca", "/nonexistent.pem"], "error: --ca '/nonexistent.pem': no such readable file"),
            (
                ["--email", "a@example.com", "--nameserver", "127.0.0.1:port"],
                "error: --nameserver '127.0.0.1:port' is not HOST[:PORT]"
            ),
        ])
    func probeBadInput(_ arguments: [String], _ message: String) throws {
        let result = try Self.run(["probe"] + arguments)
        #expect(result.code == 2)
        #expect(result.err.hasPrefix(message), "\(result.err)")
        #expect(result.out.isEmpty)
    }

    @Test("check names each bad template's file and line")
    func badTemplates() throws {
        let folder = NSTemporaryDirectory() + "autodiscover-bad-templates-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "{\"a\": \"{{domain}}\"}\n{{#imap}}\n".write(toFile: folder + "/open.mustache", atomically: true, encoding: .utf8)
        try "line\n{{hostname}}\n".write(toFile: folder + "/unknown.mustache", atomically: true, encoding: .utf8)
        try """
        domains:
          a.example: { imap: imap.a.example }
        templates:
          - { name: open, path: /open, content_type: application/json, file: open.mustache }
          - { name: unknown, path: /unknown, content_type: text/plain, file: unknown.mustache }
          - { name: missing, path: /missing, content_type: text/plain, file: missing.mustache }
          - { name: clash, path: /mail/config-v1.1.xml, content_type: text/plain, file: unknown.mustache }
        """.write(toFile: folder + "/config.yaml", atomically: true, encoding: .utf8)
        let result = try Self.run(["check", "--config", folder + "/config.yaml"])
        #expect(result.code == 1)
        #expect(
            result.out.contains("open.mustache:3: templates[0]: a section is not closed by the end of the file"), "\(result.out)")
        #expect(result.out.contains("unknown.mustache:2: templates[1]: unknown variable 'hostname'"), "\(result.out)")
        #expect(
            result.out.contains("config.yaml:6: templates[2].file: \(folder)/missing.mustache: no such readable file"),
            "\(result.out)")
        #expect(
            result.out.contains(
                "config.yaml:7: templates[3].path: /mail/config-v1.1.xml is already answered by the thunderbird format"),
            "\(result.out)")
    }

    @Test("render prints the served bytes; an unknown domain exits 1 with the status")
    func render() throws {
        let outlook = try Self.run(["render", "--format", "outlook", "--email", "alice@example.com"])
        #expect(outlook.code == 0)
        #expect(outlook.out.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Autodiscover"))
        let unknown = try Self.run(["render", "--format", "thunderbird", "--email", "a@unknown.invalid"])
        #expect(unknown.code == 1)
        #expect(unknown.err.contains("status 404"))
        let bad = try Self.run(["render", "--format", "nope", "--email", "a@example.com"])
        #expect(bad.code != 0)
        #expect(bad.err.contains("unknown format 'nope'"))
    }

    @Test("--version and --help answer")
    func versionAndHelp() throws {
        #expect(try Self.run(["--version"]).out.hasPrefix("0."))
        let help = try Self.run(["serve", "--help"])
        #expect(help.out.contains("--listen"))
        #expect(help.out.contains("--access-log-sample"))
    }

    @Test(
        "serve refuses a bad option value before starting",
        arguments: [
            (["--access-log-sample", "0"], "--access-log-sample must be 1 or more, found 0"),
            (["--listen", "localhost"], "--listen must be HOST:PORT"),
        ])
    func serveRefuses(_ arguments: [String], _ message: String) throws {
        let result = try Self.run(["serve"] + arguments)
        #expect(result.code == 64)
        #expect(result.err.contains(message))
    }
}

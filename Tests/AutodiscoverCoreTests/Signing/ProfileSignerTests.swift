import AutodiscoverCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The certificates of `scripts/make-test-signers.sh`, made once for this run.
enum TestSigners {
    static let directory: String = {
        var template = Array("/tmp/autodiscover-signers-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        let status = system("'\(TestSupport.repositoryRoot)/scripts/make-test-signers.sh' '\(directory)'")
        precondition(status == 0, "make-test-signers.sh failed")
        return directory
    }()

    static func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// A configuration with `signing:` (or none) and one domain.
    static func config(_ signing: String?) throws -> Configuration {
        try ConfigLoader().load(
            text: (signing.map { "signing: \($0)\n" } ?? "")
                + "domains:\n  example.com: { imap: imap.example.com, smtp: smtp.example.com }\n",
            name: "signing.yaml", directory: directory)
    }

    /// Runs a shell command; true when it exits 0.
    static func succeeds(_ command: String) -> Bool { system(command + " >/dev/null 2>&1") == 0 }

    static func write(_ bytes: [UInt8], to path: String) {
        let file = fopen(path, "w")!
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }

    static func read(_ path: String) -> [UInt8] { (try? FileSystem.read(path).get()) ?? [] }
}

@Suite("Signed Apple profiles (CMS through libcrypto)")
struct ProfileSignerTests {
    static func profile(_ config: Configuration) throws -> [UInt8] {
        let renderer = try #require(RendererRegistry.standard[.mobileconfig])
        let request = renderer.sampleRequest(for: try EmailAddress("alice@example.com"), protocol: nil)
        let response = AnswerEngine().answer(request, renderer: renderer, config: config)
        #expect(response.status == 200)
        return response.body
    }

    @Test(
        "RSA and ECDSA signers: openssl cms -verify accepts the profile and yields exactly the unsigned bytes",
        arguments: ["rsa", "ec"])
    func verifies(signer: String) throws {
        let unsigned = try Self.profile(try TestSigners.config(nil))
        let config = try TestSigners.config("{ certificate: \(signer).crt, key: \(signer).key, chain: int.crt }")
        let signed = try Self.profile(config)
        #expect(signed.first == 0x30, "DER SEQUENCE")
        let file = TestSigners.path("\(signer)-profile.der")
        TestSigners.write(signed, to: file)
        let out = TestSigners.path("\(signer)-profile.plist")
        #expect(
            TestSigners.succeeds(
                "openssl cms -verify -inform DER -in '\(file)' -CAfile '\(TestSigners.path("ca.crt"))' -purpose any -out '\(out)'"
            ))
        #expect(TestSigners.read(out) == unsigned)
        let verified = try #require(ProfileSigner.verify(signed))
        #expect(verified.content == unsigned)
        #expect(verified.signer == config.signer?.fingerprint)
        // The signed attributes and certificates the issue asks for.
        #expect(
            TestSigners.succeeds(
                "openssl cms -cmsout -print -inform DER -in '\(file)' | grep -q signingTime"))
        #expect(
            TestSigners.succeeds(
                "test $(openssl cms -cmsout -print -inform DER -in '\(file)' | grep -c 'subject:') -ge 2"))
    }

    @Test("A tampered profile fails verification")
    func tampered() throws {
        var signed = try Self.profile(try TestSigners.config("{ certificate: rsa.crt, key: rsa.key, chain: int.crt }"))
        let index = try #require(signed.indices.first { signed[$0] == UInt8(ascii: "i") && signed[$0 + 1] == UInt8(ascii: "m") })
        signed[index] = UInt8(ascii: "I")
        let file = TestSigners.path("tampered.der")
        TestSigners.write(signed, to: file)
        #expect(
            !TestSigners.succeeds(
                "openssl cms -verify -inform DER -in '\(file)' -CAfile '\(TestSigners.path("ca.crt"))' -purpose any"))
        #expect(ProfileSigner.verify(signed) == nil)
    }

    @Test("Signed bytes are kept: the same address gets the same bytes")
    func cached() throws {
        let config = try TestSigners.config("{ certificate: ec.crt, key: ec.key, chain: int.crt }")
        #expect(try Self.profile(config) == Self.profile(config))
    }

    static let broken: [(String, String, String, String)] = [
        (
            "a key that does not match", "{ certificate: rsa.crt, key: ec.key }", "signing.key",
            "ec.key is not the private key of the certificate in"
        ),
        (
            "an expired certificate", "{ certificate: expired.crt, key: expired.key }", "signing.certificate",
            "expired.crt: the certificate expired"
        ),
        (
            "a chain out of order", "{ certificate: rsa.crt, key: rsa.key, chain: chain-wrong-order.pem }", "signing.chain",
            "chain-wrong-order.pem: the chain is out of order"
        ),
        (
            "no certificate in the file", "{ certificate: rsa.key, key: rsa.key }", "signing.certificate",
            "rsa.key holds no PEM certificate"
        ),
    ]

    @Test("Signing files that cannot sign are configuration problems naming the file", arguments: broken)
    func problems(name: String, signing: String, keyPath: String, message: String) throws {
        do {
            _ = try ConfigLoader().load(
                text: "signing: \(signing)\ndomains:\n  example.com: { imap: imap.example.com }\n", name: "signing.yaml",
                directory: TestSigners.directory)
            Issue.record("\(name): loaded")
        } catch {
            let issue = try #require(error.issues.first)
            #expect(issue.keyPath == keyPath, "\(name)")
            #expect(issue.message.contains(message), "\(name): \(issue.message)")
            #expect(issue.line == 1)
        }
    }

    @Test("A certificate that expires within 30 days is a notice; the settings page says whether profiles are signed")
    func notices() throws {
        let soon = try TestSigners.config("{ certificate: soon.crt, key: soon.key, chain: int.crt }")
        #expect(
            soon.notices.count == 1 && soon.notices[0].contains("expires in 9 days")
                || soon.notices[0].contains("expires in 10 days"))
        let valid = try TestSigners.config("{ certificate: rsa.crt, key: rsa.key, chain: int.crt }")
        #expect(valid.notices.isEmpty)
        #expect(valid.files.contains { $0.hasSuffix("rsa.crt") } && valid.files.contains { $0.hasSuffix("int.crt") })
        let renderer = try #require(RendererRegistry.standard[RendererID(rawValue: "settings")])
        let request = renderer.sampleRequest(for: try EmailAddress("alice@example.com"), protocol: nil)
        let page = String(decoding: AnswerEngine().answer(request, renderer: renderer, config: valid).body, as: UTF8.self)
        #expect(page.contains("Signed: your device shows the profile as verified."))
        let plain = String(
            decoding: AnswerEngine().answer(request, renderer: renderer, config: try TestSigners.config(nil)).body, as: UTF8.self)
        #expect(plain.contains("Not signed"))
    }
}

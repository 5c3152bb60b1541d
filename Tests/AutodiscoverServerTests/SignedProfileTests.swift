import AutodiscoverCore
import AutodiscoverServer
import Foundation
import Testing

@Suite("Signed Apple profiles over HTTP/1.1, h2c and TLS", .serialized)
struct SignedProfileTests {
    @Test("openssl cms -verify accepts every served profile and yields exactly the unsigned bytes", arguments: ["rsa", "ec"])
    func served(signer: String) async throws {
        let signers = await ServerHarness.signers()
        let signing =
            "signing: { certificate: \(signers)/\(signer).crt, key: \(signers)/\(signer).key, chain: \(signers)/int.crt }\n"
        // The same profile unsigned, from the same configuration without `signing:`.
        let unsigned = try ConfigLoader().load(text: ServerHarness.defaultYAML, name: "config.yaml")
        let renderer = try #require(RendererRegistry.standard[.mobileconfig])
        let request = IncomingRequest(
            method: "GET", target: "/mobileconfig?emailaddress=alice%40example.com", host: "example.com")
        let expected = AnswerEngine().answer(request, renderer: renderer, config: unsigned).body
        try await ServerHarness.withServer(signing + ServerHarness.defaultYAML, tls: true) { server in
            let ca = await ServerHarness.certificates().ca
            let transports: [(String, [String], String)] = [
                ("HTTP/1.1", ["--http1.1"], "http://127.0.0.1:\(server.port)"),
                ("h2c", ["--http2-prior-knowledge"], "http://127.0.0.1:\(server.port)"),
                ("TLS h2", ["--http2", "--cacert", ca], "https://localhost:\(server.tlsPort!)"),
            ]
            for (name, flags, base) in transports {
                let directory = ServerHarness.temporaryDirectory()
                let script = """
                    cd '\(directory)' && curl -sf -m 10 -H 'Host: example.com' \(flags.map { "'\($0)'" }.joined(separator: " ")) \
                    -o profile.der -w '%{content_type} %{http_version}' '\(base)/mobileconfig?emailaddress=alice%40example.com' && \
                    openssl cms -verify -inform DER -in profile.der -CAfile '\(signers)/ca.crt' -purpose any -out profile.plist 2>/dev/null && echo ' verified'
                    """
                let output = await ServerHarness.run("/bin/sh", ["-c", script])
                #expect(output.hasPrefix("application/x-apple-aspen-config"), "\(signer) \(name): \(output)")
                #expect(output.hasSuffix(" verified\n"), "\(signer) \(name): \(output)")
                let plist = try Data(contentsOf: URL(fileURLWithPath: directory + "/profile.plist"))
                #expect(Array(plist) == expected, "\(signer) \(name): the verified content is the unsigned profile")
            }
        }
    }
}

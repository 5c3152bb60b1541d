import AutodiscoverCore
import AutodiscoverServer
import Foundation
import Logging
import Testing

@Suite("Reload", .serialized)
struct ReloadTests {
    @Test("A valid edit is picked up by the file watcher; a broken one keeps the running config")
    func reloads() async throws {
        try await ServerHarness.withServer { server in
            let path = server.directory + "/config.yaml"
            let base = "http://127.0.0.1:\(server.port)"
            #expect(await ServerHarness.curl([base + "/readyz"]).body.contains("generation 1"))

            // A valid edit: a new domain appears.
            let edited = ServerHarness.defaultYAML + "\n  # edited\n"
            let added = edited.replacingOccurrences(
                of: "  old-brand.com:", with: "  added.example: { imap: imap.added.example }\n  old-brand.com:")
            var outcomes = server.application.store.outcomes().makeAsyncIterator()
            try added.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(await outcomes.next() == .reloaded(generation: 2))
            #expect(await ServerHarness.curl([base + "/readyz"]).body.contains("generation 2"))
            #expect(await ServerHarness.curl([base + "/mail/config-v1.1.xml?emailaddress=a%40added.example"]).status == 200)

            // A broken edit: the running config stays, the failure is counted.
            try "domains:\n  broken.example: { imap: { port: 0 } }\n".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(await outcomes.next() == .rejected(problems: 2))
            #expect(
                await ServerHarness.curl([base + "/metrics"]).body.contains(
                    "autodiscover_config_reloads_total{result=\"failed\"} 1"))
            #expect(await ServerHarness.curl([base + "/readyz"]).body.contains("generation 2"))
            #expect(await ServerHarness.curl([base + "/mail/config-v1.1.xml?emailaddress=a%40added.example"]).status == 200)
        }
    }
}

@Suite("Configuration notices")
struct ConfigurationNoticeTests {
    @Test(
        "A signing certificate that expires within 30 days is warned of when loaded and on every reload; a config without one is not"
    )
    func signingNotice() async throws {
        let signers = await ServerHarness.signers()
        let path = signers + "/soon.yaml"
        try "signing: { certificate: soon.crt, key: soon.key, chain: int.crt }\ndomains:\n  a.example: { imap: imap.a.example }\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let captured = CapturedLog()
        let logger = Logger(label: "notice-test") { _ in CapturingLogHandler(log: captured) }
        let store = try ConfigStore(path: path, logger: logger)
        #expect(captured.entries.filter { $0.message == "Configuration notice" }.count == 1)
        _ = store.reload()
        let notices = captured.entries.filter { $0.message == "Configuration notice" }
        #expect(notices.count == 2)
        #expect(
            notices.allSatisfy {
                $0.metadata["autodiscover.notice"]?.hasPrefix("signing: the certificate \(signers)/soon.crt expires in") == true
            })

        let plain = CapturedLog()
        _ = try ConfigStore(path: nil, logger: Logger(label: "notice-test") { _ in CapturingLogHandler(log: plain) })
        #expect(
            !plain.entries.contains {
                $0.message == "Configuration notice" && $0.metadata["autodiscover.notice"]?.hasPrefix("signing") == true
            })
    }
}

import AutodiscoverCore
import AutodiscoverServer
import Foundation
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
                await ServerHarness.curl([base + "/metrics"]).body.contains("autodiscover_config_reloads_total{result=\"failed\"} 1"))
            #expect(await ServerHarness.curl([base + "/readyz"]).body.contains("generation 2"))
            #expect(await ServerHarness.curl([base + "/mail/config-v1.1.xml?emailaddress=a%40added.example"]).status == 200)
        }
    }
}

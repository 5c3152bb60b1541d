import AutodiscoverCore
import AutodiscoverServer
import Foundation
import Testing

/// Templates defined only in YAML (no Swift change), served by the real server over HTTP/1.1 and h2c,
/// counted under their own name, and changed by a reload (a broken one keeps the running configuration).
@Suite("Operator templates over the wire", .serialized)
struct TemplateWireTests {
    static let json = """
        {"provider": "{{display_name}}", "address": "{{address}}", "imap": [{{#imap}}{"host": "{{host}}", "port": {{port}}, "user": "{{username}}"}{{/imap}}]}

        """
    static let xml = """
        <?xml version="1.0"?>
        <config>{{#smtp}}<smtp host="{{host}}" port="{{port}}" socket="{{socket}}"/>{{/smtp}}<user>{{address}}</user></config>

        """

    @Test("A JSON and an XML template over HTTP/1.1 and h2c; a reload changes one, a broken one is refused")
    func servedAndReloaded() async throws {
        let folder = ServerHarness.temporaryDirectory()
        try Self.json.write(toFile: folder + "/app.json.mustache", atomically: true, encoding: .utf8)
        try Self.xml.write(toFile: folder + "/app.xml.mustache", atomically: true, encoding: .utf8)
        let templates = """
            templates:
              - { name: app-json, path: /app/config.json, content_type: application/json, file: \(folder)/app.json.mustache }
              - { name: app-xml, path: "/app/{email}/config.xml", content_type: application/xml, file: \(folder)/app.xml.mustache }
            """
        let yaml = ServerHarness.defaultYAML.replacingOccurrences(of: "templates: []", with: templates)
        try await ServerHarness.withServer(yaml) { server in
            let base = "http://127.0.0.1:\(server.port)"
            for http2 in [false, true] {
                let flags = http2 ? ["--http2-prior-knowledge"] : []
                let json = await ServerHarness.curl(flags + [base + "/app/config.json?emailaddress=o%27hara%26co%40example.com"])
                #expect(json.status == 200 && json.headers["content-type"] == "application/json")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any])
                #expect(object["address"] as? String == "o'hara&co@example.com")
                #expect(object["provider"] as? String == "Example Mail")
                #expect(((object["imap"] as? [[String: Any]])?.first?["host"] as? String) == "imap4.example.com")
                let xml = await ServerHarness.curl(flags + [base + "/app/o%27hara%26co%40example.com/config.xml"])
                #expect(xml.status == 200)
                #expect(
                    xml.body.contains("<user>o&#39;hara&amp;co@example.com</user>")
                        || xml.body.contains("<user>o&apos;hara&amp;co@example.com</user>"), "\(xml.body)")
                #expect(xml.body.contains("<smtp host=\"msa.example.com\" port=\"587\" socket=\"STARTTLS\"/>"))
                let unknown = await ServerHarness.curl(flags + [base + "/app/config.json?emailaddress=a%40nowhere.invalid"])
                #expect(unknown.status == 404)
                #expect(
                    await ServerHarness.curl(flags + [base + "/app/config.json?emailaddress=a%3Cb%40example.com"]).status == 400)
            }
            #expect(await ServerHarness.curl([base + "/metrics"]).body.contains("renderer=\"app-json\""))

            // A reload with a changed template: the new text is served.
            var outcomes = server.application.store.outcomes().makeAsyncIterator()
            try Self.json.replacingOccurrences(of: "\"provider\"", with: "\"name\"")
                .write(toFile: folder + "/app.json.mustache", atomically: true, encoding: .utf8)
            try (yaml + "\n# edited\n").write(toFile: server.directory + "/config.yaml", atomically: true, encoding: .utf8)
            #expect(await outcomes.next() == .reloaded(generation: 2))
            let changed = await ServerHarness.curl([base + "/app/config.json?emailaddress=a%40example.com"])
            #expect(changed.body.contains("\"name\": \"Example Mail\""), "\(changed.body)")

            // A broken template: the reload is refused and the last good one stays.
            try "{{#imap}}".write(toFile: folder + "/app.json.mustache", atomically: true, encoding: .utf8)
            try (yaml + "\n# edited again\n").write(toFile: server.directory + "/config.yaml", atomically: true, encoding: .utf8)
            #expect(await outcomes.next() == .rejected(problems: 1))
            #expect(await ServerHarness.curl([base + "/app/config.json?emailaddress=a%40example.com"]).body.contains("\"name\""))
        }
    }

    @Test("The worked example in deploy/examples/templates is served as the README shows")
    func workedExample() async throws {
        let folder = ServerHarness.repositoryRoot + "/deploy/examples/templates"
        let yaml = try String(contentsOfFile: folder + "/config.yaml", encoding: .utf8)
            .replacingOccurrences(of: "file: mailapp", with: "file: \(folder)/mailapp")
            .replacingOccurrences(of: "file: mdm", with: "file: \(folder)/mdm")
        try await ServerHarness.withServer(yaml) { server in
            let base = "http://127.0.0.1:\(server.port)"
            let json = await ServerHarness.curl([base + "/mailapp/config.json?emailaddress=alice%40example.com"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any])
            #expect(object["account"] as? String == "alice@example.com")
            #expect((object["outgoing"] as? [Any])?.count == 3)
            let xml = await ServerHarness.curl(["--http2-prior-knowledge", base + "/mdm/alice%40example.com/account.xml"])
            #expect(xml.status == 200 && xml.body.contains("<Address>alice@example.com</Address>"))
            #expect(
                xml.body.contains(
                    "<Outgoing host=\"smtp.example.com\" port=\"587\" security=\"STARTTLS\" user=\"alice@example.com\"/>"))
            #expect(await ServerHarness.curl([base + "/mdm/account.xml"]).status == 400)  // address: required
        }
    }
}

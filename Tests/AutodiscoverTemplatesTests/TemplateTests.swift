import AutodiscoverCore
import Foundation
import Testing

@testable import AutodiscoverTemplates

/// Operator templates compiled from YAML and files, answered through the engine like the built-in formats.
@Suite("Operator templates")
struct TemplateTests {
    /// A folder with a config and template files; returns the loaded configuration and its folder.
    static func setUp(_ files: [String: String], templates: String) throws -> (Configuration, String) {
        let folder = NSTemporaryDirectory() + "autodiscover-templates-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        let config = """
            domains:
              example.com:
                display_name: "Example <Mail> & \\"Co\\""
                imap: { host: imap.example.com, port: 993, socket: SSL }
                smtp:
                  - { host: smtp.example.com, port: 465, socket: SSL }
                  - { host: smtp.example.com, port: 587, socket: STARTTLS }
            templates:
            \(templates)
            """
        try config.write(toFile: folder + "/config.yaml", atomically: true, encoding: .utf8)
        return (try ConfigLoader().load(path: folder + "/config.yaml"), folder)
    }

    static let json = """
        {"name": "{{display_name}}", "address": "{{address}}", "has_address": {{#has_address}}true{{/has_address}}{{^has_address}}false{{/has_address}},
         "imap": [{{#imap}}{"host": "{{host}}", "port": {{port}}, "user": "{{username}}"}{{/imap}}],
         "smtp": [{{#smtp}}{"host": "{{host}}", "port": {{port}}, "socket": "{{socket}}"},{{/smtp}}null]}
        """

    static let xml = """
        <?xml version="1.0"?>
        <config name="{{display_name}}">{{#imap}}<server host="{{host}}" port="{{port}}" user="{{username}}"/>{{/imap}}<who>{{address}}</who></config>
        """

    static func answer(_ config: Configuration, _ renderer: any Renderer, _ target: String) -> AnswerEngine.Response {
        let engine = AnswerEngine(registry: RendererRegistry(RendererRegistry.standard.renderers + [renderer]))
        return engine.answer(
            IncomingRequest(method: "GET", target: target, host: "example.com"), renderer: renderer, config: config,
            cache: AnswerCache())
    }

    @Test(
        "JSON and XML templates escape hostile addresses their own way",
        arguments: ["o'hara&co@example.com", "ünï@example.com", "a{b}|c=d@example.com", "x%41@example.com"])
    func hostileAddresses(_ address: String) throws {
        let (config, folder) = try Self.setUp(
            ["app.json.mustache": Self.json, "app.xml.mustache": Self.xml],
            templates: """
                  - { name: app-json, path: /app/config.json, content_type: application/json, file: app.json.mustache }
                  - { name: app-xml, path: "/xml/{email}/config.xml", content_type: application/xml, file: app.xml.mustache }
                """)
        let (renderers, issues) = TemplateCompiler.compile(config.templates, directory: folder)
        #expect(issues.isEmpty, "\(issues)")
        #expect(renderers.count == 2)
        let encoded = address.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? address
        let json = Self.answer(config, renderers[0], "/app/config.json?emailaddress=\(encoded)")
        #expect(json.status == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.body)) as? [String: Any])
        #expect(object["address"] as? String == (try EmailAddress(address)).description)
        #expect(object["name"] as? String == "Example <Mail> & \"Co\"")
        #expect(object["has_address"] as? Bool == true)
        let imap = try #require((object["imap"] as? [[String: Any]])?.first)
        #expect(imap["user"] as? String == (try EmailAddress(address)).description)
        let xml = Self.answer(config, renderers[1], "/xml/\(encoded)/config.xml")
        #expect(xml.status == 200)
        let text = String(decoding: xml.body, as: UTF8.self)
        #expect(!text.contains("<>") && !text.contains("& \"") && text.contains("Example &lt;Mail&gt; &amp; &quot;Co&quot;"))
        #expect(XMLParserCheck.wellFormed(xml.body), "\(text)")
        let parsed = try EmailAddress(address).description
        let escaped = parsed.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&#39;")
        #expect(
            text.contains("<who>\(escaped)</who>")
                || text.contains("<who>\(parsed.replacingOccurrences(of: "&", with: "&amp;"))</who>"), "\(text)")
        // Markup, quotes and line breaks never reach a template: such addresses are refused (400).
        for bad in ["a%3Cb%3E@example.com", "a%22b@example.com", "a%0D%0Ab@example.com"] {
            #expect(Self.answer(config, renderers[0], "/app/config.json?emailaddress=\(bad)").status == 400)
        }
    }

    @Test(
        "Each escaping mode escapes configuration values its own way",
        arguments: [
            ("html", "text/html", "Example &lt;Mail&gt; &amp; &quot;Co&quot;", "o&#39;hara&amp;co@example.com"),
            ("xml", "text/plain", "Example &lt;Mail&gt; &amp; &quot;Co&quot;", "o&#39;hara&amp;co@example.com"),
            // JSON strings with markup characters as \u escapes, so the document is safe inside HTML too.
            ("json", "text/plain", #"Example \u003cMail\u003e \u0026 \"Co\""#, #"o'hara\u0026co@example.com"#),
            ("none", "application/json", #"Example <Mail> & "Co""#, "o'hara&co@example.com"),
        ])
    func escapingModes(_ mode: String, _ contentType: String, _ expected: String, _ address: String) throws {
        let (config, folder) = try Self.setUp(
            ["app.mustache": "{{display_name}}|{{address}}"],
            templates: "  - { name: app, path: /app, content_type: \(contentType), file: app.mustache, escaping: \(mode) }")
        let renderer = try #require(TemplateCompiler.compile(config.templates, directory: folder).renderers.first)
        let answer = Self.answer(config, renderer, "/app?emailaddress=o%27hara%26co%40example.com")
        let body = String(decoding: answer.body, as: UTF8.self)
        #expect(body == expected + "|" + address, "\(body)")
    }

    @Test("Without an address the template says so; an unknown domain gets a plain 404")
    func withoutAddress() throws {
        let (config, folder) = try Self.setUp(
            ["app.json.mustache": Self.json],
            templates: "  - { name: app-json, path: /app/config.json, content_type: application/json, file: app.json.mustache }")
        let renderer = try #require(TemplateCompiler.compile(config.templates, directory: folder).renderers.first)
        let answer = Self.answer(config, renderer, "/app/config.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
        #expect(object["has_address"] as? Bool == false)
        #expect(object["address"] as? String == "")
        let unknown = Self.answer(config, renderer, "/app/config.json?emailaddress=a%40nowhere.invalid")
        #expect(unknown.status == 404 && unknown.contentType.hasPrefix("text/plain"))
    }

    @Test("An unknown domain gets the not_found template, with the address filled in")
    func notFoundTemplate() throws {
        let (config, folder) = try Self.setUp(
            ["app.mustache": "{{domain}}", "missing.mustache": "{\"error\": \"no settings for {{address}}\"}"],
            templates:
                "  - { name: app, path: /app, content_type: application/json, file: app.mustache, not_found: missing.mustache }")
        let renderer = try #require(TemplateCompiler.compile(config.templates, directory: folder).renderers.first)
        let answer = Self.answer(config, renderer, "/app?emailaddress=o%27hara%40nowhere.invalid")
        #expect(answer.status == 404 && answer.contentType == "application/json")
        #expect(String(decoding: answer.body, as: UTF8.self) == "{\"error\": \"no settings for o'hara@nowhere.invalid\"}")
    }

    @Test(
        "Bad templates are problems naming the file and line",
        arguments: [
            ("{{#imap}}{{host}}", "app.mustache:1:", "not closed"),
            ("line one\n{{hostname}}", "app.mustache:2:", "unknown variable 'hostname'"),
        ])
    func badTemplates(_ template: String, _ location: String, _ message: String) throws {
        let (config, folder) = try Self.setUp(
            ["app.mustache": template], templates: "  - { name: app, path: /app, content_type: text/plain, file: app.mustache }")
        let issues = TemplateCompiler.compile(config.templates, directory: folder).issues
        #expect(issues.count == 1)
        let text = issues.first?.description ?? ""
        #expect(text.contains(location) && text.lowercased().contains(message), "\(text)")
    }

    @Test(
        "Bad entries: a missing file, a route another format answers, two templates on one route",
        arguments: [
            ("  - { name: app, path: /app, content_type: text/plain, file: missing.mustache }", "no such readable file"),
            (
                "  - { name: app, path: /mail/config-v1.1.xml, content_type: text/plain, file: app.mustache }",
                "already answered by the thunderbird format"
            ),
            (
                "  - { name: a, path: /app, content_type: text/plain, file: app.mustache }\n  - { name: b, path: /app, content_type: text/plain, file: app.mustache }",
                "already answered by template a"
            ),
            (
                "  - { name: app, path: /app, content_type: text/plain, file: app.mustache, escaping: sql }",
                "is not one of xml, html, json, none"
            ),
        ])
    func badEntries(_ templates: String, _ message: String) throws {
        let (config, folder) = try Self.setUp(["app.mustache": "{{domain}}"], templates: templates)
        let issues = TemplateCompiler.compile(config.templates, directory: folder).issues
        #expect(issues.contains { $0.description.contains(message) && $0.description.contains("config.yaml:") }, "\(issues)")
    }
}

/// Well-formedness through the core's strict scanner.
enum XMLParserCheck {
    static func wellFormed(_ body: [UInt8]) -> Bool {
        (try? SafeXMLScanner(body).scan { _ in }) != nil
    }
}

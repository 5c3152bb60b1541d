import AutodiscoverCore
import Foundation
import Testing

/// The PACC document against the field list of draft-ietf-mailmaint-pacc-03 (protocols.md §5.6), written
/// here as a small schema: every key known, every value of its type, `https` URLs, `info.provider.name` given.
@Suite("PACC documents against the draft's fields")
struct PACCSchemaTests {
    indirect enum Schema: Sendable {
        case string, https, bool
        case object([String: Schema], required: Set<String> = [])
        case array(Schema)
    }

    static let hostOnly = Schema.object(["host": .string], required: ["host"])
    static let urlOnly = Schema.object(["url": .https], required: ["url"])
    static let schema = Schema.object(
        [
            "protocols": .object([
                "imap": hostOnly, "pop3": hostOnly, "submit": hostOnly, "managesieve": hostOnly,
                "jmap": urlOnly, "caldav": urlOnly, "carddav": urlOnly, "webdav": urlOnly,
            ]),
            "authentication": .object(["password": .bool, "oauth-public": .object(["issuer": .https], required: ["issuer"])]),
            "info": .object([
                "provider": .object(
                    ["name": .string, "shortName": .string, "logo": .array(.object(["url": .https, "content-type": .string]))],
                    required: ["name"]),
                "help": .object(["documentation": .https, "developer": .https, "contact": .array(.string)]),
            ]),
        ], required: ["protocols", "info"])

    static func problems(_ value: Any, _ schema: Schema, at path: String) -> [String] {
        switch schema {
        case .string: return value is String ? [] : ["\(path): not a string"]
        case .https: return (value as? String)?.hasPrefix("https://") == true ? [] : ["\(path): not an https URL"]
        case .bool: return value is Bool ? [] : ["\(path): not a boolean"]
        case .array(let item):
            guard let list = value as? [Any] else { return ["\(path): not an array"] }
            return list.enumerated().flatMap { problems($1, item, at: "\(path)[\($0)]") }
        case .object(let fields, let required):
            guard let object = value as? [String: Any] else { return ["\(path): not an object"] }
            var found = required.subtracting(object.keys).map { "\(path).\($0): missing" }
            for (key, child) in object {
                guard let field = fields[key] else {
                    found.append("\(path).\(key): not a field of the draft")
                    continue
                }
                found += problems(child, field, at: "\(path).\(key)")
            }
            return found
        }
    }

    @Test("Every fixture's document has only the draft's fields, of their types", arguments: GoldenFixture.all)
    func matchesDraft(fixture: GoldenFixture) throws {
        let renderer = try #require(RendererRegistry.standard[.pacc])
        let response = try fixture.response(renderer)
        guard response.status == 200 else { return }
        let document = try JSONSerialization.jsonObject(with: Data(response.body))
        #expect(Self.problems(document, Self.schema, at: "$") == [])
        let protocols = (document as? [String: Any])?["protocols"] as? [String: Any] ?? [:]
        #expect(protocols["smtp"] == nil, "-03 names submission `submit`")
    }

    @Test("password is true only when a listed service takes one")
    func password() throws {
        let config = try ConfigLoader().load(
            text: """
                domains:
                  oauth-only.example:
                    imap: { host: imap.oauth-only.example, auth: OAuth2 }
                    oauth2: { issuer: "https://login.oauth-only.example" }
                  mixed.example:
                    imap: { host: imap.mixed.example }
                    oauth2: { issuer: "https://login.mixed.example" }
                """, name: "pacc.yaml")
        let renderer = try #require(RendererRegistry.standard[.pacc])
        for (host, expected) in [("oauth-only.example", false), ("mixed.example", true)] {
            let request = IncomingRequest(
                method: "GET", target: "/.well-known/user-agent-configuration.json", host: "ua-auto-config.\(host)")
            let body = AnswerEngine().answer(request, renderer: renderer, config: config).body
            let document = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            let authentication = document?["authentication"] as? [String: Any]
            #expect(authentication?["password"] as? Bool == expected, "\(host)")
            #expect((authentication?["oauth-public"] as? [String: Any])?["issuer"] as? String == "https://login.\(host)")
        }
    }
}

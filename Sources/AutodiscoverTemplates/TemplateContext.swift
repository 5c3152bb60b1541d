import AutodiscoverCore
import Mustache

/// What a template sees: the domain's names, each service as a list, the address and its parts (markers
/// for slots), `has_address`. Built as dictionaries; for checking a template at load, as ``Scope``s that
/// note every name looked up and every name found.
struct TemplateContext {
    var root: Any

    /// The variables of one domain (a shape's markers where the domain's names go).
    static func domain(_ domain: MailDomain, hasAddress: Bool, recorder: NameRecorder? = nil) -> TemplateContext {
        var values = addressValues(hasAddress: hasAddress)
        values["domain"] = domain.name.ascii
        values["domain_unicode"] = domain.name.unicode
        values["display_name"] = domain.displayName
        values["display_short_name"] = domain.displayShortName
        for (key, servers) in [("imap", domain.imap), ("pop3", domain.pop3), ("smtp", domain.smtp), ("xmpp", domain.xmpp)] {
            values[key] = servers.map { server -> [String: Any] in
                [
                    "host": server.host, "port": String(server.port), "socket": server.security.rawValue,
                    "auth": server.authentication.rawValue, "username": TemplateMarkers.marker(.username(server.username)),
                ]
            }
        }
        for (key, service) in [
            ("activesync", domain.activeSync), ("caldav", domain.calDAV), ("carddav", domain.cardDAV), ("jmap", domain.jmap),
        ] {
            values[key] = service.map { [["url": $0.url, "username": TemplateMarkers.marker(.username($0.username))]] } ?? []
        }
        return TemplateContext(root: recorder.map { Scope(values, $0) } ?? values)
    }

    /// The variables of a request no domain answers (a `not_found` template): the address only.
    static func noDomain(hasAddress: Bool, recorder: NameRecorder? = nil) -> TemplateContext {
        let values = addressValues(hasAddress: hasAddress)
        return TemplateContext(root: recorder.map { Scope(values, $0) } ?? values)
    }

    private static func addressValues(hasAddress: Bool) -> [String: Any] {
        [
            "has_address": hasAddress,
            "address": hasAddress ? TemplateMarkers.marker(.address) : "",
            "local_part": hasAddress ? TemplateMarkers.marker(.localPart) : "",
            "address_domain": hasAddress ? TemplateMarkers.marker(.addressDomain) : "",
            "requested_domain": TemplateMarkers.marker(.requestedDomain),
        ]
    }

    /// Every variable name a template may use.
    static let names: Set<String> = [
        "domain", "domain_unicode", "display_name", "display_short_name", "imap", "pop3", "smtp", "xmpp", "activesync",
        "caldav", "carddav", "jmap", "host", "port", "socket", "auth", "username", "url", "address", "local_part",
        "address_domain", "requested_domain", "has_address",
    ]
}

/// Notes the names a template looks up and the ones some scope knew.
final class NameRecorder: @unchecked Sendable {
    var asked: [String] = []
    var found: Set<String> = []

    /// Names looked up that no scope had.
    var unknown: [String] {
        var seen = Set<String>()
        return asked.filter { !found.contains($0) && seen.insert($0).inserted }
    }
}

/// A dictionary that tells a ``NameRecorder`` what is asked of it.
struct Scope: MustacheParent {
    let values: [String: Any]
    let recorder: NameRecorder

    init(_ values: [String: Any], _ recorder: NameRecorder) {
        self.recorder = recorder
        self.values = values.mapValues { value in
            if let list = value as? [[String: Any]] { return list.map { Scope($0, recorder) } }
            return value
        }
    }

    func child(named name: String) -> Any? {
        recorder.asked.append(name)
        let value = values[name]
        if value != nil { recorder.found.insert(name) }
        return value
    }
}

/// A `source: dns` domain's settings from its live records: RFC 6186/8314 SRV for mail, RFC 6764 SRV and
/// TXT `path=` for CalDAV/CardDAV, XMPP's SRV, the seed's `_autodiscover._tcp` and `_airsync._tcp`.
///
/// Servers are ordered as RFC 2782 says (priority; then, in place of the weighted random pick, heavier
/// first), implicit TLS before STARTTLS at equal priority (RFC 8314 §5.1); a `.` target means the service is
/// not offered. What the YAML entry gives beside `source: dns` (display names, a service's `auth` and
/// `username`) applies on top.
public enum DNSDomainBuilder {
    /// What a lookup came to.
    public enum Outcome: Sendable, Equatable {
        /// The domain with its looked-up services (state `.fresh`), and the smallest TTL among the records.
        case resolved(MailDomain, ttl: Int)
        /// The name does not exist, or publishes no service.
        case absent
        /// Some question had no answer (timeout, server failure): keep what was known.
        case failed(String)
    }

    /// The SRV names, in the order of ``questions(for:)``.
    static let srvLabels = [
        "_imaps._tcp", "_imap._tcp", "_pop3s._tcp", "_pop3._tcp", "_submissions._tcp", "_submission._tcp",
        "_xmpps-client._tcp", "_xmpp-client._tcp", "_caldavs._tcp", "_carddavs._tcp", "_autodiscover._tcp",
        "_airsync._tcp", "_jmap._tcp",
    ]
    /// The TXT names (`path=`), after the SRV ones.
    static let txtLabels = ["_caldavs._tcp", "_carddavs._tcp"]

    /// How many questions a domain's lookup asks.
    public static var questionCount: Int { srvLabels.count + txtLabels.count }

    /// Every question a domain's lookup asks; ``build(_:answers:)`` reads the answers in this order.
    public static func questions(for name: DomainName) -> [DNSQuestion] {
        srvLabels.map { DNSQuestion(name: "\($0).\(name.ascii).", type: .srv) }
            + txtLabels.map { DNSQuestion(name: "\($0).\(name.ascii).", type: .txt) }
    }

    /// The domain as its records describe it; `configured` is the YAML entry (its state `.pending` or earlier).
    public static func build(_ configured: MailDomain, answers: [DNSFound]) -> Outcome {
        guard answers.count == srvLabels.count + txtLabels.count else { return .failed("wrong number of answers") }
        var ttl = Int.max
        var srv: [String: [(priority: Int, weight: Int, port: Int, target: String)]] = [:]
        var txt: [String: [[String]]] = [:]
        var allMissing = true
        for (index, found) in answers.enumerated() {
            let label = index < srvLabels.count ? srvLabels[index] : txtLabels[index - srvLabels.count]
            switch found {
            case .failure(let message):
                return .failed("\(label).\(configured.name.ascii): \(message)")
            case .nxdomain, .noData, .alias:
                continue
            case .records(let values, let recordTTL):
                allMissing = false
                ttl = min(ttl, recordTTL)
                for value in values {
                    switch value {
                    case .srv(let priority, let weight, let port, let target):
                        // `.` (or port 0): decidedly not offered.
                        guard target != ".", port != 0 else { continue }
                        srv[label, default: []].append(
                            (priority, weight, port, String(target.dropLast(target.hasSuffix(".") ? 1 : 0))))
                    case .txt(let strings):
                        txt[label, default: []].append(strings)
                    case .cname:
                        continue
                    }
                }
            }
        }
        if allMissing { return .absent }

        var domain = configured
        func servers(_ kind: ServiceKind, tls: String, starttls: String) -> [MailServer] {
            let override = configured.servers(kind).first
            let candidates =
                (srv[tls] ?? []).map { ($0, ConnectionSecurity.ssl) }
                + (srv[starttls] ?? []).map { ($0, ConnectionSecurity.starttls) }
            return candidates.sorted { a, b in
                if a.0.priority != b.0.priority { return a.0.priority < b.0.priority }
                if a.1 != b.1 { return a.1 == .ssl }
                if a.0.weight != b.0.weight { return a.0.weight > b.0.weight }
                return (a.0.target, a.0.port) < (b.0.target, b.0.port)
            }.map { record, security in
                MailServer(
                    kind: kind, host: record.target.lowercased(), port: record.port, security: security,
                    authentication: override?.authentication ?? .passwordCleartext, username: override?.username ?? .address)
            }
        }
        domain.imap = servers(.imap, tls: "_imaps._tcp", starttls: "_imap._tcp")
        domain.pop3 = servers(.pop3, tls: "_pop3s._tcp", starttls: "_pop3._tcp")
        domain.smtp = servers(.smtp, tls: "_submissions._tcp", starttls: "_submission._tcp")
        domain.xmpp = servers(.xmpp, tls: "_xmpps-client._tcp", starttls: "_xmpp-client._tcp")

        /// The preferred record of a name (lowest priority, heaviest).
        func best(_ label: String) -> (port: Int, target: String)? {
            (srv[label] ?? []).min { a, b in a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight }
                .map { ($0.port, $0.target.lowercased()) }
        }
        func web(_ kind: ServiceKind, _ label: String, path: String?) -> WebService? {
            guard let (port, host) = best(label) else { return nil }
            let path = path ?? "/"
            let url = "https://\(host)\(port == 443 ? "" : ":\(port)")\(path)"
            return WebService(
                kind: kind, url: url, host: host, port: port, path: path,
                username: configured.webService(kind)?.username ?? .address)
        }
        /// RFC 6764 §4: a TXT `path=` key names the context path; without one, the well-known URI.
        func contextPath(_ label: String, wellKnown: String) -> String {
            for strings in txt[label] ?? [] {
                for string in strings where string.hasPrefix("path=") {
                    let path = String(string.dropFirst(5))
                    if path.hasPrefix("/") { return path }
                }
            }
            return wellKnown
        }
        domain.calDAV = web(.caldav, "_caldavs._tcp", path: contextPath("_caldavs._tcp", wellKnown: "/.well-known/caldav"))
        domain.cardDAV = web(.carddav, "_carddavs._tcp", path: contextPath("_carddavs._tcp", wellKnown: "/.well-known/carddav"))
        domain.activeSync = web(.activesync, "_airsync._tcp", path: "/Microsoft-Server-ActiveSync")
        // RFC 8620 §2.2: the session resource is at /.well-known/jmap on the SRV target.
        domain.jmap = web(.jmap, "_jmap._tcp", path: "/.well-known/jmap")
        if let (port, host) = best("_autodiscover._tcp") { domain.autodiscover = AutodiscoverEndpoint(host: host, port: port) }

        let offersSomething =
            !domain.imap.isEmpty || !domain.pop3.isEmpty || !domain.smtp.isEmpty || !domain.xmpp.isEmpty
            || domain.activeSync != nil || domain.calDAV != nil || domain.cardDAV != nil || domain.jmap != nil
        guard offersSomething else { return .absent }
        domain.dnsState = .fresh
        return .resolved(domain, ttl: ttl == Int.max ? 0 : ttl)
    }
}

/// Works out the DNS records a configuration implies, from the same resolved settings the server answers
/// with: RFC 6186/8314 SRV for mail, RFC 6764 SRV and TXT for CalDAV/CardDAV, XMPP's SRV (RFC 6120,
/// XEP-0368), the seed's `_autodiscover._tcp` and `_airsync._tcp`, CNAMEs for the service's host names,
/// and the PACC digest (draft-ietf-mailmaint-pacc-03) of the exact document the server sends.
public struct DNSPlanner: Sendable {
    public let config: Configuration
    /// Where `autoconfig.D`, `autodiscover.D` and `ua-auto-config.D` point; nil writes no CNAMEs.
    public let serviceHost: DomainName?
    public let ttl: Int
    private let engine: AnswerEngine
    private let pacc: (any Renderer)?

    /// The host labels that name the service for a domain, each a CNAME to the service host.
    public static let serviceLabels = ["autoconfig", "autodiscover", "ua-auto-config"]

    public init(config: Configuration, serviceHost: DomainName? = nil, ttl: Int = 3600, registry: RendererRegistry = .standard) {
        self.config = config
        self.serviceHost = serviceHost ?? config.server.publicHost
        self.ttl = ttl
        self.engine = AnswerEngine(registry: registry)
        self.pacc = registry[.pacc]
    }

    /// A `--domain` that no configured name serves.
    public struct UnknownDomain: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "no configured domain, alias or wildcard serves \(name)" }
    }

    /// The names to write records for: each one asked for (any name the config serves, a wildcard's
    /// subdomain too), or every configured domain and alias that is not a wildcard. Sorted, without repeats.
    public func names(_ asked: [String] = []) throws -> [DomainName] {
        var names: [DomainName] = []
        if asked.isEmpty {
            for domain in config.domains where !domain.isWildcard {
                names.append(domain.name)
                names.append(contentsOf: domain.aliases)
            }
        } else {
            for text in asked {
                guard let name = try? DomainName(text), config.resolve(name) != nil else { throw UnknownDomain(name: text) }
                names.append(name)
            }
        }
        return Array(Set(names)).sorted()
    }

    /// The records for one name; nil when no configured domain serves it.
    public func records(for name: DomainName) -> DomainRecords? {
        guard let found = config.resolve(name) else { return nil }
        let own = found.domain
        var note = own.pattern == name.ascii ? name.ascii : "\(name.ascii): \(found.match.rawValue) of \(own.pattern)"
        var records: [DNSRecord] = []
        let origin = DNSName.absolute(name.ascii)
        func add(_ label: String, _ data: DNSRecordData) {
            records.append(DNSRecord(owner: "\(label).\(origin)", ttl: ttl, data: data))
        }

        // The settings clients get: an address redirect is followed the way the server follows it.
        var settings: MailDomain? = own
        var hops = 0
        while case .addressDomain(let target)? = settings?.redirect {
            hops += 1
            guard hops <= 8, let next = config.resolve(target) else {
                settings = nil
                break
            }
            settings = next.domain
            note += ", redirected to \(target.ascii)"
        }
        if case .url(let url)? = settings?.redirect {
            note += ", redirected to \(url) (Outlook only: no mail service records)"
            settings = nil
        }

        if own.source == .dns {
            note += " (source: dns: its service records are the source of its answers and are not written here)"
        } else if let settings {
            let pairs: [(ServiceKind, tls: String, starttls: String)] = [
                (.imap, "_imaps._tcp", "_imap._tcp"), (.pop3, "_pop3s._tcp", "_pop3._tcp"),
                (.smtp, "_submissions._tcp", "_submission._tcp"), (.xmpp, "_xmpps-client._tcp", "_xmpp-client._tcp"),
            ]
            for (kind, tls, starttls) in pairs {
                let servers = settings.servers(kind)
                if servers.isEmpty {
                    add(tls, .notOffered)
                    add(starttls, .notOffered)
                }
                // Priority follows the configured order across both names (RFC 6186 §3.4 compares them).
                for (priority, server) in servers.enumerated() {
                    add(
                        server.security == .ssl ? tls : starttls,
                        .srv(priority: priority, weight: 1, port: server.port, target: DNSName.absolute(server.host)))
                }
            }
            for (kind, secure, cleartext) in [
                (ServiceKind.caldav, "_caldavs._tcp", "_caldav._tcp"), (.carddav, "_carddavs._tcp", "_carddav._tcp"),
            ] {
                if let service = settings.webService(kind) {
                    add(secure, .srv(priority: 0, weight: 1, port: service.port, target: DNSName.absolute(service.host)))
                    add(secure, .txt(["path=\(service.path)"]))
                } else {
                    add(secure, .notOffered)
                }
                add(cleartext, .notOffered)
            }
            if let activeSync = settings.activeSync {
                add(
                    "_airsync._tcp",
                    .srv(priority: 0, weight: 1, port: activeSync.port, target: DNSName.absolute(activeSync.host)))
            }
            // RFC 8620 §2.2: clients find https://HOST:PORT/.well-known/jmap from it.
            if let jmap = settings.jmap {
                add("_jmap._tcp", .srv(priority: 0, weight: 1, port: jmap.port, target: DNSName.absolute(jmap.host)))
            }
        }
        let autodiscoverHost = own.autodiscover.host ?? "autodiscover.\(name.ascii)"
        add(
            "_autodiscover._tcp",
            .srv(priority: 0, weight: 1, port: own.autodiscover.port, target: DNSName.absolute(autodiscoverHost)))
        if let serviceHost {
            let target = DNSName.absolute(serviceHost.ascii)
            for label in Self.serviceLabels where !DNSName.same("\(label).\(origin)", target) {
                add(label, .cname(target))
            }
        }
        if let body = paccDocument(for: name) {
            add("_ua-auto-config", .txt([PACCDigestRecord(document: body).text]))
        }
        return DomainRecords(domain: name, note: note, records: records)
    }

    /// The PACC document's bytes exactly as the server sends them for `name`, or nil when it answers none.
    public func paccDocument(for name: DomainName) -> [UInt8]? {
        guard let pacc else { return nil }
        let request = IncomingRequest(method: "GET", target: pacc.routes[0].path, host: name.ascii)
        let response = engine.answer(request, renderer: pacc, config: config)
        return response.status == 200 ? response.body : nil
    }
}

#if canImport(Dispatch)
import Dispatch
#endif

extension DNSPlanner {
    /// Each name's records as text (`format`: `zoneText`, `jsonLine`), made on both cores a batch at a
    /// time and handed to `write` in the names' order.
    public func write(_ names: [DomainName], as format: @escaping @Sendable (DomainRecords) -> String, to write: (String) -> Void)
    {
        let batch = 8192
        var start = 0
        while start < names.count {
            let slice = names[start..<min(names.count, start + batch)]
            let workers = slice.count >= 1024 ? 2 : 1
            let results = ParallelResults<String>(count: workers)
            let planner = self
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let from = slice.startIndex + slice.count * worker / workers
                let to = slice.startIndex + slice.count * (worker + 1) / workers
                var text = ""
                for name in slice[from..<to] {
                    guard let records = planner.records(for: name) else { continue }
                    text += format(records)
                }
                results[worker] = text
            }
            for worker in 0..<workers {
                if let text = results.take(worker) { write(text) }
            }
            start += batch
        }
    }
}

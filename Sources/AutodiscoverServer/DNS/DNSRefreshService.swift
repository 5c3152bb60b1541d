import AutodiscoverCore
import AutodiscoverDNS
import Dispatch
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Looks up the `source: dns` domains off the request path and keeps them current.
///
/// At start and after every reload, every such domain is looked up (at most `server.dns.parallel`
/// questions in flight); each is looked up again when the smallest TTL of its records runs out (clamped to
/// `min_ttl`…`max_ttl`). A lookup that fails keeps the last good answer, marked stale, and is retried
/// after 1, 2, 4 … seconds (at most `max_ttl`). What changes goes live through ``ConfigStore/applyLookups(_:)``:
/// the domains' answers are prepared like every other domain's.
///
/// The resolver runs on a queue of its own: one lookup round at a time, never on an event loop.
public final class DNSRefreshService: Service, @unchecked Sendable {
    let store: ConfigStore
    let metrics: ServerMetrics
    let logger: Logger
    private let queue = DispatchQueue(label: "autodiscover.dns")
    // Touched on `queue` only.
    private var resolver: DNSResolver?
    private var resolverSettings: DNSSettings?
    private var schedule: [String: Entry] = [:]
    private var pendingPass: DispatchWorkItem?
    private var stopped = false

    private struct Entry {
        var due: ContinuousClock.Instant
        var failures: Int
    }

    public init(store: ConfigStore, metrics: ServerMetrics, logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
        store.onWanted { [weak self] in self?.trigger() }
    }

    public func run() async throws {
        let outcomes = store.outcomes()
        trigger()
        for await outcome in outcomes.cancelOnGracefulShutdown() {
            if case .reloaded = outcome { trigger() }
        }
        queue.sync {
            stopped = true
            pendingPass?.cancel()
        }
    }

    /// Runs a round now (on the service's queue).
    public func trigger() {
        queue.async { self.pass() }
    }

    /// Looks up every domain that is due, applies what changed, and schedules the next round.
    private func pass() {
        guard !stopped else { return }
        pendingPass?.cancel()
        pendingPass = nil
        let config = store.current.config
        let settings = config.server.dns
        var names: [String: MailDomain] = [:]
        for index in config.dnsDomainIndices where !config.domains[index].isWildcard {
            names[config.domains[index].name.ascii] = config.domains[index]
        }
        // Names a client asked for under a `source: dns` wildcard, not looked up yet.
        for name in store.wantedNames where names[name] == nil {
            if let domainName = try? DomainName(name), let domain = config.dnsWildcardDomain(for: domainName) {
                names[name] = domain
            }
        }
        var forgotten: [String: ConfigStore.DNSLookup?] = [:]
        for name in schedule.keys where names[name] == nil {
            schedule[name] = nil
            forgotten[name] = .some(nil)
        }
        store.applyLookups(forgotten)
        let now = ContinuousClock.now
        let started = now
        let due = names.keys.filter { schedule[$0].map { $0.due <= now } ?? true }.sorted()
        if !due.isEmpty {
            lookUp(due, names: names, settings: settings)
        }
        if !store.dnsReady {
            store.markLookedUp()
            let seconds = ((ContinuousClock.now - started) / .milliseconds(1)).rounded(.down) / 1000
            logger.info(
                "Domains looked up in DNS",
                metadata: [
                    "autodiscover.dns.domains": "\(names.count)",
                    "autodiscover.dns.questions": "\(due.count * DNSDomainBuilder.questionCount)",
                    "autodiscover.dns.seconds": "\(seconds)",
                ])
        }
        metrics.dnsDomains(store.current.config)
        scheduleNext()
    }

    private func lookUp(_ due: [String], names: [String: MailDomain], settings: DNSSettings) {
        guard let resolver = resolver(for: settings) else {
            for name in due { failed(name, settings: settings) }
            return
        }
        let started = ContinuousClock.now
        var questions: [DNSQuestion] = []
        for name in due { questions += DNSDomainBuilder.questions(for: names[name]!.name) }
        let answers = resolver.resolve(questions, parallel: settings.parallel)
        metrics.dnsLookups(answers)
        let perDomain = questions.count / due.count
        var changes: [String: ConfigStore.DNSLookup?] = [:]
        var failures = 0
        for (offset, name) in due.enumerated() {
            let chunk = Array(answers[(offset * perDomain)..<((offset + 1) * perDomain)])
            let previous = store.lookup(name)
            switch DNSDomainBuilder.build(names[name]!, answers: chunk) {
            case .resolved(_, let ttl):
                schedule[name] = Entry(due: .now + clamp(.seconds(ttl), settings), failures: 0)
                let lookup = ConfigStore.DNSLookup(answers: chunk)
                if previous != lookup { changes[name] = lookup }
            case .absent:
                schedule[name] = Entry(due: .now + clamp(.seconds(60), settings), failures: 0)
                let lookup = ConfigStore.DNSLookup(answers: chunk)
                if previous != lookup { changes[name] = lookup }
            case .failed(let reason):
                failures += 1
                if failures <= 3 {
                    logger.warning(
                        "DNS lookup failed; the last answer stays",
                        metadata: ["autodiscover.domain": "\(name)", "autodiscover.reason": "\(reason)"])
                }
                failed(name, settings: settings)
                if var stale = previous, !stale.stale {
                    stale.stale = true
                    changes[name] = stale
                }
            }
        }
        store.applyLookups(changes)
        let seconds = ((ContinuousClock.now - started) / .milliseconds(1)).rounded(.down) / 1000
        logger.debug(
            "DNS round",
            metadata: [
                "autodiscover.dns.domains": "\(due.count)", "autodiscover.dns.questions": "\(questions.count)",
                "autodiscover.dns.changed": "\(changes.count)", "autodiscover.dns.failed": "\(failures)",
                "autodiscover.dns.seconds": "\(seconds)",
            ])
    }

    /// A failed lookup: retried after 1, 2, 4 … seconds, never later than `max_ttl`.
    private func failed(_ name: String, settings: DNSSettings) {
        let failures = (schedule[name]?.failures ?? 0) + 1
        let backoff = min(Duration.seconds(1 << min(failures - 1, 20)), settings.maxTTL)
        schedule[name] = Entry(due: .now + backoff, failures: failures)
    }

    private func clamp(_ ttl: Duration, _ settings: DNSSettings) -> Duration {
        min(max(ttl, settings.minTTL), settings.maxTTL)
    }

    /// The resolver for these settings (made again when they change).
    private func resolver(for settings: DNSSettings) -> DNSResolver? {
        if let resolver, resolverSettings == settings { return resolver }
        do {
            resolver = try DNSResolver(nameservers: settings.nameservers, timeout: settings.timeout)
            resolverSettings = settings
        } catch {
            logger.error("DNS resolver could not be set up", metadata: ["autodiscover.reason": "\(error)"])
            resolver = nil
        }
        return resolver
    }

    private func scheduleNext() {
        guard let next = schedule.values.map(\.due).min() else { return }
        let delay = max(Duration.zero, next - .now)
        let item = DispatchWorkItem { [weak self] in self?.pass() }
        pendingPass = item
        let (seconds, attoseconds) = delay.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000) + 1_000_000
        queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds), execute: item)
    }
}

import AutodiscoverCore
import AutodiscoverTemplates
import Dispatch
import Logging
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc

/// glibc's `malloc_trim` (in `<malloc.h>`, which the Glibc module does not export).
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
#endif

/// The live configuration: one immutable snapshot, replaced whole by a reload.
///
/// Requests read ``current`` and keep that snapshot for their whole answer, so no request ever
/// sees a half-loaded config. A reload loads and validates off to the side; only a valid result is
/// swapped in, and a failing one leaves the running snapshot untouched.
public final class ConfigStore: Sendable {
    /// One loaded configuration and its generation number (1 for the first load, +1 per successful reload).
    ///
    /// A class: a request takes it with one retain, not one per field of the configuration.
    public final class Snapshot: Sendable {
        public let config: Configuration
        public let generation: Int
        /// Routes and renders requests: the built-in formats and this configuration's templates.
        public let engine: AnswerEngine
        /// Answers prepared from this configuration (dropped with it on reload).
        public let answers = AnswerCache()

        init(config: Configuration, generation: Int, engine: AnswerEngine) {
            self.config = config
            self.generation = generation
            self.engine = engine
        }
    }

    /// The result of one reload attempt, as reported to ``outcomes()`` subscribers.
    public enum ReloadOutcome: Sendable, Equatable {
        case reloaded(generation: Int)
        case rejected(problems: Int)
    }

    /// The file loaded, or nil for the built-in default.
    public let path: String?
    private let logger: Logger?
    private let box: NIOLockedValueBox<Snapshot>
    /// Held by whatever replaces the snapshot (a reload, new DNS lookups) while it builds the replacement,
    /// so the two never overwrite each other's work; requests never take it.
    private let updates = NIOLock()
    private let observers = NIOLockedValueBox<[AsyncStream<ReloadOutcome>.Continuation]>([])
    /// What the lookups of `source: dns` domains found, by domain name: applied to each configuration
    /// loaded, so a reload keeps serving what DNS said (and a failed lookup keeps the last good answer).
    private let lookups = NIOLockedValueBox<[String: DNSLookup]>([:])
    /// False until the first round of lookups of `source: dns` domains is done (`/readyz` says so).
    private let lookedUp = NIOLockedValueBox<Bool>(false)
    /// Names asked for that only a `source: dns` wildcard serves, waiting for their first lookup, and who
    /// to tell when one is added.
    private let wanted = NIOLockedValueBox<Set<String>>([])
    private let wantedListener = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)
    /// The most names under `source: dns` wildcards looked up and kept (each one asked for by a client):
    /// requests for random names cannot grow the configuration without bound.
    public static let maxWildcardNames = 10_000

    /// The last lookup of one `source: dns` domain: its answers (in ``DNSDomainBuilder/questions(for:)``'s
    /// order) and whether they are from the latest lookup.
    public struct DNSLookup: Sendable, Equatable {
        public var answers: [DNSFound]
        public var stale: Bool

        public init(answers: [DNSFound], stale: Bool = false) {
            self.answers = answers
            self.stale = stale
        }
    }

    /// Every reload outcome from now on (tests wait on this instead of polling).
    public func outcomes() -> AsyncStream<ReloadOutcome> {
        let (stream, continuation) = AsyncStream.makeStream(of: ReloadOutcome.self)
        observers.withLockedValue { $0.append(continuation) }
        return stream
    }

    private func notify(_ outcome: ReloadOutcome) {
        for observer in observers.withLockedValue({ $0 }) { observer.yield(outcome) }
    }

    /// Loads the first configuration; throws when it is invalid, so `serve` refuses to start.
    public init(path: String?, logger: Logger? = nil) throws(ConfigError) {
        self.path = path
        self.logger = logger
        let (config, engine) = try ConfigStore.load(path)
        let snapshot = Snapshot(config: config, generation: 1, engine: engine)
        lookedUp.withLockedValue { $0 = config.dnsDomainIndices.isEmpty }
        box = NIOLockedValueBox(snapshot)
        Self.returnFreedMemory()
        warnOfNotices(config)
        shareAnswers(snapshot)
    }

    /// Wraps an already loaded configuration (tests).
    public init(config: Configuration, path: String?) {
        self.path = path
        self.logger = nil
        let compiled = TemplateCompiler.compile(config)
        let snapshot = Snapshot(config: config, generation: 1, engine: Self.engine(compiled.renderers))
        lookedUp.withLockedValue { $0 = config.dnsDomainIndices.isEmpty }
        box = NIOLockedValueBox(snapshot)
        shareAnswers(snapshot)
    }

    /// The snapshot requests use now.
    public var current: Snapshot { box.withLockedValue { $0 } }

    /// Loads the file again; on success swaps it in and returns the new snapshot, else keeps the old one.
    public func reload() -> Result<Snapshot, ConfigError> {
        let loaded: Configuration
        let engine: AnswerEngine
        do {
            (loaded, engine) = try ConfigStore.load(path)
        } catch {
            notify(.rejected(problems: error.issues.count))
            return .failure(error)
        }
        let (snapshot, previous) = updates.withLock { () -> (Snapshot, Snapshot) in
            // The last lookups apply to the new file's `source: dns` domains as they did to the old ones'
            // (built before the swap: requests take `box` and must not wait for it).
            let withLookups = Self.applying(lookups.withLockedValue { $0 }, to: loaded, only: nil)
            return box.withLockedValue { current in
                let previous = current
                current = Snapshot(config: withLookups, generation: current.generation + 1, engine: engine)
                return (current, previous)
            }
        }
        release(consume previous)
        warnOfNotices(loaded)
        shareAnswers(snapshot)
        notify(.reloaded(generation: snapshot.generation))
        return .success(snapshot)
    }

    /// True once the `source: dns` domains have been looked up once (or there are none).
    public var dnsReady: Bool { lookedUp.withLockedValue { $0 } }

    /// Marks the first round of lookups done.
    public func markLookedUp() { lookedUp.withLockedValue { $0 = true } }

    /// Asks for a name that a `source: dns` wildcard serves to be looked up (a request for it got 503).
    /// Nothing happens once ``maxWildcardNames`` names are known.
    public func want(_ name: DomainName) {
        let known = lookups.withLockedValue { $0.count }
        let added = wanted.withLockedValue { wanted -> Bool in
            guard wanted.count + known < Self.maxWildcardNames else { return false }
            return wanted.insert(name.ascii).inserted
        }
        if added { wantedListener.withLockedValue { $0 }?() }
    }

    /// The names waiting for their first lookup (see ``want(_:)``).
    public var wantedNames: Set<String> { wanted.withLockedValue { $0 } }

    /// Who is told when a name is wanted (the refresher).
    public func onWanted(_ listener: @escaping @Sendable () -> Void) {
        wantedListener.withLockedValue { $0 = listener }
    }

    /// The last lookup of a `source: dns` domain, by name.
    public func lookup(_ name: String) -> DNSLookup? { lookups.withLockedValue { $0[name] } }

    /// Takes new lookups of `source: dns` domains (by name; nil forgets one) and, when they change what is
    /// answered, swaps in the live configuration with those domains rebuilt (same generation: the file did
    /// not change). Prepared answers of the old snapshot are dropped with it.
    public func applyLookups(_ changes: [String: DNSLookup?]) {
        guard !changes.isEmpty else { return }
        let previous = updates.withLock { () -> Snapshot? in
            let merged = lookups.withLockedValue { lookups -> [String: DNSLookup] in
                for (name, lookup) in changes { lookups[name] = lookup }
                return lookups
            }
            wanted.withLockedValue { wanted in
                for (name, lookup) in changes where lookup != nil { wanted.remove(name) }
            }
            // Built outside `box`, which requests take; `updates` keeps a reload from swapping in between.
            let live = current
            let config = Self.applying(merged, to: live.config, only: Set(changes.keys))
            guard config !== live.config else { return nil }
            return box.withLockedValue { current in
                let previous = current
                current = Snapshot(config: config, generation: current.generation, engine: current.engine)
                return previous
            }
        }
        if let previous {
            release(previous)
            shareAnswers(current)
        }
    }

    /// `config` with its `source: dns` domains (those named in `only`, or all) built from `lookups`.
    private static func applying(_ lookups: [String: DNSLookup], to config: Configuration, only: Set<String>?) -> Configuration {
        var changes: [Int: MailDomain] = [:]
        for index in config.dnsDomainIndices {
            let domain = config.domains[index]
            guard only?.contains(domain.name.ascii) ?? true, !domain.isWildcard else { continue }
            var configured = domain
            configured.dnsState = .pending
            guard let lookup = lookups[domain.name.ascii] else {
                if domain.dnsState != .pending { changes[index] = configured }
                continue
            }
            var built: MailDomain
            switch DNSDomainBuilder.build(configured, answers: lookup.answers) {
            case .resolved(let resolved, _):
                built = resolved
                built.dnsState = lookup.stale ? .stale : .fresh
            case .absent:
                built = configured
                built.dnsState = .absent
            case .failed:
                built = configured
            }
            if built != domain { changes[index] = built }
        }
        // Names under a `source: dns` wildcard that were looked up: domains of their own from now on.
        var added: [MailDomain] = []
        for (name, lookup) in lookups where only?.contains(name) ?? true {
            guard let domainName = try? DomainName(name), let configured = config.dnsWildcardDomain(for: domainName) else {
                continue
            }
            switch DNSDomainBuilder.build(configured, answers: lookup.answers) {
            case .resolved(var resolved, _):
                resolved.dnsState = lookup.stale ? .stale : .fresh
                added.append(resolved)
            case .absent:
                var absent = configured
                absent.dnsState = .absent
                added.append(absent)
            case .failed:
                continue
            }
        }
        return changes.isEmpty && added.isEmpty ? config : config.replacing(changes, adding: added.sorted { $0.name < $1.name })
    }

    /// Frees a replaced configuration off the reload's path and off the event loops, then hands the heap
    /// back: the new configuration is already live. Freeing 100,000 domains takes 0.1-0.3 s of one core
    /// (0.3 s under load), and the heap trim after it another 0.07-0.19 s; done inside the lock requests
    /// take, it stalled them, and done on an event loop (by the last request still holding the old
    /// snapshot) it would stall that loop. So this waits, briefly, until it holds the only reference.
    private func release(_ previous: consuming Snapshot) {
        let held = Held(previous)
        DispatchQueue.global(qos: .utility).async {
            // Requests hold a snapshot for microseconds; a grouping task of the old generation for up
            // to a second, and then frees it on its own background thread.
            var waits = 0
            while !isKnownUniquelyReferenced(&held.snapshot), waits < 1000 {
                usleep(1000)
                waits += 1
            }
            held.snapshot = nil
            Self.returnFreedMemory()
        }
    }

    /// A replaced snapshot on its way to being freed (moved in, so no other reference is left behind).
    private final class Held: @unchecked Sendable {
        var snapshot: Snapshot?
        init(_ snapshot: consuming Snapshot) { self.snapshot = snapshot }
    }

    /// Logs what a configuration now live asks for that the service does not do (``Configuration/notices``),
    /// on the first load and on every reload.
    private func warnOfNotices(_ config: Configuration) {
        for notice in config.notices {
            logger?.warning("Configuration notice", metadata: ["autodiscover.notice": "\(notice)"])
        }
    }

    /// Groups the new configuration's domains by shape in the background, once it is live: requests
    /// are answered meanwhile, each domain on its own.
    private func shareAnswers(_ snapshot: Snapshot) {
        let logger = logger
        DispatchQueue.global(qos: .utility).async { [weak self] in
            // Replaced again meanwhile (reloads in quick succession): the newer one is grouped instead.
            guard let self, self.current.generation == snapshot.generation else { return }
            let start = ContinuousClock.now
            let (shapes, domains) = snapshot.answers.shareAnswers(of: snapshot.config)
            let seconds = ((ContinuousClock.now - start) / .milliseconds(1)).rounded(.down) / 1000
            logger?.info(
                "Answers shared",
                metadata: [
                    "autodiscover.config.generation": "\(snapshot.generation)",
                    "autodiscover.shapes": "\(shapes)",
                    "autodiscover.domains.sharing": "\(domains)",
                    "autodiscover.shapes.seconds": "\(seconds)",
                ])
        }
    }

    /// Loading a large file parses into buffers several times the size of what is kept; glibc keeps
    /// freed heap for reuse, so hand it back to the system once a load is done (100,000 domains: the
    /// resident size after start drops by more than half).
    private static func returnFreedMemory() {
        #if canImport(Glibc)
        _ = mallocTrim(0)
        #endif
    }

    /// Loads the file and compiles its templates: a problem in either fails the load.
    private static func load(_ path: String?) throws(ConfigError) -> (Configuration, AnswerEngine) {
        let config =
            if let path { try ConfigLoader().load(path: path) } else {
                try ConfigLoader().load(text: DefaultConfiguration.text, name: DefaultConfiguration.name)
            }
        let compiled = TemplateCompiler.compile(config)
        if !compiled.issues.isEmpty { throw ConfigError(issues: compiled.issues) }
        return (config, engine(compiled.renderers))
    }

    static func engine(_ templates: [any Renderer]) -> AnswerEngine {
        templates.isEmpty
            ? AnswerEngine() : AnswerEngine(registry: RendererRegistry(RendererRegistry.standard.renderers + templates))
    }
}

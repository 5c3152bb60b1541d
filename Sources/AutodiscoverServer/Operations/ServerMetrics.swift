import AutodiscoverCore
import CoreMetrics
import NIOConcurrencyHelpers
import NIOCore
import Prometheus

#if canImport(Glibc)
import Glibc
#endif

/// The service's metrics, served at `/metrics` in the Prometheus text format: the configuration's and
/// reloads' through swift-metrics into a Prometheus registry; requests (`autodiscover_requests_total`,
/// `autodiscover_request_duration_seconds`) counted by each event loop on its own (``RequestTally``) and
/// added up when scraped; log lines dropped while the log's reader was behind
/// (`autodiscover_log_lines_dropped_total`, from ``LogOutput``: the one sign of a stalled log that is not in
/// the log).
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Latency bucket bounds, nanoseconds.
    private static let bounds: [Int64] = [
        50_000, 100_000, 250_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 50_000_000, 250_000_000,
    ]
    /// One tally for each event loop that has served a connection, and one for requests counted elsewhere.
    private let tallies: NIOLockedValueBox<[ObjectIdentifier: RequestTally]>
    private let shared = RequestTally(bounds: ServerMetrics.bounds)
    private let generation: CoreMetrics.Gauge
    private let domains: CoreMetrics.Gauge
    private let reloadsOK: CoreMetrics.Counter
    private let reloadsFailed: CoreMetrics.Counter
    private let lastReloadSuccess: CoreMetrics.Gauge
    /// Seconds until the profile signer's certificate expires (absent without `signing:`).
    private let signerExpiry = NIOLockedValueBox<Int?>(nil)
    /// `source: dns` lookups: questions by result, answers served stale, domains by state.
    private let dnsResults: [String: CoreMetrics.Counter]
    private let dnsStale: NIOLockedValueBox<Int>
    private let dnsStates: [DNSState: CoreMetrics.Gauge]
    /// Where the log is written, for its count of dropped lines.
    private let logOutput: LogOutput

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), logOutput: LogOutput = .standardOutput) {
        self.registry = registry
        self.logOutput = logOutput
        let factory = PrometheusMetricsFactory(registry: registry)
        tallies = NIOLockedValueBox([:])
        generation = CoreMetrics.Gauge(label: "autodiscover_config_generation", factory: factory)
        domains = CoreMetrics.Gauge(label: "autodiscover_config_domains", factory: factory)
        reloadsOK = CoreMetrics.Counter(
            label: "autodiscover_config_reloads_total", dimensions: [("result", "ok")], factory: factory)
        reloadsFailed = CoreMetrics.Counter(
            label: "autodiscover_config_reloads_total", dimensions: [("result", "failed")], factory: factory)
        lastReloadSuccess = CoreMetrics.Gauge(label: "autodiscover_config_last_reload_success", factory: factory)
        var results: [String: CoreMetrics.Counter] = [:]
        for result in Self.dnsResultNames {
            results[result] = CoreMetrics.Counter(
                label: "autodiscover_dns_lookups_total", dimensions: [("result", result)], factory: factory)
        }
        dnsResults = results
        dnsStale = NIOLockedValueBox(0)
        var states: [DNSState: CoreMetrics.Gauge] = [:]
        for state in DNSState.allCases where state != .notFromDNS {
            states[state] = CoreMetrics.Gauge(
                label: "autodiscover_dns_domains", dimensions: [("state", state.rawValue)], factory: factory)
        }
        dnsStates = states
    }

    static let dnsResultNames = ["ok", "nodata", "nxdomain", "timeout", "servfail", "error"]

    /// Counts the answers of one round of `source: dns` lookups, one per question.
    public func dnsLookups(_ answers: [DNSFound]) {
        var counts: [String: Int] = [:]
        for answer in answers {
            let result: String
            switch answer {
            case .records, .alias: result = "ok"
            case .noData: result = "nodata"
            case .nxdomain: result = "nxdomain"
            case .failure(let message) where message.hasPrefix("timeout"): result = "timeout"
            case .failure(let message) where message.hasPrefix("server failure"): result = "servfail"
            case .failure: result = "error"
            }
            counts[result, default: 0] += 1
        }
        for (result, count) in counts { dnsResults[result]?.increment(by: count) }
    }

    /// Records how many `source: dns` domains are in each state.
    public func dnsDomains(_ config: Configuration) {
        var counts: [DNSState: Int] = [:]
        for index in config.dnsDomainIndices where !config.domains[index].isWildcard {
            counts[config.domains[index].dnsState, default: 0] += 1
        }
        for (state, gauge) in dnsStates { gauge.record(counts[state] ?? 0) }
    }

    /// Counts an answer given from a `source: dns` domain's last good lookup after a later one failed.
    public func staleAnswer() {
        dnsStale.withLockedValue { $0 += 1 }
    }

    /// The tally an event loop records its requests into (looked up once per connection).
    func tally(for eventLoop: any EventLoop) -> RequestTally {
        tallies.withLockedValue { tallies in
            if let existing = tallies[ObjectIdentifier(eventLoop)] { return existing }
            let made = RequestTally(bounds: Self.bounds)
            tallies[ObjectIdentifier(eventLoop)] = made
            return made
        }
    }

    /// Counts one answered request and its latency (outside an event loop's own tally).
    public func request(renderer: String, status: Int, client: ClientFamily, nanoseconds: Int64) {
        shared.record(.init(renderer: renderer, status: status, client: client), nanoseconds: nanoseconds)
    }

    /// Records the configuration now live.
    public func configLoaded(_ snapshot: ConfigStore.Snapshot) {
        generation.record(snapshot.generation)
        domains.record(snapshot.config.domains.count)
        let expiry = snapshot.config.signer?.notAfter
        signerExpiry.withLockedValue { $0 = expiry }
    }

    /// Records a reload attempt.
    public func reload(succeeded: Bool) {
        (succeeded ? reloadsOK : reloadsFailed).increment()
        lastReloadSuccess.record(succeeded ? 1 : 0)
    }

    /// The Prometheus text exposition: the registry's metrics, then the requests of every event loop.
    public func exposition() -> [UInt8] {
        var text = registry.emitToBuffer()
        var total = RequestTally.Counts(buckets: Self.bounds.count)
        total.add(shared.snapshot)
        for tally in tallies.withLockedValue({ Array($0.values) }) { total.add(tally.snapshot) }

        var lines = "# TYPE autodiscover_requests_total counter\n"
        for (series, count) in total.series.sorted(by: { $0.key < $1.key }) {
            lines += "autodiscover_requests_total{renderer=\"\(Self.labelValue(series.renderer))\",status=\"\(series.status)\","
            lines += "client=\"\(series.client.rawValue)\"} \(count)\n"
        }
        lines += "# TYPE autodiscover_request_duration_seconds histogram\n"
        var cumulative = 0
        for (index, bound) in Self.bounds.enumerated() {
            cumulative += total.buckets[index]
            lines += "autodiscover_request_duration_seconds_bucket{le=\"\(Self.seconds(bound))\"} \(cumulative)\n"
        }
        lines += "autodiscover_request_duration_seconds_bucket{le=\"+Inf\"} \(total.requests)\n"
        lines += "autodiscover_request_duration_seconds_sum \(Self.seconds(total.nanoseconds))\n"
        lines += "autodiscover_request_duration_seconds_count \(total.requests)\n"
        lines += "# TYPE autodiscover_log_lines_dropped_total counter\n"
        lines += "autodiscover_log_lines_dropped_total \(logOutput.droppedLines)\n"
        if let notAfter = signerExpiry.withLockedValue({ $0 }) {
            lines += "# TYPE autodiscover_signing_certificate_expiry_seconds gauge\n"
            lines += "autodiscover_signing_certificate_expiry_seconds \(notAfter - Int(time(nil)))\n"
        }
        lines += "# TYPE autodiscover_dns_answers_stale_total counter\n"
        lines += "autodiscover_dns_answers_stale_total \(dnsStale.withLockedValue { $0 })\n"
        text += lines.utf8
        return text
    }

    /// Nanoseconds as decimal seconds without trailing zeros (`50000` is `0.00005`).
    static func seconds(_ nanoseconds: Int64) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = String(nanoseconds % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
    }

    /// A label value escaped as the text format requires (backslash, quote, line feed).
    private static func labelValue(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

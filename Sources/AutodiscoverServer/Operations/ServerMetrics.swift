import AutodiscoverCore
import CoreMetrics
import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// The service's metrics, recorded through swift-metrics into a Prometheus registry served at `/metrics`.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let counters: NIOLockedValueBox<[CounterKey: CoreMetrics.Counter]>
    private let latency: Metrics.Timer
    private let generation: CoreMetrics.Gauge
    private let domains: CoreMetrics.Gauge
    private let reloadsOK: CoreMetrics.Counter
    private let reloadsFailed: CoreMetrics.Counter
    private let lastReloadSuccess: CoreMetrics.Gauge

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(250),
        ]
        self.factory = factory
        counters = NIOLockedValueBox([:])
        latency = Metrics.Timer(label: "autodiscover_request_duration_seconds", factory: factory)
        generation = CoreMetrics.Gauge(label: "autodiscover_config_generation", factory: factory)
        domains = CoreMetrics.Gauge(label: "autodiscover_config_domains", factory: factory)
        reloadsOK = CoreMetrics.Counter(label: "autodiscover_config_reloads_total", dimensions: [("result", "ok")], factory: factory)
        reloadsFailed = CoreMetrics.Counter(
            label: "autodiscover_config_reloads_total", dimensions: [("result", "failed")], factory: factory)
        lastReloadSuccess = CoreMetrics.Gauge(label: "autodiscover_config_last_reload_success", factory: factory)
    }

    /// Counts one answered request and its latency.
    public func request(renderer: String, status: Int, client: ClientFamily, nanoseconds: Int64) {
        let key = CounterKey(renderer: renderer, status: status, client: client)
        let counter = counters.withLockedValue { counters -> CoreMetrics.Counter in
            if let existing = counters[key] { return existing }
            let made = CoreMetrics.Counter(
                label: "autodiscover_requests_total",
                dimensions: [("renderer", renderer), ("status", String(status)), ("client", client.rawValue)],
                factory: factory)
            counters[key] = made
            return made
        }
        counter.increment()
        latency.recordNanoseconds(nanoseconds)
    }

    /// One `autodiscover_requests_total` series (a struct key: no string building per request).
    private struct CounterKey: Hashable {
        var renderer: String
        var status: Int
        var client: ClientFamily
    }

    /// Records the configuration now live.
    public func configLoaded(_ snapshot: ConfigStore.Snapshot) {
        generation.record(snapshot.generation)
        domains.record(snapshot.config.domains.count)
    }

    /// Records a reload attempt.
    public func reload(succeeded: Bool) {
        (succeeded ? reloadsOK : reloadsFailed).increment()
        lastReloadSuccess.record(succeeded ? 1 : 0)
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

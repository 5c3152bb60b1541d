import AutodiscoverCore
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// Everything `serve` runs, built one way for the CLI and the tests.
public struct AutodiscoverApplication: Sendable {
    public let store: ConfigStore
    public let metrics: ServerMetrics
    public let server: AutodiscoverHTTPServer
    public let reloader: ReloadService
    /// Looks up the `source: dns` domains and keeps them current.
    public let dnsRefresher: DNSRefreshService

    /// Builds the server and the reload watcher around a loaded configuration.
    public init(
        store: ConfigStore, group: any EventLoopGroup, logger: Logger, listen: ListenAddress? = nil,
        accessLog: AccessLog = .every, reloadInterval: Duration = .seconds(1), watchSignal: Bool = true,
        onListening: @escaping @Sendable (AutodiscoverHTTPServer.Bound) -> Void = { _ in }
    ) {
        self.store = store
        metrics = ServerMetrics()
        let responder = RequestResponder(store: store, metrics: metrics)
        server = AutodiscoverHTTPServer(
            responder: responder, group: group, logger: logger, listen: listen, accessLog: accessLog,
            onListening: onListening)
        reloader = ReloadService(
            store: store, metrics: metrics, logger: logger, interval: reloadInterval, watchSignal: watchSignal)
        dnsRefresher = DNSRefreshService(store: store, metrics: metrics, logger: logger)
    }

    /// A service group that runs both and stops gracefully on SIGTERM/SIGINT (none in tests).
    public func serviceGroup(logger: Logger, signals: [UnixSignal] = [.sigterm, .sigint]) -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: server),
                    .init(service: reloader, successTerminationBehavior: .ignore),
                    .init(service: dnsRefresher, successTerminationBehavior: .ignore),
                ],
                gracefulShutdownSignals: signals,
                logger: logger))
    }
}

import AutodiscoverCore
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on SIGHUP and when the config file or any file it includes changes.
///
/// Files are checked every `interval` (1 s by default, so an edit applies within 2 s). A reload that
/// fails validation keeps the running configuration, logs every problem and is counted.
public struct ReloadService: Service {
    let store: ConfigStore
    let metrics: ServerMetrics
    let logger: Logger
    let interval: Duration
    let watchSignal: Bool

    public init(
        store: ConfigStore, metrics: ServerMetrics, logger: Logger, interval: Duration = .seconds(1), watchSignal: Bool = true
    ) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
        self.watchSignal = watchSignal
    }

    public func run() async throws {
        metrics.configLoaded(store.current)
        guard store.path != nil else { return }  // the built-in default never changes
        await withTaskGroup(of: Void.self) { group in
            if watchSignal {
                group.addTask {
                    let signals = await UnixSignalsSequence(trapping: .sighup)
                    for await _ in signals.cancelOnGracefulShutdown() {
                        self.reload(reason: "SIGHUP")
                    }
                }
            }
            group.addTask {
                var stamps = self.stamps()
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    try? await Task.sleep(for: self.interval)
                    let now = self.stamps()
                    if now != stamps {
                        stamps = now
                        self.reload(reason: "file changed")
                        stamps = self.stamps()  // a reload may have added includes to watch
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Modification times of every file of the live configuration (nil where a file is missing).
    private func stamps() -> [String: Int64?] {
        var result: [String: Int64?] = [:]
        for file in store.current.config.files { result[file] = FileSystem.modificationTime(file) }
        if let path = store.path { result[path] = FileSystem.modificationTime(path) }
        return result
    }

    /// Reloads now and logs the outcome.
    @discardableResult
    public func reload(reason: String) -> Bool {
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = store.reload()
        let elapsed = started.duration(to: clock.now)
        // Seconds with millisecond precision, for operators timing reloads of large files.
        let seconds = (elapsed / .milliseconds(1)).rounded(.down) / 1000
        switch outcome {
        case .success(let snapshot):
            metrics.reload(succeeded: true)
            metrics.configLoaded(snapshot)
            logger.info(
                "Configuration reloaded",
                metadata: [
                    "autodiscover.reason": "\(reason)",
                    "autodiscover.config.generation": "\(snapshot.generation)",
                    "autodiscover.domains": "\(snapshot.config.domains.count)",
                    "autodiscover.config.load_seconds": "\(seconds)",
                ])
            return true
        case .failure(let error):
            metrics.reload(succeeded: false)
            for issue in error.issues {
                logger.warning(
                    "Configuration problem", metadata: ["autodiscover.issue": "\(issue)", "autodiscover.reason": "\(reason)"])
            }
            logger.warning(
                "Reload rejected; the running configuration stays",
                metadata: [
                    "autodiscover.problems": "\(error.issues.count)",
                    "autodiscover.config.generation": "\(store.current.generation)",
                    "autodiscover.config.load_seconds": "\(seconds)",
                ])
            return false
        }
    }
}

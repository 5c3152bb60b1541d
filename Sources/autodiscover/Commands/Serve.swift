import ArgumentParser
import AutodiscoverCore
import AutodiscoverServer
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the service: HTTP/1.1 and h2c on one port, plus TLS (h2 by ALPN) when configured.",
        discussion: """
            Refuses to start when the configuration has problems (they are printed as by `check`). \
            SIGHUP, or an edit of the config file or its includes, reloads it; a broken reload keeps the \
            running configuration. SIGTERM and SIGINT stop accepting, finish in-flight requests and exit 0.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Cleartext listen address, HOST:PORT (overrides server.listen; port 0 picks one).")
    var listen: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Flag(inversion: .prefixedNo, help: "Write one JSON access-log line per request.")
    var accessLog = true

    @Option(
        name: .customLong("access-log-sample"),
        help: "Write the access-log line of one request in N on each event loop (1: every request).")
    var accessLogSample = 1

    @Option(
        help:
            "Event loops (threads serving connections; overrides server.threads). Default: the CPUs this process may use (cgroup limits and cpusets count, taskset does not)."
    )
    var threads: Int?

    func validate() throws {
        if let threads, !(1...256).contains(threads) {
            throw ValidationError("--threads must be 1 to 256, found \(threads)")
        }
        if let listen, ListenAddress(parsing: listen) == nil {
            throw ValidationError("--listen must be HOST:PORT (IPv6 as [::1]:8080), found '\(listen)'")
        }
        if accessLogSample < 1 {
            throw ValidationError("--access-log-sample must be 1 or more, found \(accessLogSample)")
        }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        // A reader of standard output that goes away (a log shipper restarting) must cost log lines, not
        // the process: writes then fail with EPIPE instead of raising SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        // Log lines still queued are written before the process ends (at most 2 s for a stalled reader).
        defer { LogOutput.standardOutput.flush(timeout: .seconds(2)) }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "autodiscover")
        let path = ConfigLoader.defaultPath(global.config)
        let store: ConfigStore
        do {
            store = try ConfigStore(path: path, logger: logger)
        } catch {
            for issue in error.issues { printError(issue.description) }
            printError("error: the configuration has \(error.issues.count) problem(s); not starting")
            throw ExitCode(1)
        }
        logger.info(
            "Configuration loaded",
            metadata: [
                "autodiscover.config.file": "\(path ?? DefaultConfiguration.name)",
                "autodiscover.domains": "\(store.current.config.domains.count)",
                "autodiscover.config.files": "\(store.current.config.files.count)",
            ])
        let threads = self.threads ?? store.current.config.server.threads ?? System.coreCount
        logger.info("Event loops", metadata: ["autodiscover.threads": "\(threads)"])
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let application = AutodiscoverApplication(
            store: store, group: group, logger: logger, listen: listen.flatMap(ListenAddress.init(parsing:)),
            accessLog: AccessLog(enabled: accessLog, oneIn: accessLogSample))
        do {
            try await application.serviceGroup(logger: logger).run()
        } catch {
            logger.error("Server failed", metadata: ["error": "\(error)"])
            try? await group.shutdownGracefully()
            throw ExitCode(1)
        }
        try? await group.shutdownGracefully()
    }
}

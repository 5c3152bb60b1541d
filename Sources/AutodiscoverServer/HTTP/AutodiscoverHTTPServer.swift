import AutodiscoverCore
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The HTTP service: binds the cleartext listener (HTTP/1.1 + h2c) and the optional TLS listener
/// (ALPN h2/http1.1), serves until graceful shutdown, then stops accepting, lets in-flight requests
/// finish (HTTP/2 gets GOAWAY) and returns once every connection has closed, or after `request_timeout`
/// (the caller's event loop group then closes what is left).
public final class AutodiscoverHTTPServer: Service, Sendable {
    /// What the server was bound to, reported once listening.
    public struct Bound: Sendable {
        public var cleartext: SocketAddress
        public var tls: SocketAddress?
    }

    private let responder: RequestResponder
    private let group: any EventLoopGroup
    private let logger: Logger
    private let listen: ListenAddress
    private let tls: TLSSettings?
    private let accessLog: AccessLog
    private let onListening: @Sendable (Bound) -> Void

    /// - Parameters:
    ///   - listen: overrides `server.listen` (the CLI's `--listen`, tests' port 0).
    ///   - onListening: called once with the bound addresses (tests learn the port from it).
    public init(
        responder: RequestResponder, group: any EventLoopGroup, logger: Logger, listen: ListenAddress? = nil,
        accessLog: AccessLog = .every, onListening: @escaping @Sendable (Bound) -> Void = { _ in }
    ) {
        let server = responder.store.current.config.server
        self.responder = responder
        self.group = group
        self.logger = logger
        self.listen = listen ?? server.listen
        self.tls = server.tls
        self.accessLog = accessLog
        self.onListening = onListening
    }

    public func run() async throws {
        let quiesce = ServerQuiescingHelper(group: group)
        let configurator = ChannelConfigurator(responder: responder, logger: logger, accessLog: accessLog)
        let maxConnections = responder.store.current.config.server.limits.maxConnections

        // Cleartext connections see half-closure so the preface sniffer can close them; TLS ones leave
        // it to NIOSSL, which closes on the peer's FIN.
        func bootstrap(
            halfClosure: Bool, _ initialize: @escaping @Sendable (any Channel) throws -> Void
        ) -> ServerBootstrap {
            ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            quiesce.makeServerChannelHandler(channel: channel))
                        try channel.pipeline.syncOperations.addHandler(ConnectionLimiter(maximum: maxConnections))
                    }
                }
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.allowRemoteHalfClosure, value: halfClosure)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try initialize(channel) }
                }
        }

        let cleartext = try await bootstrap(halfClosure: true) { try configurator.configureCleartext($0) }
            .bind(host: listen.host, port: listen.port).get()
        var tlsChannel: (any Channel)?
        if let tls {
            let context = try TLSContextFactory.make(tls)
            tlsChannel = try await bootstrap(halfClosure: false) { try configurator.configureTLS($0, context: context) }
                .bind(host: tls.listen.host, port: tls.listen.port).get()
        }
        let bound = Bound(cleartext: cleartext.localAddress!, tls: tlsChannel?.localAddress)
        logger.info(
            "Listening",
            metadata: [
                "autodiscover.listen": "\(bound.cleartext)",
                "autodiscover.listen.tls": "\(bound.tls.map { "\($0)" } ?? "-")",
            ])
        onListening(bound)

        let finished = group.next().makePromise(of: Void.self)
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                try? await finished.futureResult.get()
            } onCancel: {
                quiesce.initiateShutdown(promise: nil)
                finished.succeed()
            }
        } onGracefulShutdown: {
            self.logger.info("Shutting down: finishing in-flight requests")
            quiesce.initiateShutdown(promise: finished)
            // A client that never reads its answers, or never finishes its request, must not hold the
            // process: what is still open after request_timeout is closed with the event loops.
            let limit = self.responder.store.current.config.server.limits.requestTimeout
            let logger = self.logger
            let deadline = finished.futureResult.eventLoop.scheduleTask(in: TimeAmount(limit)) {
                logger.warning(
                    "Shutdown deadline: closing the connections still open",
                    metadata: ["autodiscover.shutdown.seconds": "\(limit.components.seconds)"])
                finished.succeed()
            }
            finished.futureResult.whenComplete { _ in deadline.cancel() }
        }
        logger.info("Stopped")
    }
}

/// Loads the TLS listener's certificate chain and key, offering h2 and http/1.1 by ALPN.
enum TLSContextFactory {
    static func make(_ settings: TLSSettings) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(settings.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: settings.key, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.applicationProtocols = ["h2", "http/1.1"]
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }
}

import AutodiscoverCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import NIOTLS

/// Installs the HTTP/1.1 or HTTP/2 handlers on a new connection.
struct ChannelConfigurator: Sendable {
    let responder: RequestResponder
    let logger: Logger
    let accessLog: Bool

    private var limits: Limits { responder.store.current.config.server.limits }

    /// Cleartext: HTTP/1.1 and h2c (prior knowledge) on one port.
    func configureCleartext(_ channel: any Channel) throws {
        let sniffer = PrefaceSniffer(
            timeout: limits.headerTimeout,
            http1: { channel in try self.configureHTTP1(channel, secure: false) },
            http2: { channel in try self.configureHTTP2(channel, secure: false) })
        try channel.pipeline.syncOperations.addHandler(sniffer)
    }

    /// TLS: h2 or http/1.1 by ALPN (no ALPN: HTTP/1.1).
    func configureTLS(_ channel: any Channel, context: NIOSSLContext) throws {
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        let negotiation = ApplicationProtocolNegotiationHandler { result, channel in
            channel.eventLoop.makeCompletedFuture {
                if case .negotiated("h2") = result {
                    try self.configureHTTP2(channel, secure: true)
                } else {
                    try self.configureHTTP1(channel, secure: true)
                }
            }
        }
        try channel.pipeline.syncOperations.addHandler(negotiation)
    }

    func configureHTTP1(_ channel: any Channel, secure: Bool) throws {
        let limits = self.limits
        try channel.pipeline.syncOperations.addHandler(
            HTTP1Handler(
                log: ExchangeLog(responder: responder, logger: logger, accessLog: accessLog, secure: secure),
                limits: limits))
    }

    func configureHTTP2(_ channel: any Channel, secure: Bool) throws {
        let limits = self.limits
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: limits.maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: limits.maxHeaderBytes),
            HTTP2Setting(parameter: .maxFrameSize, value: 1 << 14),
        ]
        // An HTTP/2 connection with no frames either way for idle_timeout is closed (see HTTP2ConnectionCloser).
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(IdleStateHandler(allTimeout: TimeAmount(limits.idleTimeout)))
        try sync.addHandler(NIOHTTP2Handler(mode: .server, connectionConfiguration: connection))
        try sync.addHandler(
            HTTP2RequestHandler(
                log: ExchangeLog(responder: responder, logger: logger, accessLog: accessLog, secure: secure),
                limits: limits))
        try channel.pipeline.syncOperations.addHandler(HTTP2ConnectionCloser())
    }
}

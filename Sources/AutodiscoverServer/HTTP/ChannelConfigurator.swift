import AutodiscoverCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOTLS

/// Installs the HTTP/1.1 or HTTP/2 handlers on a new connection.
struct ChannelConfigurator: Sendable {
    let responder: RequestResponder
    let logger: Logger
    let accessLog: AccessLog

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
                log: exchangeLog(channel, secure: secure),
                limits: limits))
    }

    private func exchangeLog(_ channel: any Channel, secure: Bool) -> ExchangeLog {
        ExchangeLog(
            responder: responder, logger: logger, accessLog: accessLog, secure: secure,
            tally: responder.metrics.tally(for: channel.eventLoop))
    }

    func configureHTTP2(_ channel: any Channel, secure: Bool) throws {
        try channel.pipeline.syncOperations.addHandler(
            NGHTTP2Handler(
                log: exchangeLog(channel, secure: secure),
                limits: limits))
    }
}

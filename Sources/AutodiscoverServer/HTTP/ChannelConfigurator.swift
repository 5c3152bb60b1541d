import AutodiscoverCore
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Installs the HTTP/1.1 or HTTP/2 handlers on a new connection.
struct ChannelConfigurator: Sendable {
    let responder: RequestResponder
    let logger: Logger
    let accessLog: AccessLog

    /// The settings a new connection runs with (a reload applies to connections opened after it).
    private var server: ServerSettings { responder.store.current.config.server }

    /// Cleartext: HTTP/1.1 and h2c (prior knowledge) on one port.
    func configureCleartext(_ channel: any Channel) throws {
        let sniffer = PrefaceSniffer(
            timeout: server.limits.headerTimeout,
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
        let server = self.server
        try channel.pipeline.syncOperations.addHandler(
            HTTP1Handler(responder: responder, recorder: recorder(channel, secure: secure, server), limits: server.limits))
    }

    func configureHTTP2(_ channel: any Channel, secure: Bool) throws {
        let server = self.server
        try channel.pipeline.syncOperations.addHandler(
            NGHTTP2Handler(responder: responder, recorder: recorder(channel, secure: secure, server), limits: server.limits))
    }

    private func recorder(_ channel: any Channel, secure: Bool, _ server: ServerSettings) -> RequestRecorder {
        RequestRecorder(
            logger: logger, accessLog: accessLog, secure: secure, tally: responder.metrics.tally(for: channel.eventLoop),
            trustedProxies: server.trustedProxies)
    }
}

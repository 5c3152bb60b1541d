import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// What a TLS handshake with a host shows: how long the TCP connect took, the protocol ALPN chose, and
/// the certificate the server sent (its names and when it expires). The certificate is not judged here:
/// the request itself (async-http-client, verifying as every client does) says whether it is valid.
struct TLSInspector: Sendable {
    struct Facts: Sendable, Encodable {
        /// Where the connection went.
        var address: String
        var connectMilliseconds: Double
        var alpn: String?
        /// The certificate's DNS names (subject alternative names).
        var names: [String]
        var daysLeft: Int?
    }

    var timeout: Duration

    /// Connects to `address` (or `host` through the system resolver) on `port` and shakes hands with SNI `host`.
    func inspect(host: String, address: String?, port: Int) async throws -> Facts {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        configuration.applicationProtocols = ["h2", "http/1.1"]
        let context = try NIOSSLContext(configuration: configuration)
        let amount = TimeAmount(timeout)
        let group = MultiThreadedEventLoopGroup.singleton
        let started = ContinuousClock.now
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(amount)
            .connect(host: address ?? host, port: port).get()
        let connected = ContinuousClock.now - started
        defer { channel.close(promise: nil) }
        let handshake = channel.eventLoop.makePromise(of: String?.self)
        try await channel.eventLoop.submit {
            let ssl = try NIOSSLClientHandler(context: context, serverHostname: host)
            try channel.pipeline.syncOperations.addHandler(ssl)
            try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(promise: handshake))
        }.get()
        let timer = channel.eventLoop.scheduleTask(in: amount) {
            handshake.fail(ProbeInputError("TLS handshake did not finish within the timeout"))
        }
        defer { timer.cancel() }
        let alpn = try await handshake.futureResult.get()
        let certificate = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).peerCertificate
        }.get()
        var names: [String] = []
        var daysLeft: Int?
        if let certificate {
            for name in certificate._subjectAlternativeNames() {
                if name.nameType == .dnsName { names.append(String(decoding: name.contents, as: UTF8.self)) }
            }
            daysLeft = Int((TimeInterval(certificate.notValidAfter) - Date().timeIntervalSince1970) / 86_400)
        }
        let remote = channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? port)" } ?? "\(address ?? host):\(port)"
        return Facts(
            address: remote, connectMilliseconds: Double(connected.components.attoseconds) / 1e15, alpn: alpn, names: names,
            daysLeft: daysLeft)
    }

    /// Fulfils the promise with the ALPN protocol once the handshake is done, or fails it with the error.
    private final class HandshakeWatcher: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<String?>

        init(promise: EventLoopPromise<String?>) { self.promise = promise }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted(let negotiated) = event { promise.succeed(negotiated) }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ProbeInputError("the server closed the connection during the TLS handshake"))
        }
    }
}

import AutodiscoverCore
import Logging
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// Metrics and the access-log line for each answered request, the same for HTTP/1.1 and HTTP/2.
struct ExchangeLog: Sendable {
    /// Makes the answers; its metrics and configuration store are what the log records against.
    let responder: RequestResponder
    let logger: Logger
    let accessLog: Bool
    /// True on the TLS listener (the scheme logged when no trusted proxy says otherwise).
    let secure: Bool
    /// Where this connection's event loop counts its requests.
    let tally: RequestTally

    func record(
        _ reply: RequestResponder.Reply, for head: RequestHead, started: UInt64,
        remoteAddress: @autoclosure () -> SocketAddress?
    ) {
        let elapsed = Int64(Self.monotonicNanoseconds() &- started)
        let client = ClientFamily(userAgent: head.fields.userAgent)
        tally.record(.init(renderer: reply.label, status: Int(reply.status.code), client: client), nanoseconds: elapsed)
        guard accessLog else { return }
        let (remote, scheme) = origin(of: head, remoteAddress: remoteAddress())
        logger.info(
            "request",
            metadata: [
                "method": "\(head.method.rawValue)",
                "path": "\(Self.pathForLog(head.uri))",
                "http": "\(head.version.major == 2 ? "2" : "1.1")",
                "renderer": "\(reply.label)",
                "domain": "\(reply.domain ?? "-")",
                "status": "\(reply.status.code)",
                "bytes": "\(reply.omitBody ? 0 : reply.body.count)",
                "duration_us": "\(elapsed / 1000)",
                "client": "\(client.rawValue)",
                "remote": "\(remote)",
                "scheme": "\(scheme)",
            ])
    }

    /// The client's address and scheme: `X-Forwarded-For` (first entry) and `X-Forwarded-Proto` when the
    /// peer is a trusted proxy, else the peer's own address and the listener's scheme.
    private func origin(of head: RequestHead, remoteAddress: SocketAddress?) -> (String, String) {
        let peer = remoteAddress?.ipAddress ?? "-"
        var scheme = secure ? "https" : "http"
        var remote = peer
        let proxies = responder.store.current.config.server.trustedProxies
        if let bytes = IPAddressBytes.parse(peer), proxies.contains(where: { $0.contains(bytes) }) {
            if let forwarded = head.fields.forwardedFor?.split(separator: ",").first {
                remote = forwarded.trimmingPrefix(" ").trimmingSuffixSpaces().description
            }
            if let proto = head.fields.forwardedProto, proto == "http" || proto == "https" {
                scheme = proto
            }
        }
        return (remote, scheme)
    }

    /// The path without its query: queries carry addresses, which are logged only at debug level.
    static func pathForLog(_ uri: String) -> Substring {
        uri[..<(uri.firstIndex(of: "?") ?? uri.endIndex)]
    }

    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

import AutodiscoverCore
import AutodiscoverHTTP
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Metrics and the access-log line for each answered request, the same for HTTP/1.1 and HTTP/2: handed
/// each outcome (the response, the request's head, when it began), it makes no answers itself.
struct RequestRecorder: Sendable {
    let logger: Logger
    let accessLog: AccessLog
    /// True on the TLS listener (the scheme logged when no trusted proxy says otherwise).
    let secure: Bool
    /// Where this connection's event loop counts its requests.
    let tally: RequestTally
    /// Proxies whose `X-Forwarded-For` and `-Proto` are believed (`server.trusted_proxies` when the
    /// connection opened).
    let trustedProxies: [CIDRRange]

    func record(
        _ reply: HTTPResponse, for head: RequestHead, started: UInt64,
        remoteAddress: @autoclosure () -> SocketAddress?
    ) {
        let elapsed = Int64(MonotonicClock.now() &- started)
        let client = ClientFamily(userAgent: head.fields.userAgent)
        let number = tally.record(
            .init(renderer: reply.label, status: Int(reply.status.code), client: client), nanoseconds: elapsed)
        guard accessLog.logs(requestNumber: number) else { return }
        let (remote, scheme) = origin(of: head, remoteAddress: remoteAddress())
        var metadata: Logger.Metadata = [
            "method": .string(head.method.rawValue),
            "path": .string(Self.pathForLog(head.uri)),
            "http": .string(head.version == .http2 ? "2" : "1.1"),
            "renderer": .string(reply.label),
            "domain": .string(reply.domain ?? "-"),
            "status": .string(String(reply.status.code)),
            "bytes": .string(String(reply.omitBody ? 0 : reply.body.count)),
            "duration_us": .string(String(elapsed / 1000)),
            "client": .string(client.rawValue),
            "remote": .string(remote),
            "scheme": .string(scheme),
        ]
        if let sampling = accessLog.sampling { metadata["sampling"] = "1/\(sampling)" }
        logger.info("request", metadata: metadata)
    }

    /// The client's address and scheme: `X-Forwarded-For` (first entry) and `X-Forwarded-Proto` when the
    /// peer is a trusted proxy, else the peer's own address and the listener's scheme.
    private func origin(of head: RequestHead, remoteAddress: SocketAddress?) -> (String, String) {
        let peer = remoteAddress?.ipAddress ?? "-"
        var scheme = secure ? "https" : "http"
        var remote = peer
        if let bytes = IPAddressBytes.parse(peer), trustedProxies.contains(where: { $0.contains(bytes) }) {
            if let forwarded = head.fields.forwardedFor?.firstListEntry { remote = forwarded }
            if let proto = head.fields.forwardedProto, proto == "http" || proto == "https" {
                scheme = proto
            }
        }
        return (remote, scheme)
    }

    /// The path without its query, and a segment that holds an address (`@`, or `%40` encoded) as
    /// `{address}`: queries and the v2 JSON path (`/autodiscover/autodiscover.json/v1.0/a@b.example`) carry
    /// addresses, which are not logged.
    static func pathForLog(_ uri: String) -> String {
        let path = uri[..<(ASCII.firstIndex(in: uri, where: { $0 == UInt8(ascii: "?") }) ?? uri.endIndex)]
        guard path.utf8.contains(where: { $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "%") }) else { return String(path) }
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { holdsAddress($0) ? "{address}" : $0 }
            .joined(separator: "/")
    }

    private static func holdsAddress(_ segment: Substring) -> Bool {
        var segment = segment
        let encodedAt: StaticString = "%40"
        return segment.withUTF8 { bytes in
            bytes.contains(UInt8(ascii: "@"))
                || encodedAt.withUTF8Buffer { ASCII.offset(of: UnsafeRawBufferPointer($0), in: UnsafeRawBufferPointer(bytes)) }
                    != nil
        }
    }
}

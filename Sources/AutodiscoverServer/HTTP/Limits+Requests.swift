import AutodiscoverCore
import NIOCore
import NIOHTTP1

extension Limits {
    /// A refusal: the status and the text sent with it.
    typealias Refusal = (status: HTTPResponseStatus, message: String)

    /// The limit a request head breaks, if any: target length (414), header bytes (431), announced body (413).
    func violation(of head: RequestHead) -> Refusal? {
        let length = head.fields.contentLength.flatMap(Int.init) ?? 0
        return violation(targetBytes: head.uri.utf8.count, headerBytes: head.fields.headerBytes, bodyBytes: length)
    }

    /// The same for an HTTP/1.1 head read by ``HTTP1Head`` (which counted its header bytes).
    func violation(of head: RequestHead, headerBytes: Int, framing: HTTP1Head.Framing) -> Refusal? {
        let length = if case .length(let length) = framing { length } else { 0 }
        return violation(targetBytes: head.uri.utf8.count, headerBytes: headerBytes, bodyBytes: length)
    }

    private func violation(targetBytes: Int, headerBytes: Int, bodyBytes: Int) -> Refusal? {
        if targetBytes > maxURIBytes { return Self.uriTooLong(limit: maxURIBytes) }
        if headerBytes > maxHeaderBytes { return Self.headersTooLarge(limit: maxHeaderBytes) }
        if bodyBytes > maxBodyBytes { return bodyTooLarge }
        return nil
    }

    static func uriTooLong(limit: Int) -> Refusal {
        (.uriTooLong, "Request target longer than \(limit) bytes\n")
    }

    static func headersTooLarge(limit: Int) -> Refusal {
        (.requestHeaderFieldsTooLarge, "Request headers larger than \(limit) bytes\n")
    }

    /// A request line naming HTTP/2 or later, or before 1. Answered 400 rather than 505: it is the client's
    /// mistake (or a scanner's), and 5xx counts stay the server's own failures.
    static let versionNotSupported: Refusal = (
        .badRequest, "HTTP version not supported: HTTP/1.0 and 1.1 here, HTTP/2 by prior knowledge or ALPN\n"
    )

    /// What is left of `request_timeout` for a request that began at `started` (monotonic nanoseconds).
    func requestTimeLeft(since started: UInt64) -> TimeAmount {
        let elapsed = Int64(ExchangeLog.monotonicNanoseconds() &- started)
        return .nanoseconds(max(TimeAmount(requestTimeout).nanoseconds - elapsed, 0))
    }

    /// A body that grew past `max_body_bytes`.
    var bodyTooLarge: Refusal { (.payloadTooLarge, "Request body larger than \(maxBodyBytes) bytes\n") }

    /// A request still incomplete after `request_timeout`.
    static let requestTimedOut: Refusal = (.requestTimeout, "Request not complete within the time allowed\n")
}

extension RequestResponder.Reply {
    /// The answer to a request that broke a limit.
    static func refusal(_ refusal: Limits.Refusal) -> Self {
        .text(refusal.status, refusal.message, label: "limit")
    }

    /// The answer to a request that cannot be read (HTTP/1.1 bytes the decoder refuses, an HTTP/2 header
    /// block without `:method` or `:path`), counted like any request no renderer answered.
    static let malformed = Self.text(.badRequest, "Bad request\n", label: "none")
}

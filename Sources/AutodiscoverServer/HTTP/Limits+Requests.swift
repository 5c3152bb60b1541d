import AutodiscoverCore
import NIOCore
import NIOHTTP1

extension Limits {
    /// A refusal: the status and the text sent with it.
    typealias Refusal = (status: HTTPResponseStatus, message: String)

    /// The limit a request head breaks, if any: target length (414), header bytes (431), announced body (413).
    func violation(of head: HTTPRequestHead) -> Refusal? {
        if head.uri.utf8.count > maxURIBytes {
            return (.uriTooLong, "Request target longer than \(maxURIBytes) bytes\n")
        }
        if Self.headerBytes(head.headers) > maxHeaderBytes {
            return (.requestHeaderFieldsTooLarge, "Request headers larger than \(maxHeaderBytes) bytes\n")
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > maxBodyBytes {
            return bodyTooLarge
        }
        return nil
    }

    /// What is left of `request_timeout` for a request that began at `started` (monotonic nanoseconds).
    func requestTimeLeft(since started: UInt64) -> TimeAmount {
        let elapsed = Int64(ExchangeLog.monotonicNanoseconds() &- started)
        return .nanoseconds(max(TimeAmount(requestTimeout).nanoseconds - elapsed, 0))
    }

    /// A body that grew past `max_body_bytes`.
    var bodyTooLarge: Refusal { (.payloadTooLarge, "Request body larger than \(maxBodyBytes) bytes\n") }

    /// A request still incomplete after `request_timeout`.
    static let requestTimedOut: Refusal = (.requestTimeout, "Request not complete within the time allowed\n")

    /// Bytes of header names and values, as counted against `max_header_bytes`.
    static func headerBytes(_ headers: HTTPHeaders) -> Int {
        var total = 0
        for (name, value) in headers { total += name.utf8.count + value.utf8.count + 4 }
        return total
    }
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

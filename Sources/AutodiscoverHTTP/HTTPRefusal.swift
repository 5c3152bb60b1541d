import AutodiscoverCore

/// A request refused before it is answered: a broken limit, an unreadable head. The status and the text
/// sent with it, the same over HTTP/1.1 and HTTP/2.
public struct HTTPRefusal: Sendable, Equatable {
    public var status: HTTPStatus
    public var message: String

    public init(_ status: HTTPStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public static func uriTooLong(limit: Int) -> HTTPRefusal {
        HTTPRefusal(.uriTooLong, "Request target longer than \(limit) bytes\n")
    }

    public static func headersTooLarge(limit: Int) -> HTTPRefusal {
        HTTPRefusal(.requestHeaderFieldsTooLarge, "Request headers larger than \(limit) bytes\n")
    }

    public static func bodyTooLarge(limit: Int) -> HTTPRefusal {
        HTTPRefusal(.payloadTooLarge, "Request body larger than \(limit) bytes\n")
    }

    /// A request line naming HTTP/2 or later, or before 1. Answered 400 rather than 505: it is the client's
    /// mistake (or a scanner's), and 5xx counts stay the server's own failures.
    public static let versionNotSupported = HTTPRefusal(
        .badRequest, "HTTP version not supported: HTTP/1.0 and 1.1 here, HTTP/2 by prior knowledge or ALPN\n")

    /// A request still incomplete after `request_timeout`.
    public static let requestTimedOut = HTTPRefusal(.requestTimeout, "Request not complete within the time allowed\n")

    /// A head that cannot be read (answered with ``HTTPResponse/malformed``).
    public static let malformed = HTTPRefusal(.badRequest, "Bad request\n")

    /// The response that carries it.
    public var response: HTTPResponse {
        self == .malformed ? .malformed : .refusal(self)
    }
}

extension Limits {
    /// The limit a request head breaks, if any: target length (414), header bytes (431), announced body (413).
    public func violation(of head: RequestHead, headerBytes: Int? = nil, announcedBody: Int? = nil) -> HTTPRefusal? {
        let length = announcedBody ?? head.fields.contentLength.flatMap(Int.init) ?? 0
        if head.uri.utf8.count > maxURIBytes { return .uriTooLong(limit: maxURIBytes) }
        if (headerBytes ?? head.fields.headerBytes) > maxHeaderBytes { return .headersTooLarge(limit: maxHeaderBytes) }
        if length > maxBodyBytes { return .bodyTooLarge(limit: maxBodyBytes) }
        return nil
    }

    /// `duration` in nanoseconds (what the connection state machines count in).
    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(seconds, 0)) &* 1_000_000_000 &+ UInt64(max(attoseconds, 0) / 1_000_000_000)
    }
}

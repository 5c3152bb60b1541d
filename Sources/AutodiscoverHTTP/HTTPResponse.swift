import AutodiscoverCore

/// A response as it goes on the wire, the same for HTTP/1.1 and HTTP/2: what the responder makes and the
/// encoders write, with what answered it for the access log and metrics.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    /// `Content-Type` and the answer's other headers (`Access-Control-Allow-Origin`, `Content-Disposition`,
    /// `Retry-After`, …), prepared once per answer and shared: a request builds no header strings.
    public var head: AnswerHead
    public var body: [UInt8]
    /// For HEAD: the headers describe the body, but none is sent.
    public var omitBody = false
    /// `Cache-Control: private, max-age=3600` on answers, `no-store` on everything else.
    public var cacheable = false
    /// `Vary: Host`, when the host chose the domain.
    public var varyHost = false
    /// The entity tag of a 200 (written as `ETag`; its text is made only when a header needs it).
    public var entityTag: ETag?
    /// The `Allow` header of a 405.
    public var allow: String?
    /// What answered: a renderer id, an operations endpoint, `limit` or `none` (logs and metrics).
    public var label: String
    /// The configured domain that answered, if one did.
    public var domain: String?

    public init(status: HTTPStatus, head: AnswerHead, body: [UInt8], label: String, domain: String? = nil) {
        self.status = status
        self.head = head
        self.body = body
        self.label = label
        self.domain = domain
    }

    /// A plain-text response.
    public static func text(_ status: HTTPStatus, _ text: String, label: String) -> HTTPResponse {
        HTTPResponse(status: status, head: plainText, body: Array(text.utf8), label: label)
    }

    static let plainText = AnswerHead(contentType: "text/plain; charset=utf-8")

    /// The answer to a request that broke a limit.
    public static func refusal(_ refusal: HTTPRefusal) -> HTTPResponse {
        .text(refusal.status, refusal.message, label: "limit")
    }

    /// The answer to a request that cannot be read (HTTP/1.1 bytes the reader refuses, an HTTP/2 header
    /// block without `:method` or `:path`), counted like any request no renderer answered.
    public static let malformed = HTTPResponse.text(.badRequest, "Bad request\n", label: "none")

    public var contentType: String { head.contentType }

    /// The length announced in `Content-Length` (a HEAD announces the body it does not send).
    public var contentLength: Int { body.count }

    /// Whether body bytes go out (not for HEAD, a 304 or an empty body).
    public var sendsBody: Bool { !omitBody && status != .notModified && !body.isEmpty }

    /// Every header but `Content-Length` and `Connection`, in the order they are sent.
    @inline(__always)
    public func forEachHeader(_ body: (String, String) -> Void) {
        body("Content-Type", head.contentType)
        for (name, value) in head.headers { body(name, value) }
        if let allow { body("Allow", allow) }
        body("Cache-Control", cacheable ? "private, max-age=3600" : "no-store")
        if varyHost { body("Vary", "Host") }
        if let entityTag { body("ETag", entityTag.text) }
    }
}

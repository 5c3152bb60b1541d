import AutodiscoverCore
import AutodiscoverHTTP
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Answers one complete request: operations endpoints, then the renderers through ``AnswerEngine``.
///
/// A function of the request and the live snapshot (no sockets), shared by HTTP/1.1 and HTTP/2, so
/// routing, headers and caching can be tested without a server. It makes the one response type the
/// encoders write (``HTTPResponse``); statuses of error documents come from ``AnswerError/status``.
public struct RequestResponder: Sendable {
    public let store: ConfigStore
    public let metrics: ServerMetrics

    public init(store: ConfigStore, metrics: ServerMetrics) {
        self.store = store
        self.metrics = metrics
    }

    /// The request's facts that matter, without networking types.
    public struct Request: Sendable {
        public var head: RequestHead
        public var body: [UInt8]
        /// The peer's address bytes (4 or 16), when known.
        public var peer: [UInt8]?

        public init(head: RequestHead, body: [UInt8], peer: [UInt8]?) {
            self.head = head
            self.body = body
            self.peer = peer
        }
    }

    /// Answers a request with the live snapshot and the given clock reading.
    public func respond(_ request: Request, time: (seconds: Int, nanoseconds: Int)) -> HTTPResponse {
        var reply = reply(to: request, time: time)
        // HEAD: the headers describe the body that is not sent.
        if request.head.method == .HEAD { reply.omitBody = true }
        return reply
    }

    private func reply(to request: Request, time: (seconds: Int, nanoseconds: Int)) -> HTTPResponse {
        let snapshot = store.current
        let method = request.head.method.rawValue
        let target = request.head.uri
        let pathEnd =
            ASCII.firstIndex(in: target, where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) ?? target.endIndex
        let path = target[..<pathEnd]
        if let reply = operations(path: path, method: method, snapshot: snapshot) { return reply }

        let engine = snapshot.engine
        switch engine.match(method: method, path: path) {
        case .notFound:
            return .text(.notFound, "Not found\n", label: "none")
        case .methodNotAllowed(let renderer):
            let prepared = engine.errorAnswer(.methodNotAllowed, renderer)
            let body = prepared.body(for: AnswerContext(address: nil, requestedDomain: DomainName.invalid))
            var reply = HTTPResponse(
                status: HTTPStatus(prepared.status), head: prepared.head, body: body, label: renderer.id.rawValue)
            reply.allow = renderer.routes.first?.methods.joined(separator: ", ") ?? "GET"
            return reply
        case .renderer(let renderer):
            let incoming = IncomingRequest(
                method: method, target: target, host: effectiveHost(request.head.fields, peer: request.peer, snapshot: snapshot),
                body: request.body, userAgent: request.head.fields.userAgent)
            let response = engine.answer(
                incoming, renderer: renderer, config: snapshot.config, cache: snapshot.answers, time: time)
            if let name = response.wantsLookup { store.want(name) }
            guard response.status == 200 else {
                return HTTPResponse(
                    status: HTTPStatus(response.status), head: response.head, body: response.body,
                    label: response.renderer.rawValue, domain: response.domain)
            }
            if response.stale { metrics.staleAnswer() }
            // An answer: cacheable, tagged, and 304 when the client holds it already.
            let tag = ETag(generation: snapshot.generation, body: response.body)
            let held = request.head.fields.ifNoneMatch.map { ETag.matches($0, tag.text) } ?? false
            var reply = HTTPResponse(
                status: held ? .notModified : .ok, head: response.head, body: held ? [] : response.body,
                label: response.renderer.rawValue, domain: response.domain)
            reply.cacheable = true
            reply.varyHost = response.dependsOnHost
            reply.entityTag = tag
            return reply
        }
    }

    /// `/healthz`, `/readyz`, `/metrics`.
    private func operations(path: Substring, method: String, snapshot: ConfigStore.Snapshot) -> HTTPResponse? {
        let endpoint: String
        if ASCII.equalsLowercased(path.utf8, "/healthz".utf8) {
            endpoint = "healthz"
        } else if ASCII.equalsLowercased(path.utf8, "/readyz".utf8) {
            endpoint = "readyz"
        } else if ASCII.equalsLowercased(path.utf8, "/metrics".utf8) {
            endpoint = "metrics"
        } else {
            return nil
        }
        guard method == "GET" || method == "HEAD" else {
            var reply = HTTPResponse.text(.methodNotAllowed, "Use GET\n", label: "operations")
            reply.allow = "GET, HEAD"
            return reply
        }
        switch endpoint {
        case "healthz":
            return .text(.ok, "ok\n", label: "healthz")
        case "readyz":
            guard store.dnsReady else {
                return .text(.serviceUnavailable, "not ready: looking up the source: dns domains\n", label: "readyz")
            }
            return .text(
                .ok, "ready: generation \(snapshot.generation), \(snapshot.config.domains.count) domains\n",
                label: "readyz")
        default:
            return HTTPResponse(status: .ok, head: Self.metricsText, body: metrics.exposition(), label: "metrics")
        }
    }

    private static let metricsText = AnswerHead(contentType: "text/plain; version=0.0.4; charset=utf-8")

    /// `X-Forwarded-Host` from a trusted proxy, else `Host` (HTTP/2 `:authority` arrives as `Host`).
    private func effectiveHost(_ fields: RequestHead.Fields, peer: [UInt8]?, snapshot: ConfigStore.Snapshot) -> String? {
        if let forwarded = fields.forwardedHost, let peer,
            snapshot.config.server.trustedProxies.contains(where: { $0.contains(peer) })
        {
            // A proxy chain lists hosts left to right; the first is what the client asked for.
            return forwarded.firstListEntry
        }
        return fields.host
    }
}

extension DomainName {
    /// A placeholder for answers that name no domain.
    static let invalid = try! DomainName("invalid")
}

extension String {
    /// The first entry of a comma-separated header value, spaces around it trimmed (`X-Forwarded-For` and
    /// `-Host` list a proxy chain left to right: the first is the client's end); nil for an empty value.
    var firstListEntry: String? {
        split(separator: ",").first.map { String($0.trimmingPrefix(" ").trimmingSuffixSpaces()) }
    }
}

extension Substring {
    func trimmingPrefix(_ character: Character) -> Substring {
        var slice = self
        while slice.first == character { slice = slice.dropFirst() }
        return slice
    }

    func trimmingSuffixSpaces() -> Substring {
        var slice = self
        while slice.last == " " { slice = slice.dropLast() }
        return slice
    }
}

extension RequestResponder {
    /// Answers a complete request now, for the HTTP/1.1 and HTTP/2 handlers: reads the wall clock (POX
    /// error documents carry the time) and the peer's address (a locked read in NIO) only when the request
    /// has `X-Forwarded-Host` (which counts only from a trusted proxy).
    func respond(head: RequestHead, body: [UInt8], remoteAddress: @autoclosure () -> SocketAddress?) -> HTTPResponse {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let peer =
            head.fields.forwardedHost != nil
            ? remoteAddress()?.ipAddress.flatMap(IPAddressBytes.parse) : nil
        return respond(.init(head: head, body: body, peer: peer), time: (Int(now.tv_sec), Int(now.tv_nsec)))
    }
}

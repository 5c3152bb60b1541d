import AutodiscoverCore
import Logging
import NIOHTTP1

/// Answers one complete request: operations endpoints, then the renderers through ``AnswerEngine``.
///
/// A pure function of the request and the live snapshot (no sockets), shared by HTTP/1.1 and
/// HTTP/2, so routing, headers and caching can be tested without a server.
public struct RequestResponder: Sendable {
    public let store: ConfigStore
    public let engine: AnswerEngine
    public let metrics: ServerMetrics

    public init(store: ConfigStore, engine: AnswerEngine = AnswerEngine(), metrics: ServerMetrics) {
        self.store = store
        self.engine = engine
        self.metrics = metrics
    }

    /// A response ready to encode.
    public struct Reply: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: [UInt8]
        /// For HEAD: the headers describe the body, but none is sent.
        public var omitBody = false
        /// Renderer id or operations endpoint, for logs and metrics.
        public var label: String
        public var domain: String?
    }

    /// The request's facts that matter, without networking types.
    public struct Request: Sendable {
        public var head: HTTPRequestHead
        public var body: [UInt8]
        /// The peer's address bytes (4 or 16), when known.
        public var peer: [UInt8]?

        public init(head: HTTPRequestHead, body: [UInt8], peer: [UInt8]?) {
            self.head = head
            self.body = body
            self.peer = peer
        }
    }

    /// Answers a request with the live snapshot and the given clock reading.
    public func respond(_ request: Request, time: (seconds: Int, nanoseconds: Int)) -> Reply {
        let snapshot = store.current
        let head = request.head
        let method = head.method.rawValue
        let target = head.uri
        let pathEnd = target.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? target.endIndex
        let path = String(target[..<pathEnd])
        if let reply = operations(path: path, method: method, snapshot: snapshot) { return reply }

        switch engine.match(method: method, path: path) {
        case .notFound:
            return plain(.notFound, "Not found\n", label: "none")
        case .methodNotAllowed(let renderer):
            let prepared = renderer.errorAnswer(.methodNotAllowed)
            var headers = HTTPHeaders([("Content-Type", prepared.contentType)])
            headers.add(name: "Allow", value: renderer.routes.first?.methods.joined(separator: ", ") ?? "GET")
            let body = prepared.body(for: AnswerContext(address: nil, requestedDomain: DomainName.invalid))
            return finish(Reply(status: .methodNotAllowed, headers: headers, body: body, label: renderer.id.rawValue), method)
        case .renderer(let renderer):
            let incoming = IncomingRequest(
                method: method, target: target, host: effectiveHost(head.headers, peer: request.peer, snapshot: snapshot),
                body: request.body, userAgent: head.headers.first(name: "user-agent"))
            let response = engine.answer(
                incoming, renderer: renderer, config: snapshot.config, cache: snapshot.answers, time: time)
            var headers = HTTPHeaders([("Content-Type", response.contentType)])
            for (name, value) in response.headers { headers.add(name: name, value: value) }
            var reply = Reply(
                status: HTTPResponseStatus(statusCode: response.status), headers: headers, body: response.body,
                label: response.renderer.rawValue, domain: response.domain)
            if response.status == 200 {
                reply.headers.add(name: "Cache-Control", value: "private, max-age=3600")
                if response.dependsOnHost { reply.headers.add(name: "Vary", value: "Host") }
                let tag = ETag.make(generation: snapshot.generation, body: response.body)
                reply.headers.add(name: "ETag", value: tag)
                if let match = head.headers.first(name: "if-none-match"), ETag.matches(match, tag) {
                    reply.status = .notModified
                    reply.body = []
                }
            } else {
                reply.headers.add(name: "Cache-Control", value: "no-store")
            }
            return finish(reply, method)
        }
    }

    /// `/healthz`, `/readyz`, `/metrics`.
    private func operations(path: String, method: String, snapshot: ConfigStore.Snapshot) -> Reply? {
        let lowered = path.lowercased()
        guard lowered == "/healthz" || lowered == "/readyz" || lowered == "/metrics" else { return nil }
        guard method == "GET" || method == "HEAD" else {
            var reply = plain(.methodNotAllowed, "Use GET\n", label: "operations")
            reply.headers.add(name: "Allow", value: "GET, HEAD")
            return reply
        }
        var reply: Reply
        switch lowered {
        case "/healthz":
            reply = plain(.ok, "ok\n", label: "healthz")
        case "/readyz":
            reply = plain(
                .ok, "ready: generation \(snapshot.generation), \(snapshot.config.domains.count) domains\n",
                label: "readyz")
        default:
            reply = Reply(
                status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain; version=0.0.4; charset=utf-8")]),
                body: metrics.exposition(), label: "metrics")
        }
        reply.headers.add(name: "Cache-Control", value: "no-store")
        return finish(reply, method)
    }

    private func plain(_ status: HTTPResponseStatus, _ text: String, label: String) -> Reply {
        Reply(
            status: status, headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]), body: Array(text.utf8),
            label: label)
    }

    private func finish(_ reply: Reply, _ method: String) -> Reply {
        var reply = reply
        reply.headers.replaceOrAdd(name: "Content-Length", value: String(reply.body.count))
        if method == "HEAD" { reply.omitBody = true }
        return reply
    }

    /// `X-Forwarded-Host` from a trusted proxy, else `Host` (HTTP/2 `:authority` arrives as `Host`).
    private func effectiveHost(_ headers: HTTPHeaders, peer: [UInt8]?, snapshot: ConfigStore.Snapshot) -> String? {
        if let forwarded = headers.first(name: "x-forwarded-host"), let peer,
            snapshot.config.server.trustedProxies.contains(where: { $0.contains(peer) })
        {
            // A proxy chain lists hosts left to right; the first is what the client asked for.
            return forwarded.split(separator: ",").first.map { String($0).trimmingCharacters(in: " ") }
        }
        return headers.first(name: "host")
    }
}

extension DomainName {
    /// A placeholder for answers that name no domain.
    static let invalid = try! DomainName("invalid")
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var slice = Substring(self)
        while slice.first == set { slice = slice.dropFirst() }
        while slice.last == set { slice = slice.dropLast() }
        return String(slice)
    }
}

/// Entity tags from the config generation and the body, so a reload or another address changes them.
enum ETag {
    static func make(generation: Int, body: [UInt8]) -> String {
        "\"g\(generation)-\(String(hash(body), radix: 16))\""
    }

    /// A 64-bit hash taking 8 bytes a step (multiply and fold, in the manner of wyhash): one ETag costs
    /// about a tenth of a byte-wise FNV over the same answer.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { raw -> UInt64 in
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(raw.count)
            var offset = 0
            while offset + 8 <= raw.count {
                let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                state = mix(state ^ word, 0xA076_1D64_78BD_642F)
                offset += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < raw.count {
                tail |= UInt64(raw[offset]) << shift
                shift += 8
                offset += 1
            }
            return mix(state ^ tail, 0xE703_7ED1_A0B4_28DB)
        }
    }

    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// `If-None-Match` may list several tags, weak ones included, or `*`.
    static func matches(_ header: String, _ tag: String) -> Bool {
        for candidate in header.split(separator: ",") {
            var value = candidate.trimmingPrefix(" ").trimmingSuffixSpaces()
            if value == "*" { return true }
            if value.hasPrefix("W/") { value = value.dropFirst(2) }
            if value == tag { return true }
        }
        return false
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

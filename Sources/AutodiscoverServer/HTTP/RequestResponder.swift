import AutodiscoverCore
import Logging
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

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

    /// A response ready to encode: the status, the answer's own headers (prepared once per answer and
    /// shared, so a request builds no header strings) and the few headers that depend on the request.
    public struct Reply: Sendable {
        public var status: HTTPResponseStatus
        /// The answer's `Content-Type` and other headers (`Access-Control-Allow-Origin`, `Content-Disposition`,
        /// …), with their HTTP/1.1 field lines; its own status is the answer's, `status` is what is sent.
        public var answerHead: AnswerHead
        public var contentType: String { answerHead.contentType }
        public var headers: [(String, String)] { answerHead.headers }
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
        /// Renderer id or operations endpoint, for logs and metrics.
        public var label: String
        public var domain: String?

        public init(status: HTTPResponseStatus, head: AnswerHead, body: [UInt8], label: String, domain: String? = nil) {
            self.status = status
            answerHead = head
            self.body = body
            self.label = label
            self.domain = domain
        }

        /// A plain-text reply.
        public static func text(_ status: HTTPResponseStatus, _ text: String, label: String) -> Reply {
            Reply(status: status, head: plainText, body: Array(text.utf8), label: label)
        }

        private static let plainText = AnswerHead(contentType: "text/plain; charset=utf-8")
        static let metricsText = AnswerHead(contentType: "text/plain; version=0.0.4; charset=utf-8")

        /// Every header but `Content-Length` and `Connection`, in the order they are sent.
        @inline(__always)
        public func forEachHeader(_ body: (String, String) -> Void) {
            body("Content-Type", contentType)
            for (name, value) in headers { body(name, value) }
            forEachResponseHeader(body)
        }

        /// The headers this reply adds to its answer's own (`Content-Type` and `headers`), in order.
        @inline(__always)
        public func forEachResponseHeader(_ body: (String, String) -> Void) {
            if let allow { body("Allow", allow) }
            body("Cache-Control", cacheable ? "private, max-age=3600" : "no-store")
            if varyHost { body("Vary", "Host") }
            if let entityTag { body("ETag", entityTag.text) }
        }

        /// The length announced in `Content-Length` (a HEAD announces the body it does not send).
        public var contentLength: Int { body.count }
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
    public func respond(_ request: Request, time: (seconds: Int, nanoseconds: Int)) -> Reply {
        var reply = reply(to: request, time: time)
        // HEAD: the headers describe the body that is not sent.
        if request.head.method == .HEAD { reply.omitBody = true }
        return reply
    }

    private func reply(to request: Request, time: (seconds: Int, nanoseconds: Int)) -> Reply {
        let snapshot = store.current
        let method = request.head.method.rawValue
        let target = request.head.uri
        let pathEnd =
            ASCII.firstIndex(in: target, where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) ?? target.endIndex
        let path = target[..<pathEnd]
        if let reply = operations(path: path, method: method, snapshot: snapshot) { return reply }

        switch engine.match(method: method, path: path) {
        case .notFound:
            return .text(.notFound, "Not found\n", label: "none")
        case .methodNotAllowed(let renderer):
            let prepared = renderer.errorAnswer(.methodNotAllowed)
            let body = prepared.body(for: AnswerContext(address: nil, requestedDomain: DomainName.invalid))
            var reply = Reply(status: .methodNotAllowed, head: prepared.head, body: body, label: renderer.id.rawValue)
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
                return Reply(
                    status: HTTPResponseStatus(statusCode: response.status), head: response.head, body: response.body,
                    label: response.renderer.rawValue, domain: response.domain)
            }
            if response.stale { metrics.staleAnswer() }
            // An answer: cacheable, tagged, and 304 when the client holds it already.
            let tag = ETag(generation: snapshot.generation, body: response.body)
            let held = request.head.fields.ifNoneMatch.map { ETag.matches($0, tag.text) } ?? false
            var reply = Reply(
                status: held ? .notModified : .ok, head: response.head, body: held ? [] : response.body,
                label: response.renderer.rawValue, domain: response.domain)
            reply.cacheable = true
            reply.varyHost = response.dependsOnHost
            reply.entityTag = tag
            return reply
        }
    }

    /// `/healthz`, `/readyz`, `/metrics`.
    private func operations(path: Substring, method: String, snapshot: ConfigStore.Snapshot) -> Reply? {
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
            var reply = Reply.text(.methodNotAllowed, "Use GET\n", label: "operations")
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
            return Reply(status: .ok, head: Reply.metricsText, body: metrics.exposition(), label: "metrics")
        }
    }

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

/// Entity tags from the config generation and the body, so a reload or another address changes them:
/// `"g<generation>-<hash in hex>"`.
public struct ETag: Sendable, Equatable {
    public let generation: Int
    public let hash: UInt64

    init(generation: Int, body: [UInt8]) {
        self.init(generation: generation, hash: Self.hash(body))
    }

    init(generation: Int, hash: UInt64) {
        self.generation = generation
        self.hash = hash
    }

    /// The tag as sent, quotes included.
    public var text: String {
        String(unsafeUninitializedCapacity: Self.maxLength) { write(into: $0) }
    }

    /// Longest tag: quotes, `g`, 19 digits of generation, `-`, 16 hex digits.
    static let maxLength = 40

    /// Writes the tag into `buffer` (at least ``maxLength`` bytes); returns the bytes written.
    func write(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var index = 0
        func put(_ byte: UInt8) {
            buffer[index] = byte
            index += 1
        }
        put(UInt8(ascii: "\""))
        put(UInt8(ascii: "g"))
        index += DecimalText.write(UInt(max(generation, 0)), to: UnsafeMutableRawPointer(buffer.baseAddress! + index))
        put(UInt8(ascii: "-"))
        var started = false
        for shift in stride(from: 60, through: 0, by: -4) {
            let nibble = Int((hash >> UInt64(shift)) & 0xF)
            if nibble != 0 || started || shift == 0 {
                put(nibble < 10 ? UInt8(ascii: "0") + UInt8(nibble) : UInt8(ascii: "a") + UInt8(nibble - 10))
                started = true
            }
        }
        put(UInt8(ascii: "\""))
        return index
    }

    /// A 64-bit hash taking 32 bytes a step in four independent lanes (multiply and fold, in the manner of
    /// wyhash), so the multiplications overlap instead of waiting on each other: one ETag costs a small
    /// fraction of a byte-wise FNV over the same answer.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { raw -> UInt64 in
            let count = raw.count
            var lanes: (UInt64, UInt64, UInt64, UInt64) = (
                0x9E37_79B9_7F4A_7C15 ^ UInt64(count), 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9,
                0x85EB_CA77_C2B2_AE63
            )
            var offset = 0
            while offset + 32 <= count {
                lanes.0 = mix(lanes.0 ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self), 0xA076_1D64_78BD_642F)
                lanes.1 = mix(lanes.1 ^ raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self), 0xE703_7ED1_A0B4_28DB)
                lanes.2 = mix(lanes.2 ^ raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self), 0x8EBC_6AF0_9C88_C6E3)
                lanes.3 = mix(lanes.3 ^ raw.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self), 0x5899_65CC_7537_4CC3)
                offset += 32
            }
            var state = mix(lanes.0 ^ lanes.1, 0xA076_1D64_78BD_642F) ^ mix(lanes.2 ^ lanes.3, 0xE703_7ED1_A0B4_28DB)
            while offset + 8 <= count {
                state = mix(state ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self), 0xA076_1D64_78BD_642F)
                offset += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
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

extension RequestResponder {
    /// Answers a complete request now, for the HTTP/1.1 and HTTP/2 handlers: reads the wall clock (POX
    /// error documents carry the time) and the peer's address (a locked read in NIO) only when the request
    /// has `X-Forwarded-Host` (which counts only from a trusted proxy).
    func respond(head: RequestHead, body: [UInt8], remoteAddress: @autoclosure () -> SocketAddress?) -> Reply {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let peer =
            head.fields.forwardedHost != nil
            ? remoteAddress()?.ipAddress.flatMap(IPAddressBytes.parse) : nil
        return respond(.init(head: head, body: body, peer: peer), time: (Int(now.tv_sec), Int(now.tv_nsec)))
    }
}

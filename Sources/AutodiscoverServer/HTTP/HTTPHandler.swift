import AutodiscoverCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2

#if canImport(Glibc)
import Glibc
#endif

/// Collects one request (head and body, within the limits) and writes the responder's reply.
///
/// Serves HTTP/1.1 directly and HTTP/2 streams through `HTTP2FramePayloadToHTTP1ServerCodec`.
/// A request target over `max_uri_bytes` gets 414, a header block over `max_header_bytes` 431, a body over
/// `max_body_bytes` 413 at once, and a request still incomplete after `request_timeout` 408; each of these
/// closes the connection (or stream) without reading the rest.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: RequestResponder
    private let logger: Logger
    private let accessLog: Bool
    private let limits: Limits
    /// True on the TLS listener (the scheme logged when no trusted proxy says otherwise).
    private let secure: Bool
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var rejected = false
    private var started: UInt64 = 0
    private var requestTimer: Scheduled<Void>?
    /// The last response's write, so a peer's half-close can close the connection once it is out.
    private var lastWrite: EventLoopFuture<Void>?

    init(responder: RequestResponder, logger: Logger, accessLog: Bool, limits: Limits, secure: Bool) {
        self.secure = secure
        self.responder = responder
        self.logger = logger
        self.accessLog = accessLog
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.removeAll(keepingCapacity: true)
            rejected = false
            started = Self.monotonicNanoseconds()
            if requestHead.uri.utf8.count > limits.maxURIBytes {
                reject(.uriTooLong, "Request target longer than \(limits.maxURIBytes) bytes\n", requestHead, context)
            } else if Self.headerBytes(requestHead.headers) > limits.maxHeaderBytes {
                reject(
                    .requestHeaderFieldsTooLarge, "Request headers larger than \(limits.maxHeaderBytes) bytes\n",
                    requestHead, context)
            } else if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init),
                length > limits.maxBodyBytes
            {
                reject(.payloadTooLarge, "Request body larger than \(limits.maxBodyBytes) bytes\n", requestHead, context)
            } else if requestHead.headers.contains(name: "content-length")
                || requestHead.headers.contains(name: "transfer-encoding")
            {
                startRequestTimer(context: context)
            }
        case .body(var buffer):
            guard !rejected, let requestHead = head else { return }
            if requestTimer == nil { startRequestTimer(context: context) }
            if body.count + buffer.readableBytes > limits.maxBodyBytes {
                reject(.payloadTooLarge, "Request body larger than \(limits.maxBodyBytes) bytes\n", requestHead, context)
                return
            }
            body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
        case .end:
            guard !rejected, let requestHead = head else { return }
            head = nil
            requestTimer?.cancel()
            requestTimer = nil
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            // The peer matters only for X-Forwarded-* (trusted proxies); skip the work otherwise.
            let peer =
                requestHead.headers.contains(name: "x-forwarded-host")
                ? context.channel.remoteAddress?.ipAddress.flatMap(IPAddressBytes.parse) : nil
            let reply = responder.respond(
                .init(head: requestHead, body: body, peer: peer), time: (Int(now.tv_sec), Int(now.tv_nsec)))
            write(reply, for: requestHead, context: context, close: false)
        }
    }

    /// A body still arriving `request_timeout` after the head began gets 408 (the head's own deadline is
    /// HeaderTimeoutHandler's). Requests without a body never start the timer.
    private func startRequestTimer(context: ChannelHandlerContext) {
        requestTimer?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let elapsed = Int64(Self.monotonicNanoseconds() &- started)
        let remaining = max(TimeAmount(limits.requestTimeout).nanoseconds - elapsed, 0)
        requestTimer = context.eventLoop.scheduleTask(in: .nanoseconds(remaining)) {
            let (handler, context) = loopBound.value
            guard !handler.rejected, let requestHead = handler.head else { return }
            handler.reject(.requestTimeout, "Request not complete within the time allowed\n", requestHead, context)
        }
    }

    /// Cleartext HTTP/1.1 connections allow half-closure (so a client may send its request and then FIN):
    /// when the peer has finished sending, close as soon as the last answer is written. Left open, every
    /// connection a client closes would count against `max_connections` until the idle timeout.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? ChannelEvent, event == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let channel = context.channel
        if let lastWrite {
            lastWrite.whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        requestTimer?.cancel()
        requestTimer = nil
    }

    /// Bytes of header names and values, as counted against `max_header_bytes`.
    static func headerBytes(_ headers: HTTPHeaders) -> Int {
        var total = 0
        for (name, value) in headers { total += name.utf8.count + value.utf8.count + 4 }
        return total
    }

    /// Answers a request that broke a limit and closes the connection (HTTP/1.1) or stream (HTTP/2).
    private func reject(
        _ status: HTTPResponseStatus, _ message: String, _ requestHead: HTTPRequestHead, _ context: ChannelHandlerContext
    ) {
        rejected = true
        head = nil
        requestTimer?.cancel()
        requestTimer = nil
        let text = Array(message.utf8)
        let reply = RequestResponder.Reply(
            status: status,
            headers: HTTPHeaders([
                ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", String(text.count)),
                ("Cache-Control", "no-store"), ("Connection", "close"),
            ]), body: text, label: "limit")
        write(reply, for: requestHead, context: context, close: true)
    }

    private func write(_ reply: RequestResponder.Reply, for requestHead: HTTPRequestHead, context: ChannelHandlerContext, close: Bool) {
        var headers = reply.headers
        let keepAlive = requestHead.isKeepAlive && !close
        if requestHead.version.major == 1 {
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        } else {
            headers.remove(name: "Connection")
        }
        let responseHead = HTTPResponseHead(version: requestHead.version, status: reply.status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if !reply.omitBody && !reply.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: reply.body.count)
            buffer.writeBytes(reply.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlushPromise()
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        lastWrite = done.futureResult
        if !close && !keepAlive && requestHead.version.major == 1 {
            // `Connection: close` or HTTP/1.0 without keep-alive: the whole request was read, close at once.
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        } else if close {
            let channel = context.channel
            let http1 = requestHead.version.major == 1
            // On HTTP/2 the stream ends with RST_STREAM NO_ERROR ("stop sending, the answer is complete",
            // RFC 9113 §8.1), after a grace period in which what still arrives is dropped: a reset right
            // after the answer makes curl, still uploading, lose the answer it has not read yet.
            let codec = http1 ? nil : try? context.pipeline.syncOperations.context(
                handlerType: HTTP2FramePayloadToHTTP1ServerCodec.self)
            let codecBound = codec.map { NIOLoopBound($0, eventLoop: context.eventLoop) }
            done.futureResult.whenComplete { _ in
                guard http1 else {
                    channel.eventLoop.scheduleTask(in: .milliseconds(500)) {
                        if let codec = codecBound?.value {
                            codec.writeAndFlush(NIOAny(HTTP2Frame.FramePayload.rstStream(.noError)), promise: nil)
                        }
                        channel.close(promise: nil)
                    }
                    return
                }
                // Closing at once while the client still sends its body would make the kernel reset the
                // connection and could destroy the 413 before the client reads it: close our side, ignore
                // what still arrives, and close fully after a grace period.
                let closedOutput = channel.eventLoop.makePromise(of: Void.self)
                channel.close(mode: .output, promise: closedOutput)
                closedOutput.futureResult.whenComplete { result in
                    if case .failure = result {
                        channel.close(promise: nil)
                    } else {
                        channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
                    }
                }
            }
        }
        let elapsed = Int64(Self.monotonicNanoseconds() &- started)
        let client = ClientFamily(userAgent: requestHead.headers.first(name: "user-agent"))
        responder.metrics.request(renderer: reply.label, status: Int(reply.status.code), client: client, nanoseconds: elapsed)
        if accessLog {
            let (remote, scheme) = origin(of: requestHead, context: context)
            logger.info(
                "request",
                metadata: [
                    "method": "\(requestHead.method.rawValue)",
                    "path": "\(Self.pathForLog(requestHead.uri))",
                    "http": "\(requestHead.version.major == 2 ? "2" : "1.1")",
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
    }

    /// The client's address and scheme: `X-Forwarded-For` (first entry) and `X-Forwarded-Proto` when the
    /// peer is a trusted proxy, else the peer's own address and the listener's scheme.
    private func origin(of head: HTTPRequestHead, context: ChannelHandlerContext) -> (String, String) {
        let peer = context.channel.remoteAddress?.ipAddress ?? "-"
        var scheme = secure ? "https" : "http"
        var remote = peer
        let proxies = responder.store.current.config.server.trustedProxies
        if let bytes = IPAddressBytes.parse(peer), proxies.contains(where: { $0.contains(bytes) }) {
            if let forwarded = head.headers.first(name: "x-forwarded-for")?.split(separator: ",").first {
                remote = forwarded.trimmingPrefix(" ").trimmingSuffixSpaces().description
            }
            if let proto = head.headers.first(name: "x-forwarded-proto"), proto == "http" || proto == "https" {
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

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Malformed HTTP is answered by NIO's error handler; anything else ends this connection only.
        context.close(promise: nil)
    }
}

extension ChannelHandlerContext {
    func writeAndFlushPromise() -> EventLoopPromise<Void> { eventLoop.makePromise() }
}

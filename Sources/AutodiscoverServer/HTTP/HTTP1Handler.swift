import AutodiscoverCore
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// Serves HTTP/1.1 behind NIO's request decoder: collects each request (head and body, within the limits),
/// answers it and writes the whole response as one buffer; responses to pipelined requests go out in one
/// flush when the read is done.
///
/// A request target over `max_uri_bytes` gets 414, a header block over `max_header_bytes` 431, a body over
/// `max_body_bytes` 413 at once, a request still incomplete after `request_timeout` 408, and bytes the
/// decoder cannot parse 400; each of these closes the connection without reading the rest. Answers are
/// written in request order because each is made as soon as its request is complete.
final class HTTP1Handler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    /// Answers requests, counts and logs them.
    private let log: ExchangeLog
    private let limits: Limits
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var started: UInt64 = 0
    private var requestTimer: Scheduled<Void>?
    /// The connection is closing: nothing more is answered.
    private var closing = false
    /// The server is shutting down: close after the request in progress.
    private var quiescing = false
    private var needsFlush = false

    init(log: ExchangeLog, limits: Limits) {
        self.log = log
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.removeAll(keepingCapacity: true)
            started = ExchangeLog.monotonicNanoseconds()
            if let refusal = limits.violation(of: requestHead) {
                refuse(refusal, requestHead, context)
            }
        case .body(let buffer):
            guard let requestHead = head else { return }
            if body.count + buffer.readableBytes > limits.maxBodyBytes {
                refuse(limits.bodyTooLarge, requestHead, context)
                return
            }
            buffer.withUnsafeReadableBytes { body.append(contentsOf: $0) }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            requestTimer?.cancel()
            requestTimer = nil
            let reply = log.responder.respond(head: requestHead, body: body, remoteAddress: context.channel.remoteAddress)
            let keepAlive = requestHead.isKeepAlive && !quiescing
            let buffer = encode(reply, keepAlive: keepAlive, http10: requestHead.version == .http1_0, context)
            if keepAlive {
                context.write(wrapOutboundOut(buffer), promise: nil)
                needsFlush = true
            } else {
                // `Connection: close`, HTTP/1.0 or shutdown: the whole request was read, close once written.
                closing = true
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
            }
            log.record(reply, for: requestHead, started: started, remoteAddress: context.channel.remoteAddress)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // A request still incomplete when the read is done is being sent slowly: only now does it cost a
        // timer (a request that arrives in one read, as nearly all do, never schedules one).
        if head != nil && requestTimer == nil && !closing { startRequestTimer(context: context) }
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    private func encode(
        _ reply: RequestResponder.Reply, keepAlive: Bool, http10: Bool, _ context: ChannelHandlerContext
    ) -> ByteBuffer {
        var buffer = context.channel.allocator.buffer(capacity: reply.body.count + 384)
        HTTP1ResponseEncoder.encode(reply, keepAlive: keepAlive, announceKeepAlive: keepAlive && http10, into: &buffer)
        return buffer
    }

    /// A body still arriving `request_timeout` after the head began gets 408 (the head's own deadline is
    /// HeaderTimeoutHandler's).
    private func startRequestTimer(context: ChannelHandlerContext) {
        requestTimer?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        requestTimer = context.eventLoop.scheduleTask(in: limits.requestTimeLeft(since: started)) {
            let (handler, context) = loopBound.value
            guard !handler.closing, let requestHead = handler.head else { return }
            handler.refuse(Limits.requestTimedOut, requestHead, context)
        }
    }

    /// Answers a request that broke a limit and closes the connection without reading the rest.
    private func refuse(_ refusal: Limits.Refusal, _ requestHead: HTTPRequestHead, _ context: ChannelHandlerContext) {
        closing = true
        head = nil
        requestTimer?.cancel()
        requestTimer = nil
        let reply = RequestResponder.Reply.refusal(refusal)
        let buffer = encode(reply, keepAlive: false, http10: false, context)
        log.record(reply, for: requestHead, started: started, remoteAddress: context.channel.remoteAddress)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
            // Closing at once while the client still sends its body would make the kernel reset the
            // connection and could destroy the answer before the client reads it: close our side, ignore
            // what still arrives, and close fully after a grace period.
            channel.close(mode: .output).whenComplete { result in
                if case .failure = result {
                    channel.close(promise: nil)
                } else {
                    channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
                }
            }
        }
    }

    /// Cleartext connections allow half-closure (so a client may send its request and then FIN): when the
    /// peer has finished sending, close as soon as what was written is out. Left open, every connection a
    /// client closes would count against `max_connections` until the idle timeout. On shutdown, an idle
    /// connection closes at once and a busy one after its answer.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            if head == nil { closeAfterWrites(context) }
            return
        }
        guard let event = event as? ChannelEvent, event == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        closeAfterWrites(context)
    }

    /// Closes once everything written so far is out (writes complete in order: an empty one marks the end).
    private func closeAfterWrites(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        needsFlush = false
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        requestTimer?.cancel()
        requestTimer = nil
    }

    /// Bytes the decoder cannot parse get 400 and the connection closes (no answer is ever half written:
    /// each is written whole when its request completes).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError, !closing else {
            context.close(promise: nil)
            return
        }
        closing = true
        requestTimer?.cancel()
        requestTimer = nil
        let reply = RequestResponder.Reply.malformed
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(encode(reply, keepAlive: false, http10: false, context))).whenComplete {
            _ in channel.close(promise: nil)
        }
    }
}

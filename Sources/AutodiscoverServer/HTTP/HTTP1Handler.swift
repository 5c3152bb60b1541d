import AutodiscoverCore
import NIOCore
import NIOHTTP1

/// Serves an HTTP/1.1 connection straight from its bytes: reads each request's head with ``HTTP1Head``
/// and its body (`Content-Length` or chunked) within the limits, answers it and writes the whole response
/// as one buffer; responses to pipelined requests go out in one flush when the read is done.
///
/// A request target over `max_uri_bytes` gets 414, a header block over `max_header_bytes` 431, a body over
/// `max_body_bytes` 413 at once (a head still growing past those limits is refused before it ends), a
/// request still incomplete after `request_timeout` 408, a head that cannot be read 400 (a major version
/// other than 1 too); each of these closes the connection without reading the rest. The first head must
/// arrive within `header_timeout` of the connection opening and each next one within `idle_timeout +
/// header_timeout` of the last response, or the connection is closed (slowloris, idle clients); a request
/// only moves that deadline, and its one timer re-arms itself when it fires early, so keep-alive traffic
/// schedules nothing per request. Answers are written in request order because each is made as soon as
/// its request is complete. While answers cannot be written (a client pipelining requests without reading
/// them), the connection is not read (what NIO's `BackPressureHandler` does, without a handler of its own
/// that every read and write passes through).
final class HTTP1Handler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A request whose head has been read and whose body is still arriving.
    private struct Reading {
        var head: RequestHead
        /// Body bytes still expected (`Content-Length`), or nil for a chunked body.
        var remaining: Int?
        var chunks: ChunkedBodyDecoder?
    }

    /// Answers requests, counts and logs them.
    private let log: ExchangeLog
    private let limits: Limits
    /// Received bytes not yet part of a complete head or body (a request split across reads).
    private var pending: ByteBuffer?
    /// How far `pending` was searched for the end of a head.
    private var searched = 0
    private var reading: Reading?
    /// Whether a body is being read (tested without copying the request in progress).
    private var readingBody: Bool {
        if case .some = reading { true } else { false }
    }
    private var body: [UInt8] = []
    private var started: UInt64 = 0
    private var requestTimer: Scheduled<Void>?
    /// When the connection is closed unless a head arrives first; nil while a request is being served.
    private var headDeadline: NIODeadline?
    private var headTimer: Scheduled<Void>?
    /// The connection is closing: nothing more is answered.
    private var closing = false
    /// The server is shutting down: close after the request in progress.
    private var quiescing = false
    private var needsFlush = false
    /// Reads are held back while the channel cannot take more writes.
    private var gate = ReadGate()

    /// A head with no blank line yet is refused once it is this long.
    private let maxHeadBytes: Int
    /// A request line with no end yet is refused (414) once it is this long.
    private let maxRequestLineBytes: Int

    init(log: ExchangeLog, limits: Limits) {
        self.log = log
        self.limits = limits
        maxRequestLineBytes = limits.maxURIBytes + 64
        maxHeadBytes = maxRequestLineBytes + limits.maxHeaderBytes + 4096
    }

    func handlerAdded(context: ChannelHandlerContext) {
        expectHead(context: context, within: TimeAmount(limits.headerTimeout))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        var incoming = unwrapInboundIn(data)
        if var buffered = pending {
            pending = nil
            buffered.writeBuffer(&incoming)
            process(&buffered, context)
            keep(&buffered, copy: false)
        } else {
            process(&incoming, context)
            keep(&incoming, copy: true)
        }
    }

    /// Keeps what is left of a read for the next one (a copy of the read buffer's rest, so the channel can
    /// reuse its buffer and a slow client holds only its own few bytes).
    private func keep(_ buffer: inout ByteBuffer, copy: Bool) {
        guard !closing, buffer.readableBytes > 0 else {
            searched = 0
            return
        }
        if copy {
            var rest = ByteBufferAllocator().buffer(capacity: buffer.readableBytes)
            rest.writeBuffer(&buffer)
            pending = rest
        } else {
            buffer.discardReadBytes()
            pending = buffer
        }
    }

    /// Reads every complete request in `buffer` and answers it; stops at an incomplete one.
    private func process(_ buffer: inout ByteBuffer, _ context: ChannelHandlerContext) {
        while !closing && buffer.readableBytes > 0 {
            if readingBody {
                guard readBody(&buffer, context) else { return }
                continue
            }
            // Empty lines before a request line are skipped (RFC 9112 §2.2).
            while let byte = buffer.readableBytesView.first, byte == HTTP1Head.CR || byte == HTTP1Head.LF {
                buffer.moveReaderIndex(forwardBy: 1)
                searched = 0
            }
            guard buffer.readableBytes > 0, readHead(&buffer, context) else { return }
        }
    }

    /// Reads a head if all of it is there; false when more bytes are needed or the connection is closing.
    private func readHead(_ buffer: inout ByteBuffer, _ context: ChannelHandlerContext) -> Bool {
        enum Outcome {
            case incomplete
            case tooLong(Limits.Refusal)
            case head(HTTP1Head, RequestHead, length: Int)
            case unreadable(HTTP1HeadError)
        }
        let (maxHead, maxLine, resume) = (maxHeadBytes, maxRequestLineBytes, searched)
        let (maxURI, maxHeader) = (limits.maxURIBytes, limits.maxHeaderBytes)
        let outcome = buffer.withUnsafeReadableBytes { bytes -> Outcome in
            guard let end = HTTP1Head.end(in: bytes, from: resume) else {
                if bytes.count > maxLine, (HTTP1Head.firstLF(bytes, from: 0) ?? maxLine) >= maxLine {
                    return .tooLong(Limits.uriTooLong(limit: maxURI))
                }
                return bytes.count > maxHead ? .tooLong(Limits.headersTooLarge(limit: maxHeader)) : .incomplete
            }
            let headBytes = UnsafeRawBufferPointer(rebasing: bytes[..<end])
            do throws(HTTP1HeadError) {
                let (parsed, head) = try RequestHead.parse(headBytes)
                return .head(parsed, head, length: end)
            } catch {
                return .unreadable(error)
            }
        }
        switch outcome {
        case .incomplete:
            searched = max(buffer.readableBytes - 2, 0)
            return false
        case .tooLong(let refusal):
            started = ExchangeLog.monotonicNanoseconds()
            refuse(refusal, Self.unread, context)
            return false
        case .unreadable(let error):
            started = ExchangeLog.monotonicNanoseconds()
            refuse(error == .versionNotSupported ? Limits.versionNotSupported : nil, Self.unread, context)
            return false
        case .head(let parsed, let head, let length):
            buffer.moveReaderIndex(forwardBy: length)
            searched = 0
            headDeadline = nil
            started = ExchangeLog.monotonicNanoseconds()
            if let refusal = limits.violation(of: head, headerBytes: parsed.headerBytes, framing: parsed.framing) {
                refuse(refusal, head, context)
                return false
            }
            switch parsed.framing {
            case .none:
                answer(head, context)
            case .length(let length):
                reading = Reading(head: head, remaining: length, chunks: nil)
                body.removeAll(keepingCapacity: true)
                body.reserveCapacity(length)
            case .chunked:
                reading = Reading(head: head, remaining: nil, chunks: ChunkedBodyDecoder(maxBodyBytes: limits.maxBodyBytes))
                body.removeAll(keepingCapacity: true)
            }
            if parsed.expectsContinue && buffer.readableBytes == 0 {
                // The client waits for this before sending its body (curl does, for large ones).
                var interim = context.channel.allocator.buffer(capacity: 25)
                interim.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
                context.write(wrapOutboundOut(interim), promise: nil)
                needsFlush = true
            }
            return !closing
        }
    }

    /// Reads body bytes of the request in progress; answers it when the body is complete. False when more
    /// bytes are needed or the connection is closing.
    private func readBody(_ buffer: inout ByteBuffer, _ context: ChannelHandlerContext) -> Bool {
        guard readingBody else { return true }
        // The request in progress is changed in place, not copied out and back.
        if let remaining = reading!.remaining {
            let take = min(remaining, buffer.readableBytes)
            buffer.withUnsafeReadableBytes { body.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[..<take])) }
            buffer.moveReaderIndex(forwardBy: take)
            guard take == remaining else {
                reading!.remaining = remaining - take
                return false
            }
        } else {
            let (consumed, progress) = buffer.withUnsafeReadableBytes { reading!.chunks!.consume($0, into: &body) }
            buffer.moveReaderIndex(forwardBy: consumed)
            switch progress {
            case .needMore:
                return false
            case .invalid:
                refuse(nil, reading!.head, context)
                return false
            case .tooLarge:
                refuse(limits.bodyTooLarge, reading!.head, context)
                return false
            case .done:
                break
            }
        }
        let head = reading.take()!.head
        requestTimer?.cancel()
        requestTimer = nil
        answer(head, context)
        return !closing
    }

    /// Answers a complete request and writes the answer (flushed when the read is done, or at once when
    /// the connection closes after it).
    private func answer(_ head: RequestHead, _ context: ChannelHandlerContext) {
        let reply = log.responder.respond(head: head, body: body, remoteAddress: context.channel.remoteAddress)
        let keepAlive = head.isKeepAlive && !quiescing
        let buffer = encode(reply, keepAlive: keepAlive, http10: head.version == .http1_0, context)
        if keepAlive {
            context.write(wrapOutboundOut(buffer), promise: nil)
            needsFlush = true
            expectHead(context: context, within: TimeAmount(limits.idleTimeout + limits.headerTimeout))
        } else {
            // `Connection: close`, HTTP/1.0 or shutdown: the whole request was read, close once written.
            closing = true
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
        }
        log.record(reply, for: head, started: started, remoteAddress: context.channel.remoteAddress)
    }

    func read(context: ChannelHandlerContext) {
        gate.read(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        gate.writabilityChanged(context)
        if !gate.writable { context.flush() }
        context.fireChannelWritabilityChanged()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // A body still incomplete when the read is done is being sent slowly: only now does it cost a
        // timer (a request that arrives in one read, as nearly all do, never schedules one).
        if readingBody && requestTimer == nil && !closing { startRequestTimer(context: context) }
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

    /// A body still arriving `request_timeout` after the head began gets 408.
    private func startRequestTimer(context: ChannelHandlerContext) {
        requestTimer?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        requestTimer = context.eventLoop.scheduleTask(in: limits.requestTimeLeft(since: started)) {
            let (handler, context) = loopBound.value
            guard !handler.closing, let current = handler.reading else { return }
            handler.refuse(Limits.requestTimedOut, current.head, context)
        }
    }

    /// Sets the deadline for the next head; starts the timer only if none is pending.
    private func expectHead(context: ChannelHandlerContext, within delay: TimeAmount) {
        let due = NIODeadline.now() + delay
        headDeadline = due
        if headTimer == nil { armHeadTimer(context: context, at: due) }
    }

    private func armHeadTimer(context: ChannelHandlerContext, at due: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        headTimer = context.eventLoop.scheduleTask(deadline: due) {
            let (handler, context) = loopBound.value
            handler.headTimer = nil
            guard let deadline = handler.headDeadline, !handler.closing else { return }  // serving: re-armed after
            if deadline <= .now() {
                handler.closing = true
                context.close(promise: nil)
            } else {
                handler.armHeadTimer(context: context, at: deadline)
            }
        }
    }

    private func cancelTimers() {
        requestTimer?.cancel()
        requestTimer = nil
        headTimer?.cancel()
        headTimer = nil
    }

    /// Answers a request that broke a limit or cannot be read (`refusal` nil: 400) and closes the
    /// connection without reading the rest.
    private func refuse(_ refusal: Limits.Refusal?, _ requestHead: RequestHead, _ context: ChannelHandlerContext) {
        closing = true
        reading = nil
        pending = nil
        cancelTimers()
        let reply = refusal.map(RequestResponder.Reply.refusal) ?? .malformed
        let buffer = encode(reply, keepAlive: false, http10: false, context)
        log.record(reply, for: requestHead, started: started, remoteAddress: context.channel.remoteAddress)
        needsFlush = false
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
            if !readingBody { closeAfterWrites(context) }
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
        cancelTimers()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: - Heads

    /// What a refused request that has no readable head is logged as.
    private static let unread = RequestHead(method: .GET, uri: "/")
}

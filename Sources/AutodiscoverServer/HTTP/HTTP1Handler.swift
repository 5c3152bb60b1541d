import AutodiscoverCore
import AutodiscoverHTTP
import NIOCore

/// Serves an HTTP/1.1 connection: the NIO side of ``HTTP1Connection``, which decides everything. This
/// adapter keeps the bytes not yet consumed, runs the one timer the connection asks for, answers each
/// complete request with the responder and writes the whole response as one buffer; responses to
/// pipelined requests go out in one flush when the read is done.
///
/// The timer is armed at the connection's deadline and re-armed when it fires early (keep-alive traffic
/// moves the deadline later and schedules nothing per request); only a body arriving slowly moves it
/// earlier. While answers cannot be written (a client pipelining requests without reading them), the
/// connection is not read.
final class HTTP1Handler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: RequestResponder
    private let recorder: RequestRecorder
    private var connection: HTTP1Connection
    private var pending = PendingBytes()
    private var timer: (deadline: UInt64, task: Scheduled<Void>)?
    private var needsFlush = false
    /// Reads are held back while the channel cannot take more writes.
    private var gate = ReadGate()

    init(responder: RequestResponder, recorder: RequestRecorder, limits: Limits) {
        self.responder = responder
        self.recorder = recorder
        connection = HTTP1Connection(limits: limits, now: MonotonicClock.now())
    }

    func handlerAdded(context: ChannelHandlerContext) {
        armTimer(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !connection.isClosed else { return }
        pending.consume(unwrapInboundIn(data), { process(&$0, context) }, keep: { !connection.isClosed })
    }

    /// Hands the bytes to the connection and does what it says until it needs more.
    private func process(_ buffer: inout ByteBuffer, _ context: ChannelHandlerContext) {
        let now = MonotonicClock.now()
        while true {
            let (consumed, action) = buffer.withUnsafeReadableBytes { connection.read($0, now: now) }
            buffer.moveReaderIndex(forwardBy: consumed)
            switch action {
            case .answer(let head, let body):
                answer(head, body, context)
                // Nearly every read holds one whole request: done without asking the connection again.
                if connection.isClosed || buffer.readableBytes == 0 { return }
            case .sendContinue:
                var interim = context.channel.allocator.buffer(capacity: 25)
                interim.writeStaticString(HTTP1ResponseEncoder.continueHead)
                context.write(wrapOutboundOut(interim), promise: nil)
                needsFlush = true
                return  // the body is still to come
            default:
                perform(action, context)
                return
            }
        }
    }

    /// Answers a complete request and writes the answer (flushed when the read is done, or at once when the
    /// connection closes after it).
    private func answer(_ head: RequestHead, _ body: [UInt8], _ context: ChannelHandlerContext) {
        let response = responder.respond(head: head, body: body, remoteAddress: context.channel.remoteAddress)
        let persistence = connection.answered(now: MonotonicClock.now())
        let buffer = encode(response, persistence, context)
        if persistence.keepAlive {
            context.write(wrapOutboundOut(buffer), promise: nil)
            needsFlush = true
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
        }
        recorder.record(response, for: head, started: connection.started, remoteAddress: context.channel.remoteAddress)
    }

    private func perform(_ action: HTTP1Connection.Action, _ context: ChannelHandlerContext) {
        switch action {
        case .refuse(let refusal, let head):
            refuse(refusal, head, context)
        case .close:
            cancelTimer()
            context.close(promise: nil)
        case .closeAfterWrites:
            closeAfterWrites(context)
        case .needMore, .none, .answer, .sendContinue:
            break
        }
    }

    private func encode(
        _ response: HTTPResponse, _ persistence: HTTP1ResponseEncoder.Persistence, _ context: ChannelHandlerContext
    ) -> ByteBuffer {
        var buffer = context.channel.allocator.buffer(capacity: HTTP1ResponseEncoder.headBound(response) + response.body.count)
        buffer.writeHTTP1Response(response, persistence)
        return buffer
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
        // Only a body still arriving brings the deadline forward: a request that arrives in one read, as
        // nearly all do, never re-arms the timer.
        if let deadline = connection.deadline, timer.map({ deadline < $0.deadline }) ?? true { armTimer(context) }
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    // MARK: Timer

    private func armTimer(_ context: ChannelHandlerContext) {
        cancelTimer()
        guard let deadline = connection.deadline else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let task = context.eventLoop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(deadline)) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            handler.perform(handler.connection.timeout(now: MonotonicClock.now()), context)
            if !handler.connection.isClosed { handler.armTimer(context) }
        }
        timer = (deadline, task)
    }

    private func cancelTimer() {
        timer?.task.cancel()
        timer = nil
    }

    // MARK: Closing

    /// Answers a request that broke a limit or cannot be read and closes the connection without reading the
    /// rest (lingering: the client may still be sending its body).
    private func refuse(_ refusal: HTTPRefusal, _ head: RequestHead, _ context: ChannelHandlerContext) {
        cancelTimer()
        let response = refusal.response
        recorder.record(response, for: head, started: connection.started, remoteAddress: context.channel.remoteAddress)
        needsFlush = false
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(encode(response, .close, context))).whenComplete { _ in
            channel.closeLingering(grace: .seconds(2))
        }
    }

    /// Cleartext connections allow half-closure (a client may send its request and then FIN); on shutdown,
    /// an idle connection closes at once and a busy one after its answer.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            perform(connection.quiesce(), context)
        } else if let event = event as? ChannelEvent, event == .inputClosed {
            perform(connection.inputClosed(), context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Closes once everything written so far is out (writes complete in order: an empty one marks the end).
    private func closeAfterWrites(_ context: ChannelHandlerContext) {
        needsFlush = false
        cancelTimer()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

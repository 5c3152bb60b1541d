import AutodiscoverCore
import AutodiscoverHTTP
import NIOCore

/// Serves one HTTP/2 connection (h2c or TLS h2): the NIO side of ``HTTP2Session``, which speaks the
/// protocol. The bytes read go to the session; each request it completes is answered with the responder;
/// what the session has to send (answers, SETTINGS and PING acknowledgements, WINDOW_UPDATE, GOAWAY) goes
/// out as one buffer when the read is done. This adapter owns the timers: a body still arriving after
/// `request_timeout` gets 408, a refused stream is reset after a grace period, and a connection with no
/// frames either way for `idle_timeout`, or half-closed by the peer, is closed. On shutdown it sends GOAWAY
/// and closes once its open streams are answered. While the channel cannot take more writes, the
/// session's output waits and the connection is not read.
final class NGHTTP2Handler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: RequestResponder
    private let recorder: RequestRecorder
    private let limits: Limits
    private var session: HTTP2Session?
    /// Timers of streams whose body arrives slowly, of refused streams' grace periods, and (stream 0) the
    /// idle timer.
    private var streamTimers: [Int32: Scheduled<Void>] = [:]
    /// Reads are held back while the channel cannot take more writes.
    private var gate = ReadGate()
    private var closed = false
    private var lastActivity = NIODeadline.now()

    init(responder: RequestResponder, recorder: RequestRecorder, limits: Limits) {
        self.responder = responder
        self.recorder = recorder
        self.limits = limits
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        guard let session = HTTP2Session(limits: limits) else {
            context.close(promise: nil)
            return
        }
        self.session = session
        armIdleTimer(context)
        if context.channel.isActive { sendPending(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimers()
        session?.close()
        session = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        sendPending(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        stopTimers()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session, !closed else { return }
        lastActivity = .now()
        let now = MonotonicClock.now()
        unwrapInboundIn(data).withUnsafeReadableBytes { session.receive($0, now: now) { handle($0, context) } }
        if session.isFinished { sendPending(context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Streams whose body did not come with their HEADERS in this read are sent slowly: only they cost a timer.
        if let session {
            for (id, started) in session.takeStreamsAwaitingBody() where streamTimers[id] == nil {
                startRequestTimer(id, started: started, context)
            }
        }
        sendPending(context)
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        gate.read(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        gate.writabilityChanged(context)
        if gate.writable { sendPending(context) }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            close(context)  // no further frames can arrive
        } else if event is ChannelShouldQuiesceEvent {
            session?.goAway()
            // With no stream open, the session wants nothing more once the GOAWAY is out: sendPending closes.
            sendPending(context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context)
    }

    // MARK: Requests

    private func handle(_ event: HTTP2Session.Event, _ context: ChannelHandlerContext) {
        switch event {
        case .request(let id, let head, let body, let started):
            streamTimers.removeValue(forKey: id)?.cancel()
            let response = responder.respond(head: head, body: body, remoteAddress: context.channel.remoteAddress)
            session?.respond(id, with: response)
            recorder.record(response, for: head, started: started, remoteAddress: context.channel.remoteAddress)
        case .refused(let id, let response, let head, let started):
            recorder.record(response, for: head, started: started, remoteAddress: context.channel.remoteAddress)
            // Reset once the grace is over ("stop sending, the answer is complete").
            streamTimer(id, at: .now() + .milliseconds(500), context) { $0.session?.endRefused(id) }
        }
    }

    /// A body still arriving `request_timeout` after the stream began gets 408.
    private func startRequestTimer(_ id: Int32, started: UInt64, _ context: ChannelHandlerContext) {
        let deadline = NIODeadline.uptimeNanoseconds(started) + TimeAmount(limits.requestTimeout)
        streamTimer(id, at: deadline, context) { handler in
            if let event = handler.session?.timeOut(id) { handler.handle(event, context) }
        }
    }

    /// Runs `fire` at `deadline` (replacing the stream's timer), then sends what the session has.
    private func streamTimer(
        _ id: Int32, at deadline: NIODeadline, _ context: ChannelHandlerContext, _ fire: @escaping (NGHTTP2Handler) -> Void
    ) {
        streamTimers.removeValue(forKey: id)?.cancel()
        let loopBound = NIOLoopBound((self, context, fire), eventLoop: context.eventLoop)
        streamTimers[id] = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context, fire) = loopBound.value
            handler.streamTimers[id] = nil
            fire(handler)
            handler.sendPending(context)
        }
    }

    // MARK: Sending

    /// Writes what the session has to send, as one buffer, when the channel takes writes; closes the
    /// connection, lingering, when the session wants neither to read nor to write.
    private func sendPending(_ context: ChannelHandlerContext) {
        guard let session, !closed else { return }
        if gate.writable {
            guard case .success(let output) = session.takeOutput(context.channel.allocator) else { return close(context) }
            if let output {
                lastActivity = .now()
                context.writeAndFlush(wrapOutboundOut(output), promise: nil)
            }
        }
        // A failed write closes the channel, and the session is gone once the handler has been removed.
        guard let session = self.session, !closed else { return }
        if session.isFinished { closeAfterGoAway(context) }
    }

    /// Closes the sending side after a GOAWAY and the whole connection a second later (or when the peer
    /// closes its side), so the peer reads the GOAWAY that says why.
    private func closeAfterGoAway(_ context: ChannelHandlerContext) {
        closed = true
        stopTimers()
        context.channel.closeLingering(grace: .seconds(1))
    }

    /// Closes now (also a connection lingering after GOAWAY, once the peer is done).
    private func close(_ context: ChannelHandlerContext) {
        closed = true
        stopTimers()
        context.close(promise: nil)
    }

    private func stopTimers() {
        for timer in streamTimers.values { timer.cancel() }
        streamTimers.removeAll()
    }

    /// A connection with no frames either way for `idle_timeout` is closed (its timer is stream 0's, the
    /// connection's own in HTTP/2).
    private func armIdleTimer(_ context: ChannelHandlerContext) {
        let timeout = TimeAmount(limits.idleTimeout)
        streamTimer(0, at: lastActivity + timeout, context) { handler in
            if handler.closed { return }
            if handler.lastActivity + timeout <= .now() { handler.close(context) } else { handler.armIdleTimer(context) }
        }
    }
}

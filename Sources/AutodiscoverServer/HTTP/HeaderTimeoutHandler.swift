import NIOCore
import NIOHTTP1

/// Closes an HTTP/1.1 connection whose next request head does not arrive in time.
///
/// The first head must arrive within `header_timeout` of the connection opening; after each response,
/// the next head must arrive within `idle_timeout + header_timeout`. A client that dribbles header
/// bytes (slowloris) or sits idle is closed, and only its own connection is affected.
///
/// A request only moves a deadline (one clock read); the single timer is re-armed when it fires before
/// the deadline, so keep-alive traffic schedules and cancels nothing per request.
final class HeaderTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    /// When the connection is closed unless a head arrives first; nil while a request is being served.
    private var deadline: NIODeadline?
    private var timer: Scheduled<Void>?

    init(headerTimeout: Duration, idleTimeout: Duration) {
        self.headerTimeout = TimeAmount(headerTimeout)
        self.idleTimeout = TimeAmount(idleTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        expect(context: context, within: headerTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { deadline = nil }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Each write is one whole response (HTTP1Handler).
        expect(context: context, within: idleTimeout + headerTimeout)
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    /// Sets the deadline for the next head; starts the timer only if none is pending.
    private func expect(context: ChannelHandlerContext, within delay: TimeAmount) {
        let due = NIODeadline.now() + delay
        deadline = due
        if timer == nil { arm(context: context, at: due) }
    }

    private func arm(context: ChannelHandlerContext, at due: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: due) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            guard let deadline = handler.deadline else { return }  // serving; the response re-arms
            if deadline <= .now() {
                context.close(promise: nil)
            } else {
                handler.arm(context: context, at: deadline)
            }
        }
    }
}

extension TimeAmount {
    /// Converts a Swift `Duration` (nanosecond precision is enough here).
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

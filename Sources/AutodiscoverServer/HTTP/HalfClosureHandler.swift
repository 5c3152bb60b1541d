import NIOCore

/// Closes an HTTP/2 connection whose peer has half-closed it (no further frames can arrive, and
/// NIOHTTP2 leaves such a connection open, which would hold up graceful shutdown), or that has been
/// idle for `idle_timeout` (reported by an `IdleStateHandler` in front of the HTTP/2 handler).
final class HalfClosureHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

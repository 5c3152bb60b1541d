import NIOCore
import NIOHTTP2

/// Closes an HTTP/2 connection that cannot or should not carry more requests: the peer has half-closed it
/// (no further frames can arrive, and NIOHTTP2 leaves such a connection open, which would hold up graceful
/// shutdown), it has been idle for `idle_timeout` (reported by an `IdleStateHandler` in front of the HTTP/2
/// handler), or NIOHTTP2 found a connection error (a flood, an oversized header block, a protocol
/// violation) and has already sent GOAWAY. Stream errors end only their stream.
final class HTTP2ConnectionCloser: ChannelInboundHandler, RemovableChannelHandler {
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

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOHTTP2Errors.StreamError { return }
        context.close(promise: nil)
    }
}

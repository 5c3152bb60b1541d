import NIOConcurrencyHelpers
import NIOCore

/// Closes new connections at once while `max_connections` are open (on the server channel).
final class ConnectionLimiter: ChannelInboundHandler, Sendable {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    private let maximum: Int
    private let open = NIOLockedValueBox(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        let admitted = open.withLockedValue { count -> Bool in
            guard count < maximum else { return false }
            count += 1
            return true
        }
        guard admitted else {
            child.close(mode: .all, promise: nil)
            return
        }
        child.closeFuture.whenComplete { [open] _ in open.withLockedValue { $0 -= 1 } }
        context.fireChannelRead(data)
    }
}

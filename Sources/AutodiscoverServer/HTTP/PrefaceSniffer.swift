import NIOCore

/// Tells cleartext HTTP/2 (prior knowledge, `PRI * HTTP/2.0…`) from HTTP/1.1 by the first bytes,
/// installs the matching pipeline and gets out of the way.
///
/// The preface may arrive split across reads; the decision is made as soon as the bytes differ
/// from it or all 24 have matched. A connection that closes or half-closes before deciding is closed.
final class PrefaceSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let configureHTTP1: (any Channel) throws -> Void
    private let configureHTTP2: (any Channel) throws -> Void
    private let timeout: TimeAmount
    private var buffered: ByteBuffer?
    private var timer: Scheduled<Void>?

    /// - Parameter timeout: a connection that has not sent enough to decide by then is closed.
    init(
        timeout: Duration, http1: @escaping (any Channel) throws -> Void, http2: @escaping (any Channel) throws -> Void
    ) {
        self.timeout = TimeAmount(timeout)
        configureHTTP1 = http1
        configureHTTP2 = http2
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) { loopBound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffered == nil {
            buffered = incoming
        } else {
            buffered!.writeBuffer(&incoming)
        }
        guard let bytes = buffered else { return }
        let view = bytes.readableBytesView
        let count = min(view.count, Self.preface.count)
        let matches = view.prefix(count).elementsEqual(Self.preface.prefix(count))
        if matches && count < Self.preface.count { return }  // need more bytes
        do {
            try (matches ? configureHTTP2 : configureHTTP1)(context.channel)
        } catch {
            context.close(promise: nil)
            return
        }
        buffered = nil
        context.fireChannelRead(wrapInboundOut(bytes))
        context.fireChannelReadComplete()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Half-closed before a decision, or asked to quiesce while idle: nothing to serve.
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        if event is ChannelShouldQuiesceEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

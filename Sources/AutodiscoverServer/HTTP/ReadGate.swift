import NIOCore

/// Holds back reads while the channel cannot take more writes (a client sending requests without reading
/// the answers): what NIO's `BackPressureHandler` does, kept inside the handler that reads, so reads and
/// writes do not pass through a handler of their own.
struct ReadGate {
    /// The channel takes more writes.
    private(set) var writable = true
    private var pendingRead = false

    /// For the handler's `read(context:)`: passes the read on, or holds it while not writable.
    mutating func read(_ context: ChannelHandlerContext) {
        if writable {
            context.read()
        } else {
            pendingRead = true
        }
    }

    /// For the handler's `channelWritabilityChanged(context:)`: a held read goes out once writable again.
    mutating func writabilityChanged(_ context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        if writable && pendingRead {
            pendingRead = false
            context.read()
        }
    }
}

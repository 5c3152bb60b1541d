import NIOCore

extension TimeAmount {
    /// Converts a Swift `Duration` (`--timeout`) for NIO and async-http-client; the server target has the
    /// same conversion for its own use.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

import NIOCore

extension TimeAmount {
    /// Converts a Swift `Duration` (nanosecond precision is enough here).
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

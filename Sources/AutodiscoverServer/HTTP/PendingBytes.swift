import NIOCore

/// The bytes of a connection received but not yet consumed (a request split across reads). A read that
/// is consumed whole, as nearly all are, is used in place: nothing is copied or kept.
struct PendingBytes {
    private var kept: ByteBuffer?

    /// Hands `incoming`, after what was kept, to `consume`; keeps what it leaves unread unless `keep` is false.
    /// (`consume` runs inside this mutation: it must not touch these pending bytes.)
    mutating func consume(_ incoming: ByteBuffer, _ consume: (inout ByteBuffer) -> Void, keep: () -> Bool) {
        var incoming = incoming
        if var buffered = kept {
            kept = nil
            buffered.writeBuffer(&incoming)
            consume(&buffered)
            guard keep(), buffered.readableBytes > 0 else { return }
            buffered.discardReadBytes()
            kept = buffered
        } else {
            consume(&incoming)
            guard keep(), incoming.readableBytes > 0 else { return }
            // A copy of the rest, so the channel can reuse its read buffer and a slow client holds only its
            // own few bytes.
            var rest = ByteBufferAllocator().buffer(capacity: incoming.readableBytes)
            rest.writeBuffer(&incoming)
            kept = rest
        }
    }
}

import AutodiscoverCore

/// Reads a `Transfer-Encoding: chunked` body (RFC 9112 §7.1) as it arrives, in pieces of any size.
///
/// Chunk extensions and trailer fields are skipped (bounded); a body that would grow past `maxBodyBytes`
/// is refused as soon as the chunk size announcing it arrives, before its data.
public struct ChunkedBodyDecoder: Sendable {
    public enum Progress: Sendable, Equatable {
        /// Everything given was consumed; the body goes on.
        case needMore
        /// The body ended (after its trailers); bytes after it belong to the next request.
        case done
        /// Bytes that are not chunked framing.
        case invalid
        /// The body would exceed `maxBodyBytes`.
        case tooLarge
    }

    private enum State: Sendable {
        /// Hex digits of a chunk size, then an optional extension, up to LF.
        case size(value: Int, digits: Int, extensionBytes: Int?, sawCR: Bool)
        case data(remaining: Int)
        /// The CRLF after a chunk's data.
        case dataEnd(sawCR: Bool)
        /// Trailer lines until an empty one.
        case trailer(lineBytes: Int, sawCR: Bool)
        case finished
    }

    private var state = State.size(value: 0, digits: 0, extensionBytes: nil, sawCR: false)
    private var trailerBytes = 0
    public let maxBodyBytes: Int
    /// Bytes of chunk extensions on one line and of all trailer lines together.
    public let maxOverheadBytes: Int

    public init(maxBodyBytes: Int, maxOverheadBytes: Int = 8192) {
        self.maxBodyBytes = maxBodyBytes
        self.maxOverheadBytes = maxOverheadBytes
    }

    /// Consumes bytes from the start of `bytes`, appending the body's data to `body`; returns how many
    /// bytes were consumed (on `.done`, the rest is the next request's).
    public mutating func consume(
        _ bytes: UnsafeRawBufferPointer, into body: inout [UInt8]
    ) -> (consumed: Int, progress: Progress) {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            switch state {
            case .size(let value, let digits, let extensionBytes, let sawCR):
                if sawCR && byte != HTTP1Head.LF { return (index, .invalid) }
                if let extensionBytes {
                    if byte == HTTP1Head.LF { break }
                    if byte == HTTP1Head.CR {
                        state = .size(value: value, digits: digits, extensionBytes: extensionBytes, sawCR: true)
                    } else if extensionBytes >= maxOverheadBytes || byte < HTTP1Head.SP && byte != HTTP1Head.HTAB {
                        return (index, .invalid)
                    } else {
                        state = .size(value: value, digits: digits, extensionBytes: extensionBytes + 1, sawCR: false)
                    }
                    index += 1
                    continue
                }
                if let digit = ASCII.hexValue(byte) {
                    guard !sawCR, digits < 15 else { return (index, .invalid) }
                    state = .size(value: value << 4 | Int(digit), digits: digits + 1, extensionBytes: nil, sawCR: false)
                    index += 1
                    continue
                }
                guard digits > 0 else { return (index, .invalid) }
                switch byte {
                case HTTP1Head.LF:
                    break
                case HTTP1Head.CR:
                    state = .size(value: value, digits: digits, extensionBytes: nil, sawCR: true)
                    index += 1
                    continue
                case UInt8(ascii: ";"), HTTP1Head.SP, HTTP1Head.HTAB:
                    state = .size(value: value, digits: digits, extensionBytes: 1, sawCR: false)
                    index += 1
                    continue
                default:
                    return (index, .invalid)
                }
            case .data(let remaining):
                let take = min(remaining, count - index)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)]))
                index += take
                state = remaining == take ? .dataEnd(sawCR: false) : .data(remaining: remaining - take)
                continue
            case .dataEnd(let sawCR):
                if byte == HTTP1Head.CR && !sawCR {
                    state = .dataEnd(sawCR: true)
                } else if byte == HTTP1Head.LF {
                    state = .size(value: 0, digits: 0, extensionBytes: nil, sawCR: false)
                } else {
                    return (index, .invalid)
                }
                index += 1
                continue
            case .trailer(let lineBytes, let sawCR):
                if byte == HTTP1Head.LF {
                    index += 1
                    if lineBytes == 0 {
                        state = .finished
                        return (index, .done)
                    }
                    state = .trailer(lineBytes: 0, sawCR: false)
                } else if sawCR || trailerBytes >= maxOverheadBytes {
                    return (index, .invalid)
                } else if byte == HTTP1Head.CR {
                    state = .trailer(lineBytes: lineBytes, sawCR: true)
                    index += 1
                } else {
                    trailerBytes += 1
                    state = .trailer(lineBytes: lineBytes + 1, sawCR: false)
                    index += 1
                }
                continue
            case .finished:
                return (index, .done)
            }
            // The LF ending a chunk-size line.
            index += 1
            guard case .size(let value, _, _, _) = state else { return (index, .invalid) }
            if value == 0 {
                state = .trailer(lineBytes: 0, sawCR: false)
                continue
            }
            guard value <= maxBodyBytes - body.count else { return (index, .tooLarge) }
            body.reserveCapacity(body.count + value)
            state = .data(remaining: value)
        }
        if case .finished = state { return (index, .done) }
        return (index, .needMore)
    }
}

import AutodiscoverCore

/// One HTTP/1.1 connection as a value: fed the bytes that arrive and the events around them (a timer
/// firing, the peer's half-close, shutdown), it says what to do next. No sockets, clocks or buffers of its
/// own: the caller keeps the unread bytes, passes the time in, and does what the returned action says, so
/// every transition is tested as a table without a server (`HTTP1ConnectionTests`).
///
/// A request target over `max_uri_bytes` is refused 414, a header block over `max_header_bytes` 431, a
/// body over `max_body_bytes` 413 at once (a head still growing past those limits is refused before it
/// ends), a request still incomplete after `request_timeout` 408, a head that cannot be read 400 (a major
/// version other than 1 too); each refusal closes the connection without reading the rest. The first head
/// must arrive within `header_timeout` of the connection opening and each next one within `idle_timeout +
/// header_timeout` of the last response, or the connection closes (slowloris, idle clients). Requests are
/// answered in order, one at a time, as each becomes complete (pipelining).
public struct HTTP1Connection: Sendable {
    /// What the caller does next.
    public enum Action: Sendable {
        /// Nothing now: wait for more bytes (keep those not consumed).
        case needMore
        /// A complete request: answer it, then call ``answered(now:)``, which says whether to keep the
        /// connection open.
        case answer(RequestHead, body: [UInt8])
        /// The client waits for `100 Continue` before sending its body: write ``HTTP1ResponseEncoder/continueHead``.
        case sendContinue
        /// Write the refusal's response with `Connection: close`, stop reading, and close (the peer may still
        /// be sending: close the output first and the rest after a grace period).
        case refuse(HTTPRefusal, RequestHead)
        /// Close now.
        case close
        /// Close once what was written is out.
        case closeAfterWrites
        /// Nothing to do.
        case none
    }

    private enum State: Sendable {
        /// Waiting for a head; `searched` bytes of what is unread hold no end of one.
        case head(searched: Int)
        /// A request whose body is still arriving: bytes still expected (`Content-Length`), or a chunked body.
        case body(RequestHead, remaining: Int?, chunks: ChunkedBodyDecoder?)
        /// A complete request handed out with `.answer`, not yet answered: what its answer's framing needs.
        case answering(keepAlive: Bool, http10: Bool)
        case closed
    }

    public let limits: Limits
    private var state = State.head(searched: 0)
    private var body: [UInt8] = []
    /// When the next head must have arrived (monotonic nanoseconds).
    private var headDeadline: UInt64
    /// When the request in progress began (monotonic nanoseconds): its log line's start, its 408's clock.
    public private(set) var started: UInt64 = 0
    /// Shutting down: close after the request in progress.
    private var quiescing = false
    /// A head with no blank line yet is refused once it is this long.
    private let maxHeadBytes: Int
    /// A request line with no end yet is refused (414) once it is this long.
    private let maxRequestLineBytes: Int
    private let headerTimeout: UInt64
    private let idleTimeout: UInt64
    private let requestTimeout: UInt64

    /// A connection that opened at `now`.
    public init(limits: Limits, now: UInt64) {
        self.limits = limits
        maxRequestLineBytes = limits.maxURIBytes + 64
        maxHeadBytes = maxRequestLineBytes + limits.maxHeaderBytes + 4096
        headerTimeout = Limits.nanoseconds(limits.headerTimeout)
        idleTimeout = Limits.nanoseconds(limits.idleTimeout)
        requestTimeout = Limits.nanoseconds(limits.requestTimeout)
        headDeadline = now &+ headerTimeout
    }

    /// Nothing more is read or answered.
    public var isClosed: Bool {
        if case .closed = state { true } else { false }
    }

    /// A request's body is arriving.
    public var isReadingBody: Bool {
        if case .body = state { true } else { false }
    }

    /// When ``timeout(now:)`` must be called next, if at all: the head deadline while waiting for a head,
    /// the request deadline while a body arrives.
    public var deadline: UInt64? {
        switch state {
        case .head: headDeadline
        case .body: started &+ requestTimeout
        case .answering, .closed: nil
        }
    }

    /// Reads from the start of `bytes` (what arrived and was not consumed before, in order): returns how
    /// many bytes were consumed and what to do. Call again with the rest after anything but `.needMore`
    /// (and `.none`, `.close`, `.refuse`).
    public mutating func read(_ bytes: UnsafeRawBufferPointer, now: UInt64) -> (consumed: Int, action: Action) {
        switch state {
        case .closed:
            return (bytes.count, .none)
        case .answering:
            return (0, .needMore)
        case .body(let head, let remaining, let chunks):
            return readBody(bytes, head, remaining, chunks)
        case .head(let searched):
            // Empty lines before a request line are skipped (RFC 9112 §2.2).
            var skipped = 0
            while skipped < bytes.count, bytes[skipped] == HTTP1Head.CR || bytes[skipped] == HTTP1Head.LF { skipped += 1 }
            if skipped > 0 { state = .head(searched: 0) }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[skipped...])
            guard !rest.isEmpty else { return (skipped, .needMore) }
            let (consumed, action) = readHead(rest, searched: skipped > 0 ? 0 : searched, now: now)
            return (skipped + consumed, action)
        }
    }

    private mutating func readHead(_ bytes: UnsafeRawBufferPointer, searched: Int, now: UInt64) -> (Int, Action) {
        guard let end = HTTP1Head.end(in: bytes, from: searched) else {
            if bytes.count > maxRequestLineBytes,
                (HTTP1Head.firstLF(bytes, from: 0) ?? maxRequestLineBytes) >= maxRequestLineBytes
            {
                return refuse(.uriTooLong(limit: limits.maxURIBytes), Self.unread, now: now)
            }
            if bytes.count > maxHeadBytes { return refuse(.headersTooLarge(limit: limits.maxHeaderBytes), Self.unread, now: now) }
            state = .head(searched: max(bytes.count - 2, 0))
            return (0, .needMore)
        }
        let parsed: HTTP1Head
        let head: RequestHead
        do throws(HTTP1HeadError) {
            (parsed, head) = try RequestHead.parse(UnsafeRawBufferPointer(rebasing: bytes[..<end]))
        } catch {
            return refuse(error == .versionNotSupported ? .versionNotSupported : .malformed, Self.unread, now: now)
        }
        started = now
        let announced = if case .length(let length) = parsed.framing { length } else { 0 }
        if let refusal = limits.violation(of: head, headerBytes: parsed.headerBytes, announcedBody: announced) {
            let (_, action) = refuse(refusal, head, now: now)
            return (end, action)
        }
        body.removeAll(keepingCapacity: true)
        switch parsed.framing {
        case .none:
            state = Self.answering(head)
            return (end, .answer(head, body: []))
        case .length(let length):
            body.reserveCapacity(length)
            state = .body(head, remaining: length, chunks: nil)
        case .chunked:
            state = .body(head, remaining: nil, chunks: ChunkedBodyDecoder(maxBodyBytes: limits.maxBodyBytes))
        }
        // The client waits for this before sending its body (curl does, for large ones).
        if parsed.expectsContinue && end == bytes.count { return (end, .sendContinue) }
        let (consumed, action) = read(UnsafeRawBufferPointer(rebasing: bytes[end...]), now: now)
        return (end + consumed, action)
    }

    private mutating func readBody(
        _ bytes: UnsafeRawBufferPointer, _ head: RequestHead, _ remaining: Int?, _ chunks: ChunkedBodyDecoder?
    ) -> (Int, Action) {
        let consumed: Int
        if let remaining {
            consumed = min(remaining, bytes.count)
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<consumed]))
            guard consumed == remaining else {
                state = .body(head, remaining: remaining - consumed, chunks: nil)
                return (consumed, .needMore)
            }
        } else {
            var decoder = chunks!
            // The request in progress leaves the state while its decoder runs, so the body is not copied.
            state = .closed
            let (used, progress) = decoder.consume(bytes, into: &body)
            consumed = used
            switch progress {
            case .needMore:
                state = .body(head, remaining: nil, chunks: decoder)
                return (consumed, .needMore)
            case .invalid:
                return refuse(.malformed, head, now: started)
            case .tooLarge:
                return refuse(.bodyTooLarge(limit: limits.maxBodyBytes), head, now: started)
            case .done:
                break
            }
        }
        state = Self.answering(head)
        let complete = body
        body = []
        return (consumed, .answer(head, body: complete))
    }

    /// The request handed out with `.answer` has been answered at `now`: how the response ends the
    /// connection or not. Keep-alive moves the head deadline to `idle_timeout + header_timeout` from now.
    public mutating func answered(now: UInt64) -> HTTP1ResponseEncoder.Persistence {
        guard case .answering(let wantsKeepAlive, let http10) = state else { return .close }
        let keepAlive = wantsKeepAlive && !quiescing
        if keepAlive {
            state = .head(searched: 0)
            headDeadline = now &+ idleTimeout &+ headerTimeout
        } else {
            // `Connection: close`, HTTP/1.0 or shutdown: the whole request was read; close once written.
            state = .closed
        }
        return HTTP1ResponseEncoder.Persistence(keepAlive: keepAlive, announceKeepAlive: keepAlive && http10)
    }

    private static func answering(_ head: RequestHead) -> State {
        .answering(keepAlive: head.isKeepAlive, http10: head.version == .http1_0)
    }

    /// The timer set for ``deadline`` fired at `now` (early is harmless: nothing happens).
    public mutating func timeout(now: UInt64) -> Action {
        switch state {
        case .head where now >= headDeadline:
            state = .closed
            return .close
        case .body(let head, _, _) where now >= started &+ requestTimeout:
            return refuse(.requestTimedOut, head, now: started).1
        default:
            return .none
        }
    }

    /// The peer closed its sending side: no request can complete any more, so close once what was
    /// written is out (left open, every connection a client half-closes would count against
    /// `max_connections` until the idle timeout).
    public mutating func inputClosed() -> Action {
        if isClosed { return .none }
        state = .closed
        return .closeAfterWrites
    }

    /// The server is shutting down: an idle connection closes at once, a busy one after its answer.
    public mutating func quiesce() -> Action {
        quiescing = true
        switch state {
        case .head:
            state = .closed
            return .closeAfterWrites
        case .body, .answering, .closed:
            return .none
        }
    }

    private mutating func refuse(_ refusal: HTTPRefusal, _ head: RequestHead, now: UInt64) -> (Int, Action) {
        state = .closed
        started = now
        body = []
        return (0, .refuse(refusal, head))
    }

    /// What a refused request that has no readable head is logged as.
    public static let unread = RequestHead(method: .GET, uri: "/")
}

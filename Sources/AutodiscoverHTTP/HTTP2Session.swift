import AutodiscoverCore
import CNGHTTP2

/// One HTTP/2 connection's protocol state: a libnghttp2 server session fed the bytes that arrive, which
/// collects each stream's request within the limits and hands out what to send. No sockets or timers: the
/// caller (the NIO adapter, or a test) passes bytes in, answers the requests ``receive(_:now:)`` reports,
/// and writes what ``takeOutput(_:)`` hands out. libnghttp2 does the framing, HPACK, stream states, flow
/// control (windows refilled as data is consumed) and the protocol checks, with its defences against
/// rapid reset (a token bucket of RST_STREAM), CONTINUATION floods and queued control frames.
///
/// The same limits as HTTP/1.1 give the same statuses (414, 431, 413, 408): the session answers those
/// itself and reports them, and the caller ends the stream with ``endRefused(_:)`` after a short grace
/// (RST_STREAM NO_ERROR, "stop sending, the answer is complete", RFC 9113 §8.1: an immediate reset makes
/// curl, still uploading, lose the answer).
public final class HTTP2Session {
    /// What a read brought.
    public enum Event {
        /// A complete request on a stream: answer it with ``respond(_:with:)``.
        case request(stream: Int32, RequestHead, body: [UInt8], started: UInt64)
        /// A stream refused (a limit, an unreadable head): its response is already submitted; end it with
        /// ``endRefused(_:)`` after a grace period.
        case refused(stream: Int32, HTTPResponse, RequestHead, started: UInt64)
    }

    /// A stream's request and answer. A class: the dictionary hands out a reference, so reading or setting
    /// one field (a header, a body chunk) copies nothing else.
    private final class Stream {
        var method: String?
        var path: String?
        var authority: String?
        var fields = RequestHead.Fields()
        var head: RequestHead?
        var body: [UInt8] = []
        let started: UInt64
        /// Answered (or refused): what still arrives is dropped.
        var answered = false
        /// The answer's body and how much of it the session has taken.
        var response: [UInt8] = []
        var sent = 0

        init(started: UInt64) {
            self.started = started
        }
    }

    public let limits: Limits
    private var session: OpaquePointer?
    private var streams: [Int32: Stream] = [:]
    private var events: [Event] = []
    /// Streams opened in the last read whose request has a body still to come.
    private var awaitingBody: [Int32] = []
    private var now: UInt64 = 0

    /// A server session with SETTINGS from the limits queued; nil when libnghttp2 cannot make one.
    public init?(limits: Limits) {
        self.limits = limits
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else { return nil }
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, Self.onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, Self.onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, Self.onFrameReceived)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, Self.onDataChunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, Self.onStreamClose)

        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else { return nil }
        defer { nghttp2_option_del(option) }
        // Headers beyond what the limits allow are refused with 431 here; the session bounds a header block
        // by its CONTINUATION count (8) and each field's size.
        nghttp2_option_set_max_continuations(option, 8)

        var created: OpaquePointer?
        let me = Unmanaged.passUnretained(self).toOpaque()
        guard nghttp2_session_server_new2(&created, callbacks, me, option) == 0, let created else { return nil }
        session = created
        var settings = [
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue),
                value: UInt32(clamping: limits.maxConcurrentStreams)),
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                value: UInt32(clamping: limits.maxHeaderBytes)),
        ]
        nghttp2_submit_settings(created, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count)
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    // MARK: Reading

    /// Feeds bytes that arrived at `now` and hands `handle` the requests completed and the streams refused,
    /// in order (after libnghttp2 has read them all: nothing is answered inside its callbacks). A fatal error
    /// (a flood, a CONTINUATION run over the limit, no client preface) queues a GOAWAY that says why; the
    /// session then wants nothing more (``isFinished``).
    public func receive(_ bytes: UnsafeRawBufferPointer, now: UInt64, _ handle: (Event) -> Void) {
        feed(bytes, now: now)
        // The events are kept in one array reused from read to read: nothing is allocated for them.
        for event in events { handle(event) }
        events.removeAll(keepingCapacity: true)
    }

    /// The same, returning the events (tests).
    public func receive(_ bytes: UnsafeRawBufferPointer, now: UInt64) -> [Event] {
        var taken: [Event] = []
        receive(bytes, now: now) { taken.append($0) }
        return taken
    }

    private func feed(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        guard let session, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        self.now = now
        let result = nghttp2_session_mem_recv(session, base, bytes.count)
        if result < 0 {
            // The session stops reading and queues no GOAWAY of its own. Protocol errors it recovers from
            // are not returned here; it sends their GOAWAY itself.
            let code =
                switch Int32(result) {
                case NGHTTP2_ERR_FLOODED.rawValue, NGHTTP2_ERR_TOO_MANY_CONTINUATIONS.rawValue: NGHTTP2_ENHANCE_YOUR_CALM
                case NGHTTP2_ERR_BAD_CLIENT_MAGIC.rawValue: NGHTTP2_PROTOCOL_ERROR
                default: NGHTTP2_INTERNAL_ERROR
                }
            nghttp2_session_terminate_session(session, code.rawValue)
        }
    }

    /// Streams opened since the last call whose body has not all arrived, with when each began: they are
    /// sent slowly, and only they need a timer (``timeOut(_:)`` when `request_timeout` has passed).
    public func takeStreamsAwaitingBody() -> [(stream: Int32, started: UInt64)] {
        defer { awaitingBody.removeAll(keepingCapacity: true) }
        return awaitingBody.compactMap { id in
            guard let stream = streams[id], !stream.answered else { return nil }
            return (id, stream.started)
        }
    }

    /// A stream's request did not complete in time: refused with 408, if it is still open and unanswered.
    public func timeOut(_ id: Int32) -> Event? {
        guard let stream = streams[id], !stream.answered else { return nil }
        return refuse(.requestTimedOut, id)
    }

    // MARK: Answering

    /// Hands a response to the session: its header fields now (the session copies them), its body through
    /// a data source reading from the stream.
    public func respond(_ id: Int32, with response: HTTPResponse) {
        guard let session else { return }
        var fields = HeaderBlock()
        fields.add(":status", Self.statusText(response.status.code))
        response.forEachHeader { name, value in fields.add(Self.lowercased(name), value) }
        if response.status != .notModified { fields.add("content-length", String(response.contentLength)) }
        let hasBody = response.sendsBody
        if hasBody, let stream = streams[id] {
            stream.response = response.body
            stream.sent = 0
        }
        var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: Self.readBody)
        fields.withFields { nva, count in
            if hasBody {
                _ = nghttp2_submit_response(session, id, nva, count, &provider)
            } else {
                _ = nghttp2_submit_response(session, id, nva, count, nil)
            }
        }
    }

    /// Ends a refused stream (RST_STREAM NO_ERROR), if it is still open.
    public func endRefused(_ id: Int32) {
        guard streams[id] != nil, let session else { return }
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, UInt32(NGHTTP2_NO_ERROR.rawValue))
    }

    /// Shutdown: a GOAWAY naming the last stream processed; the open streams are still answered.
    public func goAway() {
        guard let session else { return }
        nghttp2_submit_goaway(
            session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nghttp2_session_get_last_proc_stream_id(session),
            UInt32(NGHTTP2_NO_ERROR.rawValue), nil, 0)
    }

    // MARK: Sending

    /// Hands everything the session has to send now (frames as far as the flow-control windows allow) to
    /// `write`, piece by piece; false on a session error (the connection must close).
    public func takeOutput(_ write: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard let session else { return false }
        while true {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            if count < 0 { return false }
            guard count > 0, let data else { return true }
            write(UnsafeRawBufferPointer(start: data, count: count))
        }
    }

    /// The session wants neither to read nor to write: after a GOAWAY either way (shutdown with no stream
    /// left, or a connection error).
    public var isFinished: Bool {
        guard let session else { return true }
        return nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0
    }

    /// Drops the session (the connection is gone).
    public func close() {
        streams.removeAll()
        if let session { nghttp2_session_del(session) }
        session = nil
    }

    // MARK: Requests

    private func complete(_ id: Int32) {
        guard let stream = streams[id], let head = stream.head else { return }
        stream.answered = true
        let body = stream.body
        stream.body = []
        events.append(.request(stream: id, head, body: body, started: stream.started))
    }

    /// Answers a stream that broke a limit or cannot be read; the caller ends it after a grace period.
    @discardableResult
    private func refuse(_ refusal: HTTPRefusal, _ id: Int32) -> Event? {
        guard let stream = streams[id] else { return nil }
        stream.answered = true
        stream.body = []
        let response = refusal.response
        respond(id, with: response)
        let event = Event.refused(
            stream: id, response, stream.head ?? RequestHead(method: .GET, uri: "/", version: .http2), started: stream.started)
        events.append(event)
        return event
    }

    /// The request head once its HEADERS have all arrived (`:authority` becomes `Host`, as HTTP/1.1 would
    /// send it); nil without `:method` or `:path`.
    private static func head(of stream: Stream) -> RequestHead? {
        guard let method = stream.method, let path = stream.path else { return nil }
        var fields = stream.fields
        if let authority = stream.authority, fields.host == nil {
            fields.host = authority
            fields.headerBytes += "host".utf8.count + authority.utf8.count + 4
        }
        return RequestHead(method: RequestHead.Method(rawValue: method), uri: path, version: .http2, fields: fields)
    }

    private func headersReceived(_ id: Int32, endStream: Bool) {
        guard let stream = streams[id], !stream.answered else { return }
        if stream.head != nil {
            // Trailers: they end the request; their fields are not used.
            if endStream { complete(id) }
            return
        }
        guard let head = Self.head(of: stream) else {
            refuse(.malformed, id)
            return
        }
        stream.head = head
        stream.fields = RequestHead.Fields()
        if let refusal = limits.violation(of: head) {
            refuse(refusal, id)
        } else if endStream {
            complete(id)
        } else {
            awaitingBody.append(id)
        }
    }

    private func dataReceived(_ id: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        guard let stream = streams[id], !stream.answered, stream.head != nil else { return }
        if stream.body.count + bytes.count > limits.maxBodyBytes {
            refuse(.bodyTooLarge(limit: limits.maxBodyBytes), id)
            return
        }
        stream.body.append(contentsOf: bytes)
    }

    // MARK: libnghttp2 callbacks (inside mem_recv and mem_send)

    private static func session(_ userData: UnsafeMutableRawPointer?) -> HTTP2Session {
        Unmanaged<HTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
    }

    private static let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, userData in
        guard let frame, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue),
            frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST
        else { return 0 }
        let session = session(userData)
        session.streams[frame.pointee.hd.stream_id] = Stream(started: session.now)
        return 0
    }

    private static let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, userData in
        guard let frame, let name, let value, frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
        guard let stream = session(userData).streams[frame.pointee.hd.stream_id] else { return 0 }
        let nameBytes = UnsafeRawBufferPointer(start: name, count: nameLength)
        let valueBytes = UnsafeRawBufferPointer(start: value, count: valueLength)
        if nameLength > 0 && name.pointee == UInt8(ascii: ":") {
            let valueText = String(decoding: valueBytes, as: UTF8.self)
            if HTTP1Head.equalsBytes(nameBytes, 0..<nameLength, ":method") {
                stream.method = valueText
            } else if HTTP1Head.equalsBytes(nameBytes, 0..<nameLength, ":path") {
                stream.path = valueText
            } else if HTTP1Head.equalsBytes(nameBytes, 0..<nameLength, ":authority") {
                stream.authority = valueText
            }
        } else {
            stream.fields.add(name: nameBytes, value: valueBytes)
        }
        return 0
    }

    private static let onFrameReceived: nghttp2_on_frame_recv_callback = { _, frame, userData in
        guard let frame else { return 0 }
        let endStream = frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        let id = frame.pointee.hd.stream_id
        let session = session(userData)
        switch UInt32(frame.pointee.hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            session.headersReceived(id, endStream: endStream)
        case NGHTTP2_DATA.rawValue:
            if endStream, let stream = session.streams[id], !stream.answered, stream.head != nil { session.complete(id) }
        default:
            break
        }
        return 0
    }

    private static let onDataChunk: nghttp2_on_data_chunk_recv_callback = { _, _, id, data, length, userData in
        guard let data else { return 0 }
        session(userData).dataReceived(id, UnsafeBufferPointer(start: data, count: length))
        return 0
    }

    private static let onStreamClose: nghttp2_on_stream_close_callback = { _, id, _, userData in
        // After a GOAWAY, the last stream closing makes the session want nothing more (``isFinished``).
        session(userData).streams.removeValue(forKey: id)
        return 0
    }

    private static let readBody: nghttp2_data_source_read_callback = { _, id, buffer, length, flags, _, userData in
        guard let buffer, let flags, let stream = session(userData).streams[id] else {
            flags?.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
            return 0
        }
        let count = min(length, stream.response.count - stream.sent)
        if count > 0 {
            stream.response.withUnsafeBufferPointer { bytes in
                buffer.update(from: bytes.baseAddress! + stream.sent, count: count)
            }
        }
        stream.sent += count
        if stream.sent == stream.response.count {
            flags.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
            stream.response = []
        }
        return count
    }

    // MARK: Header fields

    /// Header fields laid out for `nghttp2_submit_response`: names and values in one byte array.
    private struct HeaderBlock {
        var bytes: [UInt8] = []
        var ranges: [(name: Range<Int>, value: Range<Int>)] = []

        init() {
            bytes.reserveCapacity(256)
            ranges.reserveCapacity(8)
        }

        mutating func add(_ name: String, _ value: String) {
            let nameStart = bytes.count
            bytes.append(contentsOf: name.utf8)
            let valueStart = bytes.count
            bytes.append(contentsOf: value.utf8)
            ranges.append((nameStart..<valueStart, valueStart..<bytes.count))
        }

        func withFields(_ body: (UnsafePointer<nghttp2_nv>, Int) -> Void) {
            bytes.withUnsafeBufferPointer { storage in
                let base = UnsafeMutablePointer(mutating: storage.baseAddress!)
                let fields = ranges.map { range in
                    nghttp2_nv(
                        name: base + range.name.lowerBound, value: base + range.value.lowerBound,
                        namelen: range.name.count, valuelen: range.value.count, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
                }
                fields.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
            }
        }
    }

    private static func statusText(_ code: Int) -> String {
        switch code {
        case 200: "200"
        case 304: "304"
        case 404: "404"
        default: String(code)
        }
    }

    /// HTTP/2 field names are lower case; ours are written in HTTP/1.1's usual case.
    static func lowercased(_ name: String) -> String {
        switch name {
        case "Content-Type": "content-type"
        case "Cache-Control": "cache-control"
        case "ETag": "etag"
        case "Vary": "vary"
        case "Allow": "allow"
        case "Access-Control-Allow-Origin": "access-control-allow-origin"
        case "Content-Disposition": "content-disposition"
        case "Retry-After": "retry-after"
        case "Location": "location"
        default: name.lowercased()
        }
    }
}

import AutodiscoverCore
import CNGHTTP2
import NIOCore
import NIOHTTP1

/// Serves one HTTP/2 connection (h2c or TLS h2) with a libnghttp2 server session: the bytes read go to
/// `nghttp2_session_mem_recv`, whose callbacks collect each stream's request within the limits; a request
/// is answered when its stream ends, and what the session has to send (answers, SETTINGS and PING
/// acknowledgements, WINDOW_UPDATE, GOAWAY) goes out as one buffer when the read is done. libnghttp2 does the
/// framing, HPACK, stream states, flow control (windows refilled as data is consumed) and the protocol checks,
/// with its defences against rapid reset (a token bucket of RST_STREAM), CONTINUATION floods and queued
/// control frames.
///
/// The same limits as HTTP/1.1 give the same statuses (414, 431, 413, 408); the stream then ends with
/// RST_STREAM NO_ERROR after a short grace ("stop sending, the answer is complete", RFC 9113 §8.1: an
/// immediate reset makes curl, still uploading, lose the answer). A connection with no frames either way for
/// `idle_timeout`, or half-closed by the peer, is closed; on shutdown it sends GOAWAY and closes once its open
/// streams are answered. While the channel cannot take more writes, the session's output waits and the
/// connection is not read.
final class NGHTTP2Handler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A stream's request and answer. A class: the dictionary hands out a reference, so reading or setting
    /// one field (a header, a body chunk) copies nothing else.
    private final class Stream {
        var method: String?
        var path: String?
        var authority: String?
        var fields = RequestHead.Fields()
        var head: RequestHead?
        var body: [UInt8] = []
        var started: UInt64
        var timer: Scheduled<Void>?
        /// Answered (or refused): what still arrives is dropped.
        var answered = false
        /// The answer's body and how much of it the session has taken.
        var response: [UInt8] = []
        var sent = 0

        init(started: UInt64) {
            self.started = started
        }
    }

    private let log: ExchangeLog
    private let limits: Limits
    private var session: OpaquePointer?
    private var context: ChannelHandlerContext?
    private var streams: [Int32: Stream] = [:]
    /// Streams opened in this read whose request has a body still to come.
    private var awaitingBody: [Int32] = []
    private var quiescing = false
    /// Reads are held back while the channel cannot take more writes.
    private var gate = ReadGate()
    private var closed = false
    private var idleTimer: Scheduled<Void>?
    private var lastActivity = NIODeadline.now()

    init(log: ExchangeLog, limits: Limits) {
        self.log = log
        self.limits = limits
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            context.close(promise: nil)
            return
        }
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, Self.onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, Self.onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, Self.onFrameReceived)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, Self.onDataChunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, Self.onStreamClose)

        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else {
            context.close(promise: nil)
            return
        }
        defer { nghttp2_option_del(option) }
        // Headers beyond what the limits allow are refused with 431 by the handler; the session bounds a
        // header block by its CONTINUATION count (8 by default) and each field's size.
        nghttp2_option_set_max_continuations(option, 8)

        var created: OpaquePointer?
        let me = Unmanaged.passUnretained(self).toOpaque()
        guard nghttp2_session_server_new2(&created, callbacks, me, option) == 0, let created else {
            context.close(promise: nil)
            return
        }
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
        armIdleTimer(context)
        if context.channel.isActive { sendPending(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        for stream in streams.values { stream.timer?.cancel() }
        streams.removeAll()
        if let session { nghttp2_session_del(session) }
        session = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        sendPending(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        idleTimer?.cancel()
        for stream in streams.values { stream.timer?.cancel() }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session, !closed else { return }
        let buffer = unwrapInboundIn(data)
        lastActivity = .now()
        let result = buffer.withUnsafeReadableBytes { bytes -> Int in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
            return nghttp2_session_mem_recv(session, base, bytes.count)
        }
        if result < 0 {
            // A fatal error (a flood, a CONTINUATION run over the limit, no client preface): the session
            // stops reading and queues no GOAWAY of its own, so one says why. Protocol errors the session
            // recovers from are not returned here; it sends their GOAWAY itself.
            let code =
                switch Int32(result) {
                case NGHTTP2_ERR_FLOODED.rawValue, NGHTTP2_ERR_TOO_MANY_CONTINUATIONS.rawValue: NGHTTP2_ENHANCE_YOUR_CALM
                case NGHTTP2_ERR_BAD_CLIENT_MAGIC.rawValue: NGHTTP2_PROTOCOL_ERROR
                default: NGHTTP2_INTERNAL_ERROR
                }
            nghttp2_session_terminate_session(session, code.rawValue)
            sendPending(context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Streams whose body did not come with their HEADERS in this read are sent slowly: only they
        // cost a timer.
        for id in awaitingBody where streams[id].map({ !$0.answered && $0.timer == nil }) == true {
            startRequestTimer(id, context)
        }
        awaitingBody.removeAll(keepingCapacity: true)
        sendPending(context)
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        gate.read(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        gate.writabilityChanged(context)
        if gate.writable { sendPending(context) }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // No further frames can arrive.
            close(context)
            return
        }
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            if let session {
                nghttp2_submit_goaway(
                    session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nghttp2_session_get_last_proc_stream_id(session),
                    UInt32(NGHTTP2_NO_ERROR.rawValue), nil, 0)
            }
            // With no stream open, the session wants nothing more once the GOAWAY is out: sendPending closes.
            sendPending(context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context)
    }

    // MARK: Sending

    /// Writes what the session has to send, as one buffer, when the channel takes writes; closes the
    /// connection, lingering, when the session wants neither to read nor to write (after a GOAWAY either
    /// way: shutdown with no stream left, or a connection error).
    private func sendPending(_ context: ChannelHandlerContext) {
        guard session != nil, !closed else { return }
        if gate.writable, let output = takeOutput(context) {
            lastActivity = .now()
            context.writeAndFlush(wrapOutboundOut(output), promise: nil)
        }
        // A failed write closes the channel, and the session is gone once the handler has been removed.
        guard let session, !closed else { return }
        if nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0 {
            closeAfterGoAway(context)
        }
    }

    /// Everything the session has to send now (frames as far as the flow-control windows allow), as one
    /// buffer; nil when there is nothing. A session error closes the connection.
    private func takeOutput(_ context: ChannelHandlerContext) -> ByteBuffer? {
        guard let session else { return nil }
        var output: ByteBuffer?
        while true {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            if count < 0 {
                close(context)
                return nil
            }
            guard count > 0, let data else { return output }
            if output == nil { output = context.channel.allocator.buffer(capacity: max(count, 1024)) }
            output!.writeBytes(UnsafeRawBufferPointer(start: data, count: count))
        }
    }

    /// Closes the sending side after a GOAWAY and the whole connection when the peer closes its side or a
    /// second later, reading and dropping what the peer still sends meanwhile: closing at once with its
    /// frames unread would reset the connection, and the peer would lose the GOAWAY that says why.
    private func closeAfterGoAway(_ context: ChannelHandlerContext) {
        guard !closed else { return }
        closed = true
        idleTimer?.cancel()
        context.close(mode: .output, promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: .seconds(1)) { loopBound.value.close(promise: nil) }
    }

    /// Closes now (also a connection lingering after GOAWAY, once the peer is done).
    private func close(_ context: ChannelHandlerContext) {
        closed = true
        idleTimer?.cancel()
        context.close(promise: nil)
    }

    /// A connection with no frames either way for `idle_timeout` is closed.
    private func armIdleTimer(_ context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let timeout = TimeAmount(limits.idleTimeout)
        idleTimer = context.eventLoop.scheduleTask(deadline: lastActivity + timeout) {
            let (handler, context) = loopBound.value
            guard !handler.closed else { return }
            if handler.lastActivity + timeout <= .now() {
                handler.close(context)
            } else {
                handler.armIdleTimer(context)
            }
        }
    }

    // MARK: Requests

    private func answer(_ id: Int32) {
        guard let context, let stream = streams[id], let head = stream.head else { return }
        stream.timer?.cancel()
        stream.timer = nil
        stream.answered = true
        let reply = log.responder.respond(head: head, body: stream.body, remoteAddress: context.channel.remoteAddress)
        stream.body = []
        submit(reply, id)
        log.record(reply, for: head, started: stream.started, remoteAddress: context.channel.remoteAddress)
    }

    /// Answers a stream that broke a limit or cannot be read, then ends it with RST_STREAM NO_ERROR after
    /// a grace period in which what still arrives is dropped.
    private func refuse(_ reply: RequestResponder.Reply, _ id: Int32) {
        guard let context, let stream = streams[id] else { return }
        stream.timer?.cancel()
        stream.answered = true
        stream.body = []
        submit(reply, id)
        let head = stream.head ?? RequestHead(method: .GET, uri: "/", version: .http2)
        log.record(reply, for: head, started: stream.started, remoteAddress: context.channel.remoteAddress)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        streams[id]?.timer = context.eventLoop.scheduleTask(in: .milliseconds(500)) {
            let (handler, context) = loopBound.value
            guard handler.streams[id] != nil, let session = handler.session else { return }
            nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, UInt32(NGHTTP2_NO_ERROR.rawValue))
            handler.sendPending(context)
        }
    }

    /// Hands the reply to the session: its header fields now (the session copies them), its body through
    /// a data source reading from the stream.
    private func submit(_ reply: RequestResponder.Reply, _ id: Int32) {
        guard let session else { return }
        var fields = HeaderBlock()
        fields.add(":status", Self.statusText(reply.status.code))
        reply.forEachHeader { name, value in fields.add(Self.lowercased(name), value) }
        if reply.status != .notModified { fields.add("content-length", String(reply.contentLength)) }
        let hasBody = !reply.omitBody && reply.status != .notModified && !reply.body.isEmpty
        if hasBody {
            streams[id]?.response = reply.body
            streams[id]?.sent = 0
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

    /// A body still arriving `request_timeout` after the stream began gets 408.
    private func startRequestTimer(_ id: Int32, _ context: ChannelHandlerContext) {
        guard let started = streams[id]?.started else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        streams[id]?.timer = context.eventLoop.scheduleTask(in: limits.requestTimeLeft(since: started)) {
            let (handler, context) = loopBound.value
            guard let stream = handler.streams[id], !stream.answered else { return }
            handler.refuse(.refusal(Limits.requestTimedOut), id)
            handler.sendPending(context)
        }
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
        return RequestHead(method: HTTPMethod(rawValue: method), uri: path, version: .http2, fields: fields)
    }

    private func headersReceived(_ id: Int32, endStream: Bool) {
        guard let stream = streams[id], !stream.answered else { return }
        if stream.head != nil {
            // Trailers: they end the request; their fields are not used.
            if endStream { answer(id) }
            return
        }
        guard let head = Self.head(of: stream) else {
            refuse(.malformed, id)
            return
        }
        stream.head = head
        stream.fields = RequestHead.Fields()
        if let refusal = limits.violation(of: head) {
            refuse(.refusal(refusal), id)
        } else if endStream {
            answer(id)
        } else {
            awaitingBody.append(id)
        }
    }

    private func dataReceived(_ id: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        guard let stream = streams[id], !stream.answered, stream.head != nil else { return }
        if stream.body.count + bytes.count > limits.maxBodyBytes {
            refuse(.refusal(limits.bodyTooLarge), id)
            return
        }
        stream.body.append(contentsOf: bytes)
    }

    // MARK: libnghttp2 callbacks (on the event loop, inside mem_recv and mem_send)

    private static func handler(_ userData: UnsafeMutableRawPointer?) -> NGHTTP2Handler {
        Unmanaged<NGHTTP2Handler>.fromOpaque(userData!).takeUnretainedValue()
    }

    private static let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, userData in
        guard let frame, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue),
            frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST
        else { return 0 }
        handler(userData).streams[frame.pointee.hd.stream_id] = Stream(started: ExchangeLog.monotonicNanoseconds())
        return 0
    }

    private static let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, userData in
        guard let frame, let name, let value, frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
        let handler = handler(userData)
        let id = frame.pointee.hd.stream_id
        guard let stream = handler.streams[id] else { return 0 }
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
        switch UInt32(frame.pointee.hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            handler(userData).headersReceived(id, endStream: endStream)
        case NGHTTP2_DATA.rawValue:
            let handler = handler(userData)
            if endStream, let stream = handler.streams[id], !stream.answered, stream.head != nil { handler.answer(id) }
        default:
            break
        }
        return 0
    }

    private static let onDataChunk: nghttp2_on_data_chunk_recv_callback = { _, _, id, data, length, userData in
        guard let data else { return 0 }
        handler(userData).dataReceived(id, UnsafeBufferPointer(start: data, count: length))
        return 0
    }

    private static let onStreamClose: nghttp2_on_stream_close_callback = { _, id, _, userData in
        let handler = handler(userData)
        if let stream = handler.streams.removeValue(forKey: id) { stream.timer?.cancel() }
        if handler.quiescing && handler.streams.isEmpty, let context = handler.context {
            // Answers still queued go out first: the session asks for no more reads after GOAWAY.
            context.eventLoop.assumeIsolated().execute { handler.sendPending(context) }
        }
        return 0
    }

    private static let readBody: nghttp2_data_source_read_callback = { _, id, buffer, length, flags, _, userData in
        let handler = handler(userData)
        guard let buffer, let flags, let stream = handler.streams[id] else {
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

    private static func statusText(_ code: UInt) -> String {
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
        default: name.lowercased()
        }
    }
}

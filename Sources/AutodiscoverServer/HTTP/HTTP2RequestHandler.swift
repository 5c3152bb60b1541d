import AutodiscoverCore
import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2

#if canImport(Glibc)
import Glibc
#endif

/// Serves the requests of one HTTP/2 connection straight from its frames, without a child channel and an
/// HTTP/1 codec per stream (that cost about as much as answering): collects each stream's HEADERS and DATA
/// within the limits, answers when the stream's request ends, and writes HEADERS and DATA frames; answers
/// made during one read go out in one flush.
///
/// The same limits as HTTP/1.1 give the same statuses (414, 431, 413, 408); the stream then ends with
/// RST_STREAM NO_ERROR after a short grace ("stop sending, the answer is complete", RFC 9113 §8.1: an
/// immediate reset makes curl, still uploading, lose the answer). Without child channels the flow-control
/// windows are ours to refill: the connection's always, a stream's while its body is being read.
/// On shutdown the connection sends GOAWAY and closes once its open streams are answered.
final class HTTP2RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private struct Stream {
        var head: HTTPRequestHead?
        var body: [UInt8] = []
        var started: UInt64
        var timer: Scheduled<Void>?
        /// Answered (or refused): what still arrives is dropped.
        var answered = false
    }

    /// Answers requests, counts and logs them.
    private let log: ExchangeLog
    private let limits: Limits
    private var streams: [HTTP2StreamID: Stream] = [:]
    private var needsFlush = false
    /// Streams opened in this read whose request has a body still to come.
    private var awaitingBody: [HTTP2StreamID] = []
    private var quiescing = false
    private var lastStreamID = HTTP2StreamID.rootStream
    /// The receive window advertised for the connection and each stream (HTTP/2's default).
    private let targetWindow = 65_535

    init(log: ExchangeLog, limits: Limits) {
        self.log = log
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let id = frame.streamID
        switch frame.payload {
        case .headers(let headers):
            if var stream = streams[id] {
                // Trailers: they end the request; their fields are not used.
                guard !stream.answered, headers.endStream else { return }
                stream.answered = true
                streams[id] = stream
                answer(id, stream, context)
                return
            }
            if id > lastStreamID { lastStreamID = id }
            var stream = Stream(started: ExchangeLog.monotonicNanoseconds())
            guard let head = Self.requestHead(headers.headers) else {
                streams[id] = stream
                refuse(.malformed, id, HTTPRequestHead(version: .http2, method: .GET, uri: "/"), context)
                return
            }
            stream.head = head
            streams[id] = stream
            if let refusal = limits.violation(of: head) {
                refuse(.refusal(refusal), id, head, context)
            } else if headers.endStream {
                streams[id]!.answered = true
                answer(id, streams[id]!, context)
            } else {
                awaitingBody.append(id)
            }
        case .data(let payload):
            guard let stream = streams[id], !stream.answered, let head = stream.head else { return }
            guard case .byteBuffer(let buffer) = payload.data else { return }
            if stream.body.count + buffer.readableBytes > limits.maxBodyBytes {
                refuse(.refusal(limits.bodyTooLarge), id, head, context)
                return
            }
            buffer.withUnsafeReadableBytes { streams[id]!.body.append(contentsOf: $0) }
            if payload.endStream {
                streams[id]!.answered = true
                answer(id, streams[id]!, context)
            }
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Streams whose body did not come with their HEADERS in this read are sent slowly: only they
        // cost a timer.
        for id in awaitingBody where streams[id].map({ !$0.answered && $0.timer == nil }) == true {
            startRequestTimer(id, context)
        }
        awaitingBody.removeAll(keepingCapacity: true)
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let closed as StreamClosedEvent:
            if let stream = streams.removeValue(forKey: closed.streamID) { stream.timer?.cancel() }
            if quiescing && streams.isEmpty { context.close(promise: nil) }
        case let window as NIOHTTP2WindowUpdatedEvent:
            refillWindow(window, context)
        case is ChannelShouldQuiesceEvent:
            quiescing = true
            let goAway = HTTP2Frame(
                streamID: .rootStream, payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil))
            context.writeAndFlush(wrapOutboundOut(goAway), promise: nil)
            if streams.isEmpty { context.close(promise: nil) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        for stream in streams.values { stream.timer?.cancel() }
        streams.removeAll()
    }

    /// Tops the receive window back up once half is used: always for the connection (DATA on finished
    /// streams counts there too), for a stream only while its body is still wanted.
    private func refillWindow(_ event: NIOHTTP2WindowUpdatedEvent, _ context: ChannelHandlerContext) {
        guard let size = event.inboundWindowSize, size <= targetWindow / 2 else { return }
        if event.streamID != .rootStream {
            guard let stream = streams[event.streamID], !stream.answered else { return }
        }
        let update = HTTP2Frame(streamID: event.streamID, payload: .windowUpdate(windowSizeIncrement: targetWindow - size))
        context.write(wrapOutboundOut(update), promise: nil)
        needsFlush = true
    }

    /// The request head from HTTP/2 header fields (`:authority` becomes `Host`, as HTTP/1.1 would send it).
    /// NIOHTTP2 has already checked the pseudo-header fields; a missing `:method` or `:path` is nil.
    static func requestHead(_ fields: HPACKHeaders) -> HTTPRequestHead? {
        var method: String?
        var path: String?
        var authority: String?
        var headers = HTTPHeaders()
        for (name, value, _) in fields {
            if name.utf8.first == UInt8(ascii: ":") {
                switch name {
                case ":method": method = value
                case ":path": path = value
                case ":authority": authority = value
                default: break
                }
            } else {
                headers.add(name: name, value: value)
            }
        }
        guard let method, let path else { return nil }
        if let authority, !headers.contains(name: "host") { headers.add(name: "host", value: authority) }
        return HTTPRequestHead(
            version: .init(major: 2, minor: 0), method: HTTPMethod(rawValue: method), uri: path, headers: headers)
    }

    private func answer(_ id: HTTP2StreamID, _ stream: Stream, _ context: ChannelHandlerContext) {
        guard let head = stream.head else { return }
        stream.timer?.cancel()
        streams[id]?.timer = nil
        let reply = log.responder.respond(head: head, body: stream.body, remoteAddress: context.channel.remoteAddress)
        streams[id]?.body = []
        write(reply, id, context)
        needsFlush = true
        log.record(reply, for: head, started: stream.started, remoteAddress: context.channel.remoteAddress)
    }

    private func write(_ reply: RequestResponder.Reply, _ id: HTTP2StreamID, _ context: ChannelHandlerContext) {
        var fields = HPACKHeaders()
        fields.reserveCapacity(8)
        fields.add(name: ":status", value: String(reply.status.code))
        reply.forEachHeader { name, value in fields.add(name: Self.lowercased(name), value: value) }
        if reply.status != .notModified { fields.add(name: "content-length", value: String(reply.contentLength)) }
        let hasBody = !reply.omitBody && reply.status != .notModified && !reply.body.isEmpty
        context.write(
            wrapOutboundOut(HTTP2Frame(streamID: id, payload: .headers(.init(headers: fields, endStream: !hasBody)))),
            promise: nil)
        if hasBody {
            var buffer = context.channel.allocator.buffer(capacity: reply.body.count)
            buffer.writeBytes(reply.body)
            context.write(
                wrapOutboundOut(HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(buffer), endStream: true)))),
                promise: nil)
        }
    }

    /// HTTP/2 field names are lower case; ours are written in HTTP/1.1's usual case.
    private static func lowercased(_ name: String) -> String {
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

    /// A body still arriving `request_timeout` after the stream began gets 408.
    private func startRequestTimer(_ id: HTTP2StreamID, _ context: ChannelHandlerContext) {
        guard let started = streams[id]?.started else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        streams[id]?.timer = context.eventLoop.scheduleTask(in: limits.requestTimeLeft(since: started)) {
            let (handler, context) = loopBound.value
            guard let stream = handler.streams[id], !stream.answered, let head = stream.head else { return }
            handler.refuse(.refusal(Limits.requestTimedOut), id, head, context)
            context.flush()
        }
    }

    /// Answers a stream that broke a limit or cannot be read, then ends it with RST_STREAM NO_ERROR after
    /// a grace period in which what still arrives is dropped.
    private func refuse(
        _ reply: RequestResponder.Reply, _ id: HTTP2StreamID, _ head: HTTPRequestHead, _ context: ChannelHandlerContext
    ) {
        guard var stream = streams[id] else { return }
        stream.timer?.cancel()
        stream.answered = true
        stream.body = []
        write(reply, id, context)
        needsFlush = true
        log.record(reply, for: head, started: stream.started, remoteAddress: context.channel.remoteAddress)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        stream.timer = context.eventLoop.scheduleTask(in: .milliseconds(500)) {
            let (handler, context) = loopBound.value
            guard handler.streams[id] != nil else { return }
            context.writeAndFlush(
                handler.wrapOutboundOut(HTTP2Frame(streamID: id, payload: .rstStream(.noError))), promise: nil)
        }
        streams[id] = stream
    }
}

import AutodiscoverCore
import CNGHTTP2
import Testing

@testable import AutodiscoverHTTP

/// The HTTP/2 session without a socket: a libnghttp2 client session in the test talks to it through byte
/// arrays (the h2c and TLS h2 socket tests in `EndpointTests` and `NGHTTP2HandlerTests` check the same
/// through a real server).
@Suite("HTTP/2 session")
struct HTTP2SessionTests {
    /// A client: submits requests, reads the responses' status and body.
    final class Client {
        var session: OpaquePointer?
        var statuses: [Int32: String] = [:]
        var bodies: [Int32: [UInt8]] = [:]
        var closed: [Int32: UInt32] = [:]

        init() {
            var callbacks: OpaquePointer?
            nghttp2_session_callbacks_new(&callbacks)
            defer { nghttp2_session_callbacks_del(callbacks) }
            nghttp2_session_callbacks_set_on_header_callback(callbacks) {
                _, frame, name, nameLength, value, valueLength, _, user in
                let client = Unmanaged<Client>.fromOpaque(user!).takeUnretainedValue()
                let name = String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self)
                if name == ":status" {
                    client.statuses[frame!.pointee.hd.stream_id] = String(
                        decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self)
                }
                return 0
            }
            nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, id, data, length, user in
                let client = Unmanaged<Client>.fromOpaque(user!).takeUnretainedValue()
                client.bodies[id, default: []] += Array(UnsafeBufferPointer(start: data, count: length))
                return 0
            }
            nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, id, code, user in
                Unmanaged<Client>.fromOpaque(user!).takeUnretainedValue().closed[id] = code
                return 0
            }
            nghttp2_session_client_new(&session, callbacks, Unmanaged.passUnretained(self).toOpaque())
            nghttp2_submit_settings(session, 0, nil, 0)
        }

        deinit { nghttp2_session_del(session) }

        /// Submits a request without a body; returns its stream id.
        func get(_ path: String, extra: [(String, String)] = []) -> Int32 {
            let fields = [(":method", "GET"), (":scheme", "http"), (":authority", "example.com"), (":path", path)] + extra
            var storage = fields.map { (Array($0.0.utf8), Array($0.1.utf8)) }
            return storage.withUnsafeMutableBufferPointer { storage in
                var nva = storage.indices.map { index in
                    storage[index].0.withUnsafeMutableBufferPointer { name in
                        storage[index].1.withUnsafeMutableBufferPointer { value in
                            nghttp2_nv(
                                name: name.baseAddress, value: value.baseAddress, namelen: name.count, valuelen: value.count,
                                flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
                        }
                    }
                }
                return nghttp2_submit_request(session, nil, &nva, nva.count, nil, nil)
            }
        }

        func output() -> [UInt8] {
            var bytes: [UInt8] = []
            while true {
                var data: UnsafePointer<UInt8>?
                let count = nghttp2_session_mem_send(session, &data)
                guard count > 0, let data else { return bytes }
                bytes += Array(UnsafeBufferPointer(start: data, count: count))
            }
        }

        func receive(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { _ = nghttp2_session_mem_recv(session, $0.baseAddress, $0.count) }
        }
    }

    /// Moves bytes both ways until neither side has more; answers each request with `answer`.
    static func exchange(
        _ client: Client, _ server: HTTP2Session, answer: (RequestHead) -> HTTPResponse
    ) -> [HTTP2Session.Event] {
        var events: [HTTP2Session.Event] = []
        for _ in 0..<8 {
            let toServer = client.output()
            let received = toServer.withUnsafeBytes { server.receive($0, now: 0) }
            for case .request(let id, let head, _, _) in received { server.respond(id, with: answer(head)) }
            events += received
            var toClient: [UInt8] = []
            #expect(server.takeOutput { toClient += Array($0) })
            client.receive(toClient)
            if toServer.isEmpty && toClient.isEmpty { break }
        }
        return events
    }

    static func limits() -> Limits {
        var limits = Limits()
        limits.maxURIBytes = 100
        return limits
    }

    @Test("Requests become events with their head; responses reach the client with status and body")
    func requestAndResponse() throws {
        let client = Client()
        let server = try #require(HTTP2Session(limits: Self.limits()))
        let first = client.get("/mail/config-v1.1.xml?emailaddress=a%40example.com", extra: [("user-agent", "Thunderbird")])
        let second = client.get("/healthz")
        let events = Self.exchange(client, server) { head in
            HTTPResponse.text(
                .ok, "\(head.method) \(head.uri) \(head.fields.host ?? "-") \(head.fields.userAgent ?? "-")", label: "t")
        }
        #expect(events.count == 2)
        #expect(client.statuses[first] == "200" && client.statuses[second] == "200")
        #expect(
            String(decoding: client.bodies[first] ?? [], as: UTF8.self)
                == "GET /mail/config-v1.1.xml?emailaddress=a%40example.com example.com Thunderbird")
        #expect(String(decoding: client.bodies[second] ?? [], as: UTF8.self) == "GET /healthz example.com -")
    }

    @Test("A target over the limit is refused with 414 by the session, and reset NO_ERROR once the grace is over")
    func refusal() throws {
        let client = Client()
        let server = try #require(HTTP2Session(limits: Self.limits()))
        let id = client.get("/" + String(repeating: "a", count: 200))
        let events = Self.exchange(client, server) { _ in .text(.ok, "never", label: "t") }
        guard case .refused(let stream, let response, _, _)? = events.first else {
            Issue.record("no refusal: \(events)")
            return
        }
        #expect(stream == id && response.status == .uriTooLong && response.label == "limit")
        #expect(client.statuses[id] == "414")
        server.endRefused(id)
        _ = Self.exchange(client, server) { _ in .text(.ok, "never", label: "t") }
        #expect(client.closed[id] == UInt32(NGHTTP2_NO_ERROR.rawValue))
    }

    @Test("Bytes that are no HTTP/2 preface end the session with a GOAWAY")
    func badPreface() throws {
        let server = try #require(HTTP2Session(limits: Self.limits()))
        let events = Array("GET / HTTP/1.1\r\n\r\n".utf8).withUnsafeBytes { server.receive($0, now: 0) }
        #expect(events.isEmpty)
        var output: [UInt8] = []
        #expect(server.takeOutput { output += Array($0) })
        // SETTINGS, then a GOAWAY frame (type 7) saying PROTOCOL_ERROR.
        #expect(output.count > 17 && output.contains(7))
        #expect(server.isFinished)
    }
}

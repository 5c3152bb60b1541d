import AutodiscoverCore
import AutodiscoverHTTP
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import AutodiscoverServer

@Suite("Request heads: the fields read, keep-alive, and request metrics per event loop")
struct RequestHeadTests {
    private static func fields(_ pairs: [(String, String)]) -> RequestHead.Fields {
        var fields = RequestHead.Fields()
        for (name, value) in pairs {
            var (name, value) = (name, value)
            name.withUTF8 { name in
                value.withUTF8 { value in fields.add(name: UnsafeRawBufferPointer(name), value: UnsafeRawBufferPointer(value)) }
            }
        }
        return fields
    }

    @Test("Names match without regard to case; the first of each counts; every field counts toward the limit")
    func readsFields() {
        let pairs = [
            ("HOST", "a.example"), ("Host", "b.example"), ("user-agent", "Thunderbird/128"), ("If-None-Match", "\"g1-2\""),
            ("X-Forwarded-Host", "c.example"), ("x-forwarded-for", "192.0.2.1, 10.0.0.1"), ("X-Forwarded-Proto", "https"),
            ("Content-Length", "12"), ("Accept", "*/*"), ("Hostname", "no"),
        ]
        let fields = Self.fields(pairs)
        #expect(fields.host == "a.example")
        #expect(fields.userAgent == "Thunderbird/128")
        #expect(fields.ifNoneMatch == "\"g1-2\"")
        #expect(fields.forwardedHost == "c.example")
        #expect(fields.forwardedFor == "192.0.2.1, 10.0.0.1")
        #expect(fields.forwardedProto == "https")
        #expect(fields.contentLength == "12")
        #expect(fields.headerBytes == pairs.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 })
    }

    @Test("An HTTP/1.1 head read in one pass gives the fields, framing and byte count of the field list")
    func onePass() throws {
        var text =
            "POST /autodiscover/autodiscover.xml?x=1 HTTP/1.0\r\nHost: a.example\r\nUser-Agent: Microsoft Office/16.0\r\n"
            + "content-length: 12\r\nConnection: keep-alive\r\nX-Forwarded-For: 192.0.2.1\r\nAccept: */*\r\n\r\n"
        try text.withUTF8 { raw in
            let bytes = UnsafeRawBufferPointer(raw)
            let (parsed, head) = try RequestHead.parse(bytes)
            let listed = try HTTP1Head.parse(bytes)
            #expect(parsed.fields.isEmpty)
            #expect(listed.fields.count == 6)
            #expect(parsed.framing == listed.framing && parsed.framing == .length(12))
            #expect(parsed.headerBytes == listed.headerBytes && head.fields.headerBytes == listed.headerBytes)
            #expect(head.method == .POST && head.uri == "/autodiscover/autodiscover.xml?x=1" && head.version == .http1_0)
            #expect(head.fields.host == "a.example" && head.fields.userAgent == "Microsoft Office/16.0")
            #expect(head.fields.contentLength == "12" && head.fields.forwardedFor == "192.0.2.1")
            #expect(head.isKeepAlive)
        }
    }

    /// What NIO's `HTTPRequestHead.isKeepAlive` answers for the same heads.
    @Test(
        "Keep-alive follows the version and Connection as NIO decides it",
        arguments: [
            (HTTPVersion.http1_1, [String](), true), (.http1_1, ["close"], false), (.http1_1, ["Keep-Alive"], true),
            (.http1_1, ["keep-alive, close"], false), (.http1_1, ["upgrade", "CLOSE"], false),
            (.http1_1, [" keep-alive ,upgrade"], true), (.http1_1, ["keep-alive", "keep-alive"], false),
            (.http1_0, [], false), (.http1_0, ["keep-alive"], true), (.http1_0, ["close"], false),
            (.http1_0, ["keep-alive,keep-alive"], false),
        ] as [(HTTPVersion, [String], Bool)])
    func keepAlive(_ version: HTTPVersion, _ connection: [String], _ expected: Bool) {
        let head = RequestHead(
            method: .GET, uri: "/", version: version == .http1_0 ? .http1_0 : .http1_1, fields: Self.fields(connection.map { ("Connection", $0) }))
        #expect(head.isKeepAlive == expected)
        var headers = HTTPHeaders()
        for value in connection { headers.add(name: "Connection", value: value) }
        #expect(HTTPRequestHead(version: version, method: .GET, uri: "/", headers: headers).isKeepAlive == expected)
    }

    @Test("Requests counted on different event loops add up in /metrics")
    func tallies() {
        let metrics = ServerMetrics()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let (first, second) = (group.next(), group.next())
        #expect(first !== second)
        metrics.tally(for: first).record(.init(renderer: "pox", status: 200, client: .outlook), nanoseconds: 40_000)
        metrics.tally(for: second).record(.init(renderer: "pox", status: 200, client: .outlook), nanoseconds: 300_000)
        metrics.tally(for: second).record(.init(renderer: "none", status: 404, client: .other), nanoseconds: 2_000_000_000)
        metrics.request(renderer: "pox", status: 200, client: .outlook, nanoseconds: 1_000)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        for line in [
            "autodiscover_requests_total{renderer=\"none\",status=\"404\",client=\"other\"} 1",
            "autodiscover_requests_total{renderer=\"pox\",status=\"200\",client=\"outlook\"} 3",
            "autodiscover_request_duration_seconds_bucket{le=\"0.00005\"} 2",
            "autodiscover_request_duration_seconds_bucket{le=\"0.00025\"} 2",
            "autodiscover_request_duration_seconds_bucket{le=\"0.0005\"} 3",
            "autodiscover_request_duration_seconds_bucket{le=\"0.25\"} 3",
            "autodiscover_request_duration_seconds_bucket{le=\"+Inf\"} 4",
            "autodiscover_request_duration_seconds_sum 2.000341",
            "autodiscover_request_duration_seconds_count 4",
        ] {
            #expect(text.contains(line + "\n"), "\(line) in \(text)")
        }
    }
}

import AutodiscoverCore
import AutodiscoverServer
import Foundation
import Testing

/// HTTP/2 is served by a libnghttp2 session inside one channel handler: flow control is the session's,
/// the per-stream request timer and the limits the handler's. These tests hold them to what clients need.
@Suite("HTTP/2 streams served by libnghttp2", .serialized)
struct NGHTTP2HandlerTests {
    /// The default config with one setting replaced.
    static func yaml(_ setting: String, _ replacement: String) -> String {
        let yaml = ServerHarness.defaultYAML
        precondition(yaml.contains(setting), "config.yaml no longer says \(setting)")
        return yaml.replacingOccurrences(of: setting, with: replacement)
    }

    @Test("Bodies larger than the flow-control windows are read whole, several on one connection")
    func windowsRefilled() async throws {
        // 300 KB bodies: each stream's window (64 KiB) and the connection's must be refilled as data arrives.
        try await ServerHarness.withServer(Self.yaml("max_body_bytes: 16384", "max_body_bytes: 400000")) { server in
            let padding = "<!--" + String(repeating: "x", count: 300_000) + "-->"
            let body = EndpointTests.pox.replacingOccurrences(of: "<Autodiscover ", with: padding + "<Autodiscover ")
            let file = server.directory + "/big-pox.xml"
            try body.write(toFile: file, atomically: true, encoding: .utf8)
            let url = "http://127.0.0.1:\(server.port)/autodiscover/autodiscover.xml"
            // nghttp sends the four requests as concurrent streams of one connection (curl 7.88 cannot
            // POST to several URLs over one HTTP/2 connection).
            let output = await ServerHarness.run(
                "/usr/bin/nghttp",
                ["-n", "-s", "-t", "10", "-H", "content-type: text/xml", "-d", file] + (1...4).map { "\(url)?\($0)" })
            let answered = output.split(separator: "\n").filter { $0.contains(" 200 ") && $0.contains("autodiscover.xml?") }
            #expect(answered.count == 4, "\(output)")
        }
    }

    @Test("A stream whose body stalls gets 408 after request_timeout; the connection keeps serving")
    func stalledBody() async throws {
        try await ServerHarness.withServer(Self.yaml("request_timeout: 30s", "request_timeout: 1s")) { server in
            let file = server.directory + "/slow.xml"
            try String(repeating: "a", count: 3_000).write(toFile: file, atomically: true, encoding: .utf8)
            // 1,000 bytes a second: the body is still arriving when the second elapses. curl 7.88 reports no
            // status for an answer that arrives mid-upload, so the 408 is read from the server's metrics.
            _ = await ServerHarness.curl([
                "--http2-prior-knowledge", "--limit-rate", "1000", "--data-binary", "@" + file,
                "http://127.0.0.1:\(server.port)/autodiscover/autodiscover.xml",
            ])
            let metrics = await ServerHarness.curl(["--http2-prior-knowledge", "http://127.0.0.1:\(server.port)/metrics"])
            let line = metrics.body.split(separator: "\n").first {
                $0.hasPrefix("autodiscover_requests_total") && $0.contains("renderer=\"limit\"")
                    && $0.contains("status=\"408\"")
            }
            #expect(line != nil, "\(metrics.body)")
            #expect(metrics.status == 200)
        }
    }
}

import AutodiscoverCore
import AutodiscoverServer
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Connection timeouts", .serialized)
struct TimeoutTests {
    static let yaml = """
        server:
          limits: { header_timeout: 300ms, idle_timeout: 300ms }
        domains:
          example.com: { imap: imap.example.com }
        """

    /// Connects, sends `bytes`, and reads until the server closes; returns what came back, or nil if the
    /// connection was still open after `limit` seconds (a receive timeout, not a sleep).
    static func sendAndAwaitClose(
        port: Int, _ bytes: String, extra: [UInt8] = [], limit: Int = 5, halfClose: Bool = false
    ) -> String? {
        guard let fd = ServerHarness.connectLoopback(port: port, receiveTimeout: limit) else { return nil }
        defer { close(fd) }
        _ = bytes.withCString { send(fd, $0, strlen($0), 0) }
        if !extra.isEmpty { _ = extra.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } }
        if halfClose { shutdown(fd, Int32(SHUT_WR)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return String(decoding: received, as: UTF8.self) }  // closed by the server
            if count < 0 { return nil }  // still open when the limit passed
            received += buffer[0..<count]
        }
    }

    /// ``sendAndAwaitClose(port:_:extra:limit:halfClose:)`` on a thread of its own, so the blocking socket
    /// calls never hold a Swift concurrency thread.
    static func awaitClose(port: Int, _ bytes: String, extra: [UInt8] = [], halfClose: Bool = false) async -> String? {
        await withCheckedContinuation { continuation in
            BlockingThread.start {
                continuation.resume(returning: sendAndAwaitClose(port: port, bytes, extra: extra, halfClose: halfClose))
            }
        }
    }

    @Test("A request head that never completes is closed after header_timeout; others are served")
    func slowHeaders() async throws {
        try await ServerHarness.withServer(Self.yaml) { server in
            let port = server.port
            let result = await Self.awaitClose(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            #expect(result == "")
            #expect(await ServerHarness.curl(["http://127.0.0.1:\(port)/healthz"]).status == 200)
        }
    }

    @Test("A request body still arriving after request_timeout gets 408 and the connection is closed")
    func slowBody() async throws {
        let yaml = """
            server:
              limits: { request_timeout: 300ms }
            domains:
              example.com: { imap: imap.example.com }
            """
        try await ServerHarness.withServer(yaml) { server in
            let port = server.port
            let head = "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n<Auto"
            let result = await Self.awaitClose(port: port, head)
            #expect(result?.hasPrefix("HTTP/1.1 408 Request Timeout") == true)
            #expect(await ServerHarness.curl(["http://127.0.0.1:\(port)/healthz"]).status == 200)
        }
    }

    @Test(
        "Connection: close and HTTP/1.0 get their answer and the server closes at once",
        arguments: [
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "GET /healthz HTTP/1.0\r\n\r\n",
        ])
    func closeAfterAnswer(request: String) async throws {
        try await Self.expectAnswerThenClose(request, halfClose: false)
    }

    @Test("A client that half-closes after its request gets the answer, then the server closes")
    func halfCloseAfterRequest() async throws {
        try await Self.expectAnswerThenClose("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", halfClose: true)
    }

    static func expectAnswerThenClose(_ request: String, halfClose: Bool) async throws {
        // The default idle timeout is 60 s; a close within the 5-s receive limit is the server honouring the request.
        try await ServerHarness.withServer { server in
            let port = server.port
            let result = await Self.awaitClose(port: port, request, halfClose: halfClose)
            #expect(result?.contains(" 200 OK\r\n") == true)
            #expect(result?.hasSuffix("ok\n") == true)
        }
    }

    @Test("A connection that sends too little to tell HTTP/1.1 from HTTP/2 is closed")
    func silentConnection() async throws {
        try await ServerHarness.withServer(Self.yaml) { server in
            let port = server.port
            let result = await Self.awaitClose(port: port, "PRI * HT")
            #expect(result == "")
        }
    }

    @Test("An idle keep-alive connection is closed after the idle timeout")
    func idleKeepAlive() async throws {
        try await ServerHarness.withServer(Self.yaml) { server in
            let port = server.port
            let result = await Self.awaitClose(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(result?.hasPrefix("HTTP/1.1 200 OK") == true)
            #expect(result?.hasSuffix("ok\n") == true)
        }
    }
}

@Suite("HTTP/2 idle timeout", .serialized)
struct HTTP2IdleTests {
    @Test("An idle h2c connection is closed after the idle timeout")
    func idleHTTP2() async throws {
        try await ServerHarness.withServer(TimeoutTests.yaml) { server in
            let port = server.port
            // The connection preface and an empty SETTINGS frame, then nothing.
            let preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
            let result = await TimeoutTests.awaitClose(port: port, preface, extra: [0, 0, 0, 4, 0, 0, 0, 0, 0])
            // Closed (the server's SETTINGS and GOAWAY may come first), not left open.
            #expect(result != nil)
        }
    }
}

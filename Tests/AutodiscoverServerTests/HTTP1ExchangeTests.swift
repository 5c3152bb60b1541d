import AutodiscoverCore
import AutodiscoverServer
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("HTTP/1.1 exchanges on the wire", .serialized)
struct HTTP1ExchangeTests {
    static let pox = """
        <?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>
        """

    /// The status codes of the responses in `text`, in order.
    static func statuses(_ text: String) -> [Int] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().compactMap { Int($0.prefix(3)) }
    }

    static func chunked(_ body: String, size: Int) -> String {
        var text = ""
        var rest = Substring(body)
        while !rest.isEmpty {
            let piece = rest.prefix(size)
            text += String(piece.utf8.count, radix: 16) + (text.isEmpty ? ";ext=1" : "") + "\r\n" + piece + "\r\n"
            rest = rest.dropFirst(piece.count)
        }
        return text + "0\r\nX-Trailer: yes\r\n\r\n"
    }

    /// Each row: the bytes a client sends (ending with a request that asks to close, or one the server
    /// refuses), and the statuses it must get back, in order, before the server closes.
    @Test(
        "Pipelined, chunked and refused requests get their answers in order",
        arguments: [
            (
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n\r\n"
                    + "HEAD /healthz HTTP/1.1\nHost: x\nConnection: close\n\n",
                [200, 200, 200]
            ),
            (
                "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunked(pox, size: 100) + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                [200, 200]
            ),
            (
                "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\nContent-Length: \(pox.utf8.count)\r\n\r\n"
                    + pox + "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                [200, 404]
            ),
            // Connection tokens as NIO reads them: HTTP/1.0 stays open only when asked; any `close`, in any
            // case or field, closes; the request after it is never answered.
            (
                "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: Keep-Alive, close\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                [200, 200]
            ),
            (
                "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nConnection: upgrade, CLOSE\r\n\r\n"
                    + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                [200]
            ),
            ("GET /healthz HTTP/1.0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", [200]),
            ("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", [200, 400]),
            ("GET /healthz HTTP/1.1\r\nHost : x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", [400]),
            ("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", [400]),
            ("POST /autodiscover/autodiscover.xml HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", [400]),
            ("POST /autodiscover/autodiscover.xml HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5000\r\n", [413]),
            ("GET /" + String(repeating: "a", count: 9_000), [414]),
            ("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 30_000), [431]),
        ] as [(String, [Int])])
    func exchanges(_ bytes: String, _ expected: [Int]) async throws {
        try await ServerHarness.withServer { server in
            let result = await TimeoutTests.awaitClose(port: server.port, bytes)
            #expect(result.map(Self.statuses) == expected, "\(result ?? "still open")")
            if expected.first == 200, bytes.contains("autodiscover.xml") {
                #expect(result?.contains("<Server>imap4.example.com</Server>") == true)
            }
        }
    }

    @Test("Expect: 100-continue gets 100 Continue before the body is sent, then the answer")
    func expectContinue() async throws {
        try await ServerHarness.withServer { server in
            let head =
                "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\nContent-Length: \(Self.pox.utf8.count)\r\n"
                + "Expect: 100-continue\r\nConnection: close\r\n\r\n"
            let port = server.port
            let (interim, final) = await withCheckedContinuation { continuation in
                BlockingThread.start {
                    continuation.resume(returning: Self.sendWaitingForContinue(port: port, head: head, body: Self.pox))
                }
            }
            #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
            #expect(final.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(final.contains("<Server>imap4.example.com</Server>"))
        }
    }

    /// Sends `head`, reads until the blank line of the interim answer (at most 5 s), sends `body`, and reads
    /// the final answer until the server closes.
    static func sendWaitingForContinue(port: Int, head: String, body: String) -> (String, String) {
        guard let fd = ServerHarness.connectLoopback(port: port, receiveTimeout: 5) else { return ("", "") }
        defer { close(fd) }
        _ = head.withCString { send(fd, $0, strlen($0), 0) }
        var received: [UInt8] = []
        var byte: UInt8 = 0
        while !received.ends(with: Array("\r\n\r\n".utf8)), recv(fd, &byte, 1, 0) == 1 { received.append(byte) }
        let interim = String(decoding: received, as: UTF8.self)
        _ = body.withCString { send(fd, $0, strlen($0), 0) }
        received = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return (interim, String(decoding: received, as: UTF8.self))
    }
}

extension Array where Element: Equatable {
    fileprivate func ends(with suffix: [Element]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}

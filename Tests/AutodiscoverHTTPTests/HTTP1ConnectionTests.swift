import AutodiscoverCore
import Testing

@testable import AutodiscoverHTTP

/// The HTTP/1.1 connection's transitions without a socket: each case feeds bytes and events at given
/// times and compares every action the state machine returns (the socket tests in
/// `HTTP1ExchangeTests` and `TimeoutTests` check the same behaviour through a real server).
@Suite("HTTP/1.1 connection state machine")
struct HTTP1ConnectionTests {
    /// What happens to the connection, in order.
    enum Input {
        /// Bytes arrive (at the current time).
        case bytes(String)
        /// The clock reads this many seconds since the connection opened; the timer fires.
        case timer(at: Double)
        /// The clock moves on without the timer firing (the time an answer or a read happens).
        case clock(Double)
        case inputClosed
        case quiesce
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let inputs: [Input]
        /// The actions, written as ``Driver`` records them.
        let expected: [String]
        var testDescription: String { name }
    }

    static let limits: Limits = {
        var limits = Limits()
        limits.maxURIBytes = 100
        limits.maxHeaderBytes = 200
        limits.maxBodyBytes = 10
        limits.headerTimeout = .seconds(10)
        limits.idleTimeout = .seconds(60)
        limits.requestTimeout = .seconds(30)
        return limits
    }()

    static let get = "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n"

    static let cases: [Case] = [
        Case(name: "one request, kept alive", inputs: [.bytes(get)], expected: ["answer GET /a", "keep-alive", "need more"]),
        Case(
            name: "pipelined requests answered in order", inputs: [.bytes(get + "GET /b HTTP/1.1\r\n\r\n")],
            expected: ["answer GET /a", "keep-alive", "answer GET /b", "keep-alive", "need more"]),
        Case(
            name: "a head split across reads", inputs: [.bytes("GET /a HT"), .bytes("TP/1.1\r\nHost: x\r"), .bytes("\n\r\n")],
            expected: ["need more", "need more", "answer GET /a", "keep-alive", "need more"]),
        Case(
            name: "empty lines before a request line are skipped", inputs: [.bytes("\r\n\r\n" + get)],
            expected: ["answer GET /a", "keep-alive", "need more"]),
        Case(
            name: "Connection: close ends the connection; what follows is dropped",
            inputs: [.bytes("GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\n\r\n"), .bytes(get)],
            expected: ["answer GET /a", "close", "none"]),
        Case(
            name: "HTTP/1.0 closes after its answer", inputs: [.bytes("GET /a HTTP/1.0\r\n\r\n")],
            expected: ["answer GET /a", "close"]),
        Case(
            name: "HTTP/1.0 with keep-alive stays open and says so",
            inputs: [.bytes("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")],
            expected: ["answer GET /a", "keep-alive announced", "need more"]),
        Case(
            name: "a Content-Length body, in two reads",
            inputs: [.bytes("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), .bytes("cde" + get)],
            expected: [
                "need more", "deadline 30", "answer POST /p body=abcde", "keep-alive", "answer GET /a", "keep-alive", "need more",
            ]),
        Case(
            name: "a chunked body",
            inputs: [
                .bytes("POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"), .bytes("2;x=y\r\nde\r\n0\r\n\r\n"),
            ],
            expected: ["need more", "deadline 30", "answer POST /p body=abcde", "keep-alive", "need more"]),
        Case(
            name: "Expect: 100-continue with no body yet gets 100 Continue",
            inputs: [.bytes("POST /p HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"), .bytes("abc")],
            expected: ["continue", "need more", "deadline 30", "answer POST /p body=abc", "keep-alive", "need more"]),
        Case(
            name: "Expect: 100-continue with its body already sent gets no 100",
            inputs: [.bytes("POST /p HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc")],
            expected: ["answer POST /p body=abc", "keep-alive", "need more"]),
        Case(
            name: "an announced body over max_body_bytes: 413 at once",
            inputs: [.bytes("POST /p HTTP/1.1\r\nContent-Length: 11\r\n\r\n")], expected: ["refuse 413 POST /p"]),
        Case(
            name: "a chunked body growing over max_body_bytes: 413",
            inputs: [.bytes("POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n"), .bytes("6\r\n")],
            expected: ["need more", "deadline 30", "refuse 413 POST /p"]),
        Case(
            name: "a target over max_uri_bytes: 414",
            inputs: [.bytes("GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\n\r\n")],
            expected: ["refuse 414 GET /aaaa"]),
        Case(
            name: "a request line growing past the limit with no end: 414 before it ends",
            inputs: [.bytes("GET /" + String(repeating: "a", count: 200))], expected: ["refuse 414 GET /"]),
        Case(
            name: "a header block over max_header_bytes: 431",
            inputs: [.bytes("GET /a HTTP/1.1\r\nX-Big: " + String(repeating: "b", count: 200) + "\r\n\r\n")],
            expected: ["refuse 431 GET /a"]),
        Case(
            name: "a head growing past every limit with no end: 431 before it ends",
            inputs: [.bytes("GET /a HTTP/1.1\r\n" + String(repeating: "X-Many: b\r\n", count: 500))],
            expected: ["refuse 431 GET /"]),
        Case(
            name: "an unreadable head: 400, nothing more read",
            inputs: [.bytes("GET /a HTTP/1.1\r\nBad Header: x\r\n\r\n"), .bytes(get)], expected: ["refuse 400 GET /", "none"]),
        Case(
            name: "HTTP/2 in a request line: 400 with its own text", inputs: [.bytes("GET /a HTTP/2.0\r\n\r\n")],
            expected: ["refuse 400 GET / (HTTP version not supported)"]),
        Case(
            name: "Content-Length with Transfer-Encoding (smuggling): 400",
            inputs: [.bytes("POST /p HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")],
            expected: ["refuse 400 GET /"]),
        Case(
            name: "a body still arriving after request_timeout: 408",
            inputs: [.bytes("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), .timer(at: 29), .timer(at: 30)],
            expected: ["need more", "deadline 30", "none", "refuse 408 POST /p"]),
        Case(
            name: "no head within header_timeout: closed", inputs: [.bytes("GET /a"), .timer(at: 9.9), .timer(at: 10)],
            expected: ["need more", "none", "close"]),
        Case(
            name: "after an answer the next head may take idle_timeout + header_timeout",
            inputs: [.clock(5), .bytes(get), .timer(at: 10), .timer(at: 74.9), .timer(at: 75)],
            expected: ["answer GET /a", "keep-alive", "need more", "none", "none", "close"]),
        Case(
            name: "the peer half-closes while idle: close once written", inputs: [.bytes(get), .inputClosed, .bytes(get)],
            expected: ["answer GET /a", "keep-alive", "need more", "close after writes", "none"]),
        Case(
            name: "the peer half-closes mid-body: close once written",
            inputs: [.bytes("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), .inputClosed],
            expected: ["need more", "deadline 30", "close after writes"]),
        Case(name: "shutdown while idle: close at once", inputs: [.quiesce], expected: ["close after writes"]),
        Case(
            name: "shutdown mid-body: the request is answered, then the connection closes",
            inputs: [.bytes("POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\na"), .quiesce, .bytes("bc")],
            expected: ["need more", "deadline 30", "none", "answer POST /p body=abc", "close"]),
    ]

    @Test("Transitions", arguments: cases)
    func transitions(_ testCase: Case) {
        var driver = Driver()
        for input in testCase.inputs { driver.apply(input) }
        #expect(driver.log == testCase.expected)
    }

    /// Feeds a connection as the NIO adapter does: unconsumed bytes kept, every action taken, an answer
    /// followed by `answered`.
    struct Driver {
        var connection = HTTP1Connection(limits: HTTP1ConnectionTests.limits, now: 0)
        var pending: [UInt8] = []
        var now: UInt64 = 0
        var log: [String] = []

        mutating func apply(_ input: Input) {
            switch input {
            case .bytes(let text):
                pending += Array(text.utf8)
                readAll()
            case .clock(let seconds):
                now = UInt64(seconds * 1e9)
            case .timer(let seconds):
                now = UInt64(seconds * 1e9)
                record(connection.timeout(now: now))
            case .inputClosed:
                record(connection.inputClosed())
            case .quiesce:
                record(connection.quiesce())
            }
        }

        private mutating func readAll() {
            while true {
                let (consumed, action) = pending.withUnsafeBytes { connection.read($0, now: now) }
                pending.removeFirst(consumed)
                record(action)
                switch action {
                case .answer:
                    let persistence = connection.answered(now: now)
                    log.append(
                        persistence.keepAlive ? (persistence.announceKeepAlive ? "keep-alive announced" : "keep-alive") : "close")
                    if connection.isClosed { return }
                case .sendContinue:
                    continue
                case .needMore:
                    // What the adapter arms its timer at when a read leaves a request incomplete.
                    if connection.isReadingBody, let deadline = connection.deadline {
                        log.append("deadline \(deadline / 1_000_000_000)")
                    }
                    return
                default:
                    return
                }
            }
        }

        private mutating func record(_ action: HTTP1Connection.Action) {
            switch action {
            case .needMore: log.append("need more")
            case .answer(let head, let body):
                log.append(
                    "answer \(head.method) \(head.uri)" + (body.isEmpty ? "" : " body=\(String(decoding: body, as: UTF8.self))"))
            case .sendContinue: log.append("continue")
            case .refuse(let refusal, let head):
                var line = "refuse \(refusal.status.code) \(head.method) \(head.uri.prefix(5))"
                if refusal == .versionNotSupported { line += " (HTTP version not supported)" }
                log.append(line)
            case .close: log.append("close")
            case .closeAfterWrites: log.append("close after writes")
            case .none: log.append("none")
            }
        }
    }

    @Test("A response head: status line, the answer's fields, cache headers, length and Connection")
    func encoder() {
        var response = HTTPResponse(
            status: .ok, head: AnswerHead(contentType: "text/xml", headers: [("Access-Control-Allow-Origin", "*")]),
            body: Array("<x/>".utf8), label: "thunderbird")
        response.cacheable = true
        response.varyHost = true
        response.entityTag = ETag(generation: 3, hash: 0xab)
        let keepAlive = String(decoding: HTTP1ResponseEncoder.encode(response, .init(keepAlive: true)), as: UTF8.self)
        #expect(
            keepAlive
                == "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nAccess-Control-Allow-Origin: *\r\n"
                + "Cache-Control: private, max-age=3600\r\nVary: Host\r\nETag: \"g3-ab\"\r\nContent-Length: 4\r\n\r\n<x/>")
        response.omitBody = true
        let head = String(decoding: HTTP1ResponseEncoder.encode(response, .close), as: UTF8.self)
        #expect(head.hasSuffix("Content-Length: 4\r\nConnection: close\r\n\r\n"))
        let refused = String(decoding: HTTP1ResponseEncoder.encode(HTTPRefusal.requestTimedOut.response, .close), as: UTF8.self)
        #expect(
            refused.hasPrefix(
                "HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n"))
    }
}

import Logging
import NIOConcurrencyHelpers
import Testing

@testable import AutodiscoverServer

@Suite("Access log: every request, one in N, or off")
struct AccessLogTests {
    /// Each row: the setting, and which of an event loop's first eight requests it logs.
    @Test(
        "Which of a loop's requests get a line",
        arguments: [
            (AccessLog.off, [Int]()), (.every, [1, 2, 3, 4, 5, 6, 7, 8]), (.oneIn(1), [1, 2, 3, 4, 5, 6, 7, 8]),
            (.oneIn(3), [1, 4, 7]), (.oneIn(8), [1]), (.oneIn(100), [1]),
        ] as [(AccessLog, [Int])])
    func sampling(_ setting: AccessLog, _ logged: [Int]) {
        #expect((1...8).filter { setting.logs(requestNumber: $0) } == logged)
    }

    /// Each row: a request target, and the path its access-log line shows.
    @Test(
        "The logged path has no query and no address",
        arguments: [
            ("/mail/config-v1.1.xml?emailaddress=alice@example.com", "/mail/config-v1.1.xml"),
            (
                "/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=ActiveSync",
                "/autodiscover/autodiscover.json/v1.0/{address}"
            ),
            ("/autodiscover/autodiscover.json/v1.0/alice%40example.com", "/autodiscover/autodiscover.json/v1.0/{address}"),
            ("/a@b/c%40d/100%25/%4", "/{address}/{address}/100%25/%4"), ("/", "/"), ("", ""), ("/@", "/{address}"),
        ] as [(String, String)])
    func loggedPath(_ target: String, _ logged: String) {
        #expect(RequestRecorder.pathForLog(target) == logged)
    }

    @Test("The command line's flags make the setting")
    func fromFlags() {
        #expect(AccessLog(enabled: false, oneIn: 10) == .off)
        #expect(AccessLog(enabled: true, oneIn: 1) == .every)
        #expect(AccessLog(enabled: true, oneIn: 10) == .oneIn(10))
    }

    /// Seven requests on one keep-alive connection (one event loop): the 1st, 4th and 7th are logged, each
    /// line saying it is one in three.
    @Test(
        "A served connection's requests are logged one in N, marked as sampled",
        arguments: [
            (AccessLog.oneIn(3), 3), (.every, 7), (.off, 0),
        ] as [(AccessLog, Int)])
    func served(_ setting: AccessLog, _ lines: Int) async throws {
        let captured = CapturedLog()
        let logger = Logger(label: "access-log-test") { _ in CapturingLogHandler(log: captured) }
        try await ServerHarness.withServer(accessLog: setting, logger: logger) { server in
            let url = "http://127.0.0.1:\(server.port)/mail/config-v1.1.xml?emailaddress=alice@example.com"
            let result = await ServerHarness.curl(Array(repeating: url, count: 7))
            #expect(result.status == 200)
        }
        let requests = captured.entries.filter { $0.message == "request" }
        #expect(requests.count == lines)
        for entry in requests {
            #expect(entry.metadata["sampling"] == setting.sampling.map { "1/\($0)" })
            #expect(entry.metadata["renderer"] == "thunderbird")
            #expect(entry.metadata["status"] == "200")
        }
    }
}

/// Log lines kept for a test to read.
final class CapturedLog: Sendable {
    struct Entry: Sendable {
        var message: String
        var metadata: [String: String]
    }

    private let box = NIOLockedValueBox<[Entry]>([])

    var entries: [Entry] { box.withLockedValue { $0 } }

    func append(_ entry: Entry) { box.withLockedValue { $0.append(entry) } }
}

struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        log.append(.init(message: event.message.description, metadata: merged.mapValues { "\($0)" }))
    }
}

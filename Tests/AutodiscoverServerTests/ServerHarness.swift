import AutodiscoverCore
import AutodiscoverServer
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Starts the real server on 127.0.0.1:0 (plus TLS on :0 when asked) and runs real clients against it.
enum ServerHarness {
    struct Running: Sendable {
        var port: Int
        var tlsPort: Int?
        var application: AutodiscoverApplication
        var directory: String
    }

    /// A test CA and a server certificate for localhost, made with openssl once for this run.
    static func certificates() async -> (ca: String, certificate: String, key: String) {
        await CertificateCache.shared.get()
    }

    /// One generation shared by every caller: concurrent suites awaiting it get the same files (an actor
    /// alone would let a second caller in while the first awaits, and each would make its own CA).
    actor CertificateCache {
        static let shared = CertificateCache()
        private var making: Task<(ca: String, certificate: String, key: String), Never>?

        func get() async -> (ca: String, certificate: String, key: String) {
            if let making { return await making.value }
            let task = Task { await ServerHarness.makeCertificates() }
            making = task
            return await task.value
        }
    }

    static func makeCertificates() async -> (ca: String, certificate: String, key: String) {
        let directory = temporaryDirectory()
        let script = """
            set -e
            cd '\(directory)'
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=Autodiscover Test CA' 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost' 2>/dev/null
            printf 'subjectAltName=DNS:localhost,DNS:autoconfig.example.com,IP:127.0.0.1\\n' > ext.cnf
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile ext.cnf 2>/dev/null
            """
        _ = await run("/bin/sh", ["-c", script])
        return ("\(directory)/ca.crt", "\(directory)/server.crt", "\(directory)/server.key")
    }

    /// The certificates of `scripts/make-test-signers.sh`, made once for this run.
    static func signers() async -> String {
        await SignerCache.shared.get()
    }

    actor SignerCache {
        static let shared = SignerCache()
        private var making: Task<String, Never>?

        func get() async -> String {
            if let making { return await making.value }
            let task = Task { () -> String in
                let directory = ServerHarness.temporaryDirectory()
                _ = await ServerHarness.run(
                    "/bin/sh", ["-c", "'\(ServerHarness.repositoryRoot)/scripts/make-test-signers.sh' '\(directory)'"])
                return directory
            }
            making = task
            return await task.value
        }
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "autodiscover-server-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs `body` against a server loaded from `yaml` (written to a temporary config file).
    static func withServer(
        _ yaml: String = defaultYAML, tls: Bool = false, accessLog: AccessLog = .off, logger custom: Logger? = nil,
        _ body: @Sendable (Running) async throws -> Void
    ) async throws {
        let directory = temporaryDirectory()
        var text = yaml
        if tls {
            let certificates = await Self.certificates()
            let block =
                "  tls: { listen: \"127.0.0.1:0\", certificate: \"\(certificates.certificate)\", key: \"\(certificates.key)\" }\n"
            text =
                yaml.contains("\nserver:\n")
                ? yaml.replacingOccurrences(of: "\nserver:\n", with: "\nserver:\n" + block)
                : "server:\n" + block + yaml
        }
        let path = directory + "/config.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let store = try ConfigStore(path: path)
        var logger = custom ?? Logger(label: "test")
        if custom == nil { logger.logLevel = .warning }
        let (stream, continuation) = AsyncStream.makeStream(of: AutodiscoverHTTPServer.Bound.self)
        let application = AutodiscoverApplication(
            store: store, group: MultiThreadedEventLoopGroup.singleton, logger: logger,
            listen: ListenAddress(host: "127.0.0.1", port: 0), accessLog: accessLog, reloadInterval: .milliseconds(200),
            watchSignal: false, onListening: { continuation.yield($0) })
        let group = application.serviceGroup(logger: logger, signals: [])
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // If the server fails to start, end the stream so the test fails instead of waiting.
                defer { continuation.finish() }
                try await group.run()
            }
            var iterator = stream.makeAsyncIterator()
            guard let bound = await iterator.next() else {
                try await tasks.waitForAll()
                return
            }
            let running = Running(
                port: bound.cleartext.port!, tlsPort: bound.tls?.port, application: application, directory: directory)
            do {
                try await body(running)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static let defaultYAML = (try? String(contentsOfFile: repositoryRoot + "/config.yaml", encoding: .utf8)) ?? ""

    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: "\(#filePath)")
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// What curl got back.
    struct CurlResult: Sendable {
        var status: Int
        var httpVersion: String
        var headers: [String: String]
        var body: String
    }

    /// Runs curl with `arguments`; `-s -D` is added to read status and headers.
    static func curl(_ arguments: [String]) async -> CurlResult {
        let headerFile = temporaryDirectory() + "/headers"
        let output = await run("/usr/bin/curl", ["-s", "-m", "10", "-D", headerFile] + arguments)
        let rawHeaders = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        var status = 0
        var version = ""
        var headers: [String: String] = [:]
        for line in rawHeaders.split(separator: "\r\n") {
            if line.hasPrefix("HTTP/") {
                let parts = line.split(separator: " ")
                version = String(parts[0])
                status = Int(parts[1]) ?? 0
                headers = [:]
            } else if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return CurlResult(status: status, httpVersion: version, headers: headers, body: output)
    }

    /// Runs a program on a plain thread (never blocking Swift concurrency's few threads) and returns its output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) async -> String {
        await withCheckedContinuation { continuation in
            BlockingThread.start {
                continuation.resume(returning: runBlocking(executable, arguments))
            }
        }
    }

    /// Runs the program through `popen` and collects standard output (standard error is discarded).
    private static func runBlocking(_ executable: String, _ arguments: [String]) -> String {
        let command = ([executable] + arguments).map(shellQuote).joined(separator: " ") + " 2>/dev/null"
        guard let pipe = popen(command, "r") else { return "" }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, pipe)
            if count <= 0 { break }
            output.append(contentsOf: chunk[0..<count])
        }
        pclose(pipe)
        return String(decoding: output, as: UTF8.self)
    }

    /// A blocking TCP socket connected to 127.0.0.1:`port` whose receives give up after `receiveTimeout`
    /// seconds (a bound on a test that waits, not a sleep); nil when the connection fails.
    static func connectLoopback(port: Int, receiveTimeout: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    private static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// A plain POSIX thread for blocking work, so Swift concurrency's few threads never wait on a subprocess.
enum BlockingThread {
    final class Box {
        let work: () -> Void
        init(_ work: @escaping () -> Void) { self.work = work }
    }

    static func start(_ work: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(work)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<BlockingThread.Box>.fromOpaque(raw!).takeRetainedValue()
                box.work()
                return nil
            }, box)
        if result == 0 { pthread_detach(thread) } else { work() }
    }
}

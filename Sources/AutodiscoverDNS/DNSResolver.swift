import AutodiscoverCore
import CAres

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a resolver could not be set up.
public struct DNSResolverError: Error, CustomStringConvertible {
    public var description: String
}

/// Asks many questions at once through c-ares, on the calling thread: at most `parallel` in flight, each
/// bounded by the timeout, answers read with glibc's libresolv.
///
/// Not shared between threads: one resolver, one caller at a time.
public final class DNSResolver {
    private var channel: ares_channel?
    public let timeout: Duration
    /// After this many questions in a row got no answer at all (timeouts, refused connections), the
    /// nameservers are taken to be down and the questions not yet sent fail at once: a check against a
    /// dead server ends after about one timeout, not one per question.
    public var giveUpAfter = 32

    private static let libraryReady: Bool = ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS

    /// - Parameter nameservers: `HOST`, `HOST:PORT`, `[V6]:PORT` (names are looked up once, here);
    ///   empty uses the system's (`/etc/resolv.conf`).
    public init(nameservers: [String] = [], timeout: Duration = .seconds(5)) throws {
        guard Self.libraryReady else { throw DNSResolverError(description: "c-ares could not be initialised") }
        self.timeout = timeout
        var options = ares_options()
        let milliseconds = Int32(
            clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        // Two tries, the second twice as long (c-ares doubles it): together about `timeout`.
        options.timeout = max(1, milliseconds / 3)
        options.tries = 2
        options.flags = ARES_FLAG_EDNS
        options.ednspsz = 1232
        let mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ
        let status = ares_init_options(&channel, &options, mask)
        guard status == ARES_SUCCESS else {
            throw DNSResolverError(description: "c-ares: \(String(cString: ares_strerror(status)))")
        }
        if !nameservers.isEmpty {
            let list = try nameservers.map(Self.serverAddress).joined(separator: ",")
            let status = ares_set_servers_ports_csv(channel, list)
            guard status == ARES_SUCCESS else {
                throw DNSResolverError(description: "nameservers \(list): \(String(cString: ares_strerror(status)))")
            }
        }
    }

    deinit {
        ares_destroy(channel)
    }

    /// `HOST[:PORT]` as c-ares takes it: an IP address (a name is looked up here), the port kept.
    static func serverAddress(_ text: String) throws -> String {
        guard let (host, port) = NameserverAddress.split(text) else {
            throw DNSResolverError(description: "nameserver '\(text)' is not HOST, HOST:PORT or [V6]:PORT")
        }
        var address = String(host)
        if !isIPAddress(address) {
            guard let resolved = lookUpAddress(address) else {
                throw DNSResolverError(description: "nameserver '\(text)': not an IP address, and the name has none")
            }
            address = resolved
        }
        let bracketed = address.contains(":") ? "[\(address)]" : address
        return port.map { "\(bracketed):\($0)" } ?? (address.contains(":") ? "[\(address)]:53" : address)
    }

    private static func isIPAddress(_ text: String) -> Bool {
        var buffer = in6_addr()
        return inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1
    }

    private static func lookUpAddress(_ name: String) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard
            getnameinfo(first.pointee.ai_addr, first.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST)
                == 0
        else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Asks every question, at most `parallel` at a time; the answers in the questions' order.
    /// - Parameter progress: called now and then with the number answered so far.
    public func resolve(_ questions: [DNSQuestion], parallel: Int = 64, progress: ((Int) -> Void)? = nil) -> [DNSFound] {
        let batch = Batch(questions)
        let limit = max(1, parallel)
        var lastProgress = 0
        while batch.answered < questions.count {
            while batch.inFlight < limit, batch.next < questions.count {
                let index = batch.next
                batch.next += 1
                if batch.silentInARow >= giveUpAfter {
                    batch.finish(
                        index, .failure("\(batch.lastFailure) (not asked: \(giveUpAfter) questions in a row went unanswered)"))
                    continue
                }
                batch.inFlight += 1
                let context = Unmanaged.passRetained(QueryContext(batch: batch, index: index)).toOpaque()
                ares_query(
                    channel, questions[index].name, Int32(ns_c_in.rawValue), questions[index].type.code, Self.callback, context)
            }
            if batch.inFlight > 0 { wait() }
            if let progress, batch.answered - lastProgress >= 256 || batch.answered == questions.count {
                lastProgress = batch.answered
                progress(batch.answered)
            }
        }
        return batch.answers.map { $0 ?? .failure("no answer") }
    }

    /// Waits for the channel's sockets or its next timeout, then lets c-ares process them.
    private func wait() {
        let maximum = Int(ARES_GETSOCK_MAXNUM)
        var sockets = [ares_socket_t](repeating: ARES_SOCKET_BAD, count: maximum)
        let bits = ares_getsock(channel, &sockets, Int32(maximum))
        var descriptors: [pollfd] = []
        for slot in 0..<maximum {
            let readable = cares_shim_getsock_readable(bits, Int32(slot)) != 0
            let writable = cares_shim_getsock_writable(bits, Int32(slot)) != 0
            guard readable || writable else { continue }
            descriptors.append(
                pollfd(fd: sockets[slot], events: Int16((readable ? POLLIN : 0) | (writable ? POLLOUT : 0)), revents: 0))
        }
        var longest = timeval(tv_sec: 1, tv_usec: 0)
        var next = timeval()
        let delay = ares_timeout(channel, &longest, &next)!.pointee
        let milliseconds = Int32(delay.tv_sec * 1000 + delay.tv_usec / 1000) + 1
        let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
        if ready <= 0 {
            ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD)
            return
        }
        for descriptor in descriptors where descriptor.revents != 0 {
            let read = descriptor.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 ? descriptor.fd : ARES_SOCKET_BAD
            let write = descriptor.revents & Int16(POLLOUT) != 0 ? descriptor.fd : ARES_SOCKET_BAD
            ares_process_fd(channel, read, write)
        }
    }

    private static let callback: ares_callback = { argument, status, _, answer, length in
        let context = Unmanaged<QueryContext>.fromOpaque(argument!).takeRetainedValue()
        let batch = context.batch
        batch.inFlight -= 1
        let question = batch.questions[context.index]
        let found = DNSAnswerReader.found(status: status, answer: answer, length: Int(length), for: question)
        if case .failure(let message) = found, status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED {
            batch.silentInARow += 1
            batch.lastFailure = message
        } else {
            batch.silentInARow = 0
        }
        batch.finish(context.index, found)
    }

    private final class Batch {
        let questions: [DNSQuestion]
        var answers: [DNSFound?]
        var next = 0
        var inFlight = 0
        var answered = 0
        var silentInARow = 0
        var lastFailure = ""

        init(_ questions: [DNSQuestion]) {
            self.questions = questions
            answers = Array(repeating: nil, count: questions.count)
        }

        func finish(_ index: Int, _ found: DNSFound) {
            answers[index] = found
            answered += 1
        }
    }

    private final class QueryContext {
        let batch: Batch
        let index: Int

        init(batch: Batch, index: Int) {
            self.batch = batch
            self.index = index
        }
    }
}

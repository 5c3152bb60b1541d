import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Log lines written to a file descriptor by a thread of their own, so that logging never blocks or stops
/// the threads that answer requests.
///
/// ``write(_:)`` copies a line into a buffer under a lock and returns; the writer thread takes everything
/// buffered at once and writes it (under load, hundreds of lines a `write`). A reader that stops reading
/// (a full pipe, a stalled log shipper) blocks only the writer thread: lines keep collecting up to
/// `capacity` bytes, later ones are dropped and counted, and once output moves again a `warning` line
/// says how many were lost. A reader that goes away (`EPIPE`; the server ignores `SIGPIPE`) costs the
/// lines, not the process. ``flush(timeout:)`` waits until what was written so far is out, for exit.
public final class LogOutput: @unchecked Sendable {
    /// Standard output, where the server's JSON lines go.
    public static let standardOutput = LogOutput(fileDescriptor: 1)

    private let fileDescriptor: Int32
    private let capacity: Int
    // pthread objects must not move: they live in memory of their own.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled when there is something to write.
    private let work = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Signalled when the writer has written everything and waits again.
    private let drained = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    // Guarded by `mutex`.
    private var pending: [UInt8] = []
    private var writing = false
    private var started = false
    private var writerWaiting = false
    /// Lines dropped since the last notice, and in all.
    private var droppedSinceNotice = 0
    private var droppedTotal = 0

    /// - Parameter capacity: bytes buffered at most while the writer is behind (4 MiB: some 12,000 access
    ///   lines); lines that do not fit are dropped.
    public init(fileDescriptor: Int32, capacity: Int = 4 << 20) {
        self.fileDescriptor = fileDescriptor
        self.capacity = capacity
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(work, nil)
        pthread_cond_init(drained, nil)
    }

    deinit {
        // Only an instance whose thread never started can go away (the thread holds its instance).
        pthread_cond_destroy(drained)
        pthread_cond_destroy(work)
        pthread_mutex_destroy(mutex)
        drained.deallocate()
        work.deallocate()
        mutex.deallocate()
    }

    /// Queues one or more whole lines; drops them (counted) when `capacity` bytes are already waiting.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        pthread_mutex_lock(mutex)
        if !started {
            started = true
            startWriter()
        }
        if pending.count + bytes.count > capacity && !pending.isEmpty {
            droppedSinceNotice += 1
            droppedTotal += 1
        } else {
            pending.append(contentsOf: bytes)
        }
        // The writer is woken once, by the first line after it went to wait.
        let wake = writerWaiting
        writerWaiting = false
        pthread_mutex_unlock(mutex)
        if wake { pthread_cond_signal(work) }
    }

    /// Lines dropped so far because the reader was behind by `capacity` bytes.
    public var droppedLines: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return droppedTotal
    }

    /// Waits until everything queued so far has been written, at most `timeout`; false if it was not.
    @discardableResult
    public func flush(timeout: Duration) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(deadline.tv_nsec) + Int(attoseconds / 1_000_000_000)
        deadline.tv_sec += Int(seconds) + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !allWritten {
            if pthread_cond_timedwait(drained, mutex, &deadline) == ETIMEDOUT { return allWritten }
        }
        return true
    }

    /// Nothing queued, being written or waiting to be reported (read with `mutex` held).
    private var allWritten: Bool { pending.isEmpty && !writing && droppedSinceNotice == 0 }

    /// Starts the writer thread (called with `mutex` held, on the first line: a command that never logs
    /// starts none). The thread keeps its instance alive.
    private func startWriter() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(
            &thread, nil,
            { context in
                Unmanaged<LogOutput>.fromOpaque(context!).takeUnretainedValue().run()
                return nil
            }, context)
        if created == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<LogOutput>.fromOpaque(context).release()
            started = false  // the next line tries again; meanwhile lines wait in the buffer
        }
    }

    /// The writer thread: takes all that is queued, writes it, and waits for more.
    private func run() {
        var batch: [UInt8] = []
        pthread_mutex_lock(mutex)
        while true {
            while pending.isEmpty && droppedSinceNotice == 0 {
                writerWaiting = true
                pthread_cond_wait(work, mutex)
            }
            writerWaiting = false
            swap(&batch, &pending)
            let dropped = droppedSinceNotice
            droppedSinceNotice = 0
            writing = true
            pthread_mutex_unlock(mutex)

            writeAll(batch)
            // Memory grown while the reader was behind is given back; the usual few kilobytes are kept.
            if batch.capacity > 1 << 16 { batch = [] } else { batch.removeAll(keepingCapacity: true) }
            if dropped > 0 { writeAll(Self.droppedNotice(dropped)) }
            // Lines arriving meanwhile gather for the next write: a busy server's access log costs a
            // `write` and a wake-up every millisecond, not one for each request. A lone line is written at once.
            usleep(1000)

            pthread_mutex_lock(mutex)
            writing = false
            if allWritten { pthread_cond_broadcast(drained) }
        }
    }

    /// Writes all of `bytes`, waiting while the descriptor is full; gives up on them if it is gone.
    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    // A non-blocking descriptor (inherited so): wait until it takes more.
                    var poller = pollfd(fd: fileDescriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, 1000)
                } else {
                    return  // closed or broken (EPIPE): these lines are lost, the next ones are tried again
                }
            }
        }
    }

    /// The line that reports lost lines, in the JSON shape of every other line.
    static func droppedNotice(_ count: Int) -> [UInt8] {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let event = LogEvent(
            level: .warning, message: "Log output was behind; lines dropped", metadata: ["dropped": "\(count)"],
            source: "AutodiscoverServer", file: #fileID, function: #function, line: #line)
        return JSONLogHandler.line(event, label: "autodiscover", handlerMetadata: [:], time: now)
    }
}

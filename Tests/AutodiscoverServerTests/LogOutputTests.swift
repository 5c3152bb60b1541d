import Foundation
import Testing

@testable import AutodiscoverServer

#if canImport(Glibc)
import Glibc
#endif

@Suite("Log output")
struct LogOutputTests {
    /// A pipe whose read end the test reads (non-blocking) and whose write end the output writes to.
    /// Closed only by ``finish(_:)``, once the output has nothing left to write: the descriptor's number
    /// could otherwise be reused by another test while the output's thread still writes to it.
    struct Pipe {
        let read: Int32
        let write: Int32

        init() {
            signal(SIGPIPE, SIG_IGN)  // as `serve` does: a closed reader is EPIPE, not the end of the process
            var ends: [Int32] = [0, 0]
            precondition(pipe(&ends) == 0)
            (read, write) = (ends[0], ends[1])
            _ = fcntl(read, F_SETFL, fcntl(read, F_GETFL) | O_NONBLOCK)
        }

        /// Everything readable now.
        func readAvailable() -> [UInt8] {
            var all: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = Glibc.read(read, &chunk, chunk.count)
                if count <= 0 { return all }
                all += chunk[..<count]
            }
        }

        /// Reads until `output` has written everything (at most 10 s), then closes both ends; returns what was read.
        @discardableResult
        func finish(_ output: LogOutput, readEndClosed: Bool = false) -> [UInt8] {
            var received: [UInt8] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while !output.flush(timeout: .milliseconds(10)) && ContinuousClock.now < deadline {
                if !readEndClosed { received += readAvailable() }
            }
            if !readEndClosed {
                received += readAvailable()
                close(read)
            }
            close(write)
            return received
        }
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test("Lines written from several threads all arrive whole, each thread's in its order")
    func linesArriveInOrder() throws {
        let pipe = Pipe()
        let output = LogOutput(fileDescriptor: pipe.write)
        // 4 x 1,000 short lines stay under the pipe's 64 KiB: nothing needs reading before the flush.
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for number in 0..<1000 {
                let line = "t\(thread) \(number)\n"
                line.utf8CString.withUnsafeBytes { output.write(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
            }
        }
        #expect(output.flush(timeout: .seconds(5)))
        let lines = Self.lines(pipe.finish(output))
        #expect(lines.count == 4000)
        for thread in 0..<4 {
            let own = lines.filter { $0.hasPrefix("t\(thread) ") }
            #expect(own == (0..<1000).map { "t\(thread) \($0)" })
        }
        #expect(output.droppedLines == 0)
    }

    @Test("A reader that stops reading holds up no writer: lines past the capacity are dropped, counted and reported")
    func stalledReader() throws {
        let pipe = Pipe()
        let output = LogOutput(fileDescriptor: pipe.write, capacity: 10_000)
        let line = [UInt8](repeating: UInt8(ascii: "x"), count: 99) + [UInt8(ascii: "\n")]
        // 2 MB against a 64 KiB pipe nobody reads and 10 KB of buffer: every call returns all the same.
        for _ in 0..<20_000 { line.withUnsafeBytes { output.write($0) } }
        let dropped = output.droppedLines
        #expect(dropped > 15_000)
        // Reading again lets the output catch up; the last line says how many were lost.
        let lines = Self.lines(pipe.finish(output))
        let kept = lines.filter { $0 == String(repeating: "x", count: 99) }
        let notices = try lines.filter { !$0.hasPrefix("x") }.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        }
        #expect(notices.count >= 1)
        #expect(notices.allSatisfy { $0["level"] == "warning" && $0["msg"] == "Log output was behind; lines dropped" })
        #expect(notices.compactMap { $0["dropped"].flatMap(Int.init) }.reduce(0, +) == dropped)
        #expect(kept.count + dropped == 20_000)
        // The count is what /metrics says: the one sign of a stalled log that is not in the log.
        let exposition = String(decoding: ServerMetrics(logOutput: output).exposition(), as: UTF8.self)
        #expect(exposition.contains("\nautodiscover_log_lines_dropped_total \(dropped)\n"))
    }

    @Test("flush gives up after its timeout when the reader never reads")
    func flushTimesOut() {
        let pipe = Pipe()
        let output = LogOutput(fileDescriptor: pipe.write)
        let line = [UInt8](repeating: UInt8(ascii: "y"), count: 1023) + [UInt8(ascii: "\n")]
        for _ in 0..<200 { line.withUnsafeBytes { output.write($0) } }  // 200 KiB: more than the pipe holds
        let started = ContinuousClock.now
        #expect(!output.flush(timeout: .milliseconds(200)))
        #expect(ContinuousClock.now - started < .seconds(2))
        pipe.finish(output)
    }

    @Test("A reader that goes away costs the lines, not the process")
    func readerGone() {
        let pipe = Pipe()
        close(pipe.read)
        let output = LogOutput(fileDescriptor: pipe.write)
        for _ in 0..<100 { Array("gone\n".utf8).withUnsafeBytes { output.write($0) } }
        #expect(output.flush(timeout: .seconds(5)))
        pipe.finish(output, readEndClosed: true)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes one line to standard error.
func printError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// Flushes standard output and ends the process at once.
func flushAndExit(_ code: Int32) -> Never {
    fflush(nil)
    exit(code)
}

/// Writes bytes to standard output unchanged.
func writeStandardOutput(_ bytes: [UInt8]) {
    fflush(nil)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        if written <= 0 { return }
        offset += written
    }
}

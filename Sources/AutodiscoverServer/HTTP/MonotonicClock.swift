#if canImport(Glibc)
import Glibc
#endif

/// The clock request durations and connection deadlines are read from: CLOCK_MONOTONIC in nanoseconds,
/// the clock `NIODeadline` counts in.
enum MonotonicClock {
    static func now() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

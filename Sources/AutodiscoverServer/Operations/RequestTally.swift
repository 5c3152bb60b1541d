import NIOConcurrencyHelpers

/// The requests one event loop answered: a count for each renderer, status and client family, and a
/// latency histogram. Only that loop records into it, so its lock is never contended but by a scrape, and
/// no cache line moves between cores per request (one registry-wide lock and histogram did).
final class RequestTally: Sendable {
    /// One `autodiscover_requests_total` series (a struct key: no string is built per request).
    struct Series: Hashable, Comparable {
        var renderer: String
        var status: Int
        var client: ClientFamily

        static func < (a: Series, b: Series) -> Bool {
            (a.renderer, a.status, a.client.rawValue) < (b.renderer, b.status, b.client.rawValue)
        }
    }

    struct Counts {
        var series: [Series: Int] = [:]
        /// Requests whose latency fell in each bucket (not cumulative); the last is past every bound.
        var buckets: [Int]
        var nanoseconds: Int64 = 0
        var requests = 0

        init(buckets: Int) {
            self.buckets = Array(repeating: 0, count: buckets + 1)
        }

        mutating func add(_ other: Counts) {
            series.merge(other.series, uniquingKeysWith: +)
            for index in buckets.indices { buckets[index] += other.buckets[index] }
            nanoseconds += other.nanoseconds
            requests += other.requests
        }
    }

    /// Upper bounds of the latency buckets, in nanoseconds, ascending.
    let bounds: [Int64]
    private let counts: NIOLockedValueBox<Counts>

    init(bounds: [Int64]) {
        self.bounds = bounds
        counts = NIOLockedValueBox(Counts(buckets: bounds.count))
    }

    /// Counts one request; returns how many this loop has counted, this one included (the access log
    /// samples by it).
    @discardableResult
    func record(_ series: Series, nanoseconds: Int64) -> Int {
        var bucket = 0
        while bucket < bounds.count, nanoseconds > bounds[bucket] { bucket += 1 }
        return counts.withLockedValue { counts in
            counts.series[series, default: 0] += 1
            counts.buckets[bucket] += 1
            counts.nanoseconds += nanoseconds
            counts.requests += 1
            return counts.requests
        }
    }

    var snapshot: Counts { counts.withLockedValue { $0 } }
}

/// Which answered requests get an access-log line: none, every one, or one in `n`.
///
/// Sampling counts on each event loop (a loop logs its 1st, n+1st, 2n+1st … request), so it shares no
/// counter between cores: what a busy service keeps its log volume down with. A sampled line says so
/// (`"sampling": "1/n"`), so counts read from the log can be scaled back up.
public enum AccessLog: Sendable, Equatable {
    case off
    case every
    case oneIn(Int)

    /// `--access-log` / `--no-access-log` with `--access-log-sample N`.
    public init(enabled: Bool, oneIn: Int) {
        self = !enabled ? .off : oneIn > 1 ? .oneIn(oneIn) : .every
    }

    /// Whether the `number`th request an event loop answered (counting from 1) is logged.
    func logs(requestNumber number: Int) -> Bool {
        switch self {
        case .off: false
        case .every: true
        case .oneIn(let n): n <= 1 || (number - 1) % n == 0
        }
    }

    /// `n` of a sampled log, written into each of its lines.
    var sampling: Int? {
        if case .oneIn(let n) = self, n > 1 { n } else { nil }
    }
}

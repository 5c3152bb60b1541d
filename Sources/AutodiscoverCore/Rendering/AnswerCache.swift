import Synchronization

/// Prepared answers of one configuration, made on first use and reused until the configuration is replaced.
///
/// Keyed by domain position, renderer and variant. A reload builds a new configuration with a new,
/// empty cache, so an answer can never outlive the settings it was made from.
public final class AnswerCache: Sendable {
    private struct Key: Hashable {
        var domain: Int
        var renderer: RendererID
        var variant: String
    }

    private let answers = Mutex<[Key: PreparedAnswer]>([:])

    public init() {}

    /// The cached answer, or the one `make` builds (then cached).
    public func answer(domain: Int, renderer: RendererID, variant: String, make: () -> PreparedAnswer) -> PreparedAnswer {
        let key = Key(domain: domain, renderer: renderer, variant: variant)
        if let found = answers.withLock({ $0[key] }) { return found }
        let made = make()
        answers.withLock { $0[key] = made }
        return made
    }

    /// How many answers are cached.
    public var count: Int { answers.withLock { $0.count } }
}

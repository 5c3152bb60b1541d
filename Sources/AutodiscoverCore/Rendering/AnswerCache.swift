import Synchronization

/// Prepared answers of one configuration, made on first use and reused until the configuration is replaced.
///
/// Keyed by domain position, renderer and variant. A reload builds a new configuration with a new,
/// empty cache, so an answer can never outlive the settings it was made from.
///
/// Bounded: answers live in two generations of at most `capacity` each. A full recent generation becomes
/// the older one (the previous older one is dropped), and an answer found in the older generation moves
/// back to the recent one, so often-asked domains stay and requests spread over 100,000 domains cannot
/// grow memory without end (about 2 KB an answer: the default keeps at most ~40 MB).
public final class AnswerCache: Sendable {
    private struct Key: Hashable {
        var domain: Int
        var renderer: RendererID
        var variant: String
    }

    private struct Generations {
        var recent: [Key: PreparedAnswer] = [:]
        var older: [Key: PreparedAnswer] = [:]
    }

    private let generations = Mutex(Generations())
    /// Answers per generation.
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = max(capacity, 1)
    }

    /// The cached answer, or the one `make` builds (then cached).
    public func answer(domain: Int, renderer: RendererID, variant: String, make: () -> PreparedAnswer) -> PreparedAnswer {
        let key = Key(domain: domain, renderer: renderer, variant: variant)
        var dropped: [Key: PreparedAnswer] = [:]
        let found = generations.withLock { generations -> PreparedAnswer? in
            if let hit = generations.recent[key] { return hit }
            guard let hit = generations.older.removeValue(forKey: key) else { return nil }
            dropped = insert(hit, for: key, into: &generations)
            return hit
        }
        if let found { return found }
        let made = make()
        dropped = generations.withLock { insert(made, for: key, into: &$0) }
        _ = dropped  // freed here, outside the lock
        return made
    }

    /// Adds an answer; returns the generation it pushed out, if any, so it is freed outside the lock.
    private func insert(_ answer: PreparedAnswer, for key: Key, into generations: inout Generations) -> [Key: PreparedAnswer] {
        var dropped: [Key: PreparedAnswer] = [:]
        if generations.recent.count >= capacity {
            dropped = generations.older
            generations.older = generations.recent
            generations.recent = [:]
        }
        generations.recent[key] = answer
        return dropped
    }

    /// How many answers are cached.
    public var count: Int { generations.withLock { $0.recent.count + $0.older.count } }
}

import Synchronization

/// Prepared answers of one configuration, kept for domains asked for more than once and reused until
/// the configuration is replaced.
///
/// Keyed by domain position, renderer and variant, or for domains that share their shape with others
/// (``shareAnswers(of:)``), by shape. A reload builds a new configuration with a new, empty cache, so an
/// answer can never outlive the settings it was made from.
///
/// Only a key asked for again is kept: the first request for a domain is answered by writing its
/// answer directly (``Renderer/fill(_:variant:for:)``, no slots, nothing kept), and the key is
/// remembered; asked again while remembered, the answer is prepared and kept. Requests spread over
/// 100,000 domains, nearly all first requests, then cost neither preparing nor keeping answers that
/// would not be asked for again before being pushed out; a domain asked for often is kept from its
/// second request on.
///
/// Bounded: answers live in two generations of at most `capacity` each. A full recent generation becomes
/// the older one (the previous older one is dropped), and an answer found in the older generation moves
/// back to the recent one, so often-asked domains stay and memory cannot grow without end (about 2 KB an
/// answer: the default keeps at most ~40 MB). At most `capacity` keys are remembered as asked for once;
/// when that many are, they are forgotten together.
public final class AnswerCache: Sendable {
    /// The answers of one renderer and variant, by domain position: a key costs an integer hash, not a string's.
    private struct Shelf {
        let renderer: RendererID
        let variant: String
        var recent: [Int: PreparedAnswer] = [:]
        var older: [Int: PreparedAnswer] = [:]
        /// One bit per domain position: asked for once and not kept.
        var askedOnce: [UInt64] = []

        init(renderer: RendererID, variant: String) {
            self.renderer = renderer
            self.variant = variant
        }
    }

    private struct State {
        var shelves: [Shelf] = []
        /// Answers in the recent generations of all shelves.
        var recentCount = 0
        /// Bits set in all shelves' `askedOnce`.
        var askedOnceCount = 0
        /// Which domains share answers (empty until ``shareAnswers(of:)``).
        var shapes = DomainShapes()
    }

    /// What a lookup pushed out, freed after the lock is released.
    private struct Dropped {
        var answers: [[Int: PreparedAnswer]] = []
    }

    private let state = Mutex(State())
    /// Answers per generation, and keys remembered as asked for once.
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = max(capacity, 1)
    }

    /// What a request for a domain is answered from (one lock taken).
    public enum Found: Sendable {
        /// A kept answer: the domain's own, or (`shared`) its shape's, filled in with the domain's texts.
        case kept(PreparedAnswer, shared: Bool)
        /// The domain shares a shape whose answer is not kept yet: prepare it from this domain with
        /// slots (``Renderer/prepare(_:variant:slotsForDomain:)``) and ``keep(_:shape:renderer:variant:)`` it.
        case prepareShape(Int, MailDomain)
        /// Asked for before: prepare the domain's answer and ``keep(_:domain:renderer:variant:)`` it.
        case prepare
        /// Asked for the first time (now remembered): write the answer directly, keep nothing.
        case writeDirectly
    }

    /// What to answer a domain's request from: its shape's answer when it shares one (kept from the
    /// shape's first request on, since it serves many domains), else its own kept answer, or whether it
    /// was asked for before (prepare and keep) or not (write directly; now it is remembered).
    public func find(domain: Int, renderer: RendererID, variant: String) -> Found {
        guard domain >= 0 else { return .writeDirectly }
        var dropped = Dropped()
        let result = state.withLock { state -> Found in
            let shelf = Self.shelf(renderer, variant, in: &state)
            if let shape = state.shapes.shape(domain) {
                if let hit = kept(Self.key(shape: shape), shelf: shelf, in: &state, dropping: &dropped) {
                    return .kept(hit, shared: true)
                }
                return .prepareShape(shape, state.shapes.shapes[shape])
            }
            switch own(domain, shelf: shelf, in: &state, dropping: &dropped) {
            case (let hit?, _): return .kept(hit, shared: false)
            case (nil, true): return .prepare
            case (nil, false): return .writeDirectly
            }
        }
        _ = dropped  // freed here, outside the lock
        return result
    }

    /// A domain's own kept answer, or whether to admit it (asked for before; else it is remembered now).
    private func own(
        _ domain: Int, shelf: Int, in state: inout State, dropping dropped: inout Dropped
    ) -> (PreparedAnswer?, Bool) {
        if let hit = kept(domain, shelf: shelf, in: &state, dropping: &dropped) { return (hit, false) }
        let (word, bit) = (domain / 64, UInt64(1) << UInt64(domain % 64))
        if word < state.shelves[shelf].askedOnce.count, state.shelves[shelf].askedOnce[word] & bit != 0 {
            state.shelves[shelf].askedOnce[word] &= ~bit
            state.askedOnceCount -= 1
            return (nil, true)
        }
        if state.askedOnceCount >= capacity {
            for index in state.shelves.indices {
                state.shelves[index].askedOnce.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            }
            state.askedOnceCount = 0
        }
        if word >= state.shelves[shelf].askedOnce.count {
            state.shelves[shelf].askedOnce.append(
                contentsOf: repeatElement(0, count: word + 1 - state.shelves[shelf].askedOnce.count))
        }
        state.shelves[shelf].askedOnce[word] |= bit
        state.askedOnceCount += 1
        return (nil, false)
    }

    /// Keeps a prepared answer.
    public func keep(_ answer: PreparedAnswer, domain: Int, renderer: RendererID, variant: String) {
        var dropped = Dropped()
        state.withLock { state in
            let shelf = Self.shelf(renderer, variant, in: &state)
            insert(answer, domain: domain, shelf: shelf, into: &state, dropping: &dropped)
        }
        _ = dropped  // freed here, outside the lock
    }

    /// Groups the configuration's domains by shape (``DomainShapes``), so that domains of one shape
    /// share their answers from then on. Takes a while for 100,000 domains (hashing every domain's
    /// settings): the server calls it off the request path once the configuration is live.
    @discardableResult
    public func shareAnswers(of config: Configuration) -> (shapes: Int, domains: Int) {
        let shapes = DomainShapes(config.domains)
        var old = DomainShapes()
        state.withLock { state in
            old = state.shapes
            state.shapes = shapes
        }
        _ = old  // freed here, outside the lock
        return (shapes.shapes.count, shapes.shapeOf.lazy.filter { $0 >= 0 }.count)
    }

    /// How many shapes the domains share (0 until ``shareAnswers(of:)`` has run).
    public var shapeCount: Int { state.withLock { $0.shapes.shapes.count } }

    /// Keeps the prepared answer of a domain shape.
    public func keep(_ answer: PreparedAnswer, shape: Int, renderer: RendererID, variant: String) {
        guard shape >= 0 else { return }
        keep(answer, domain: Self.key(shape: shape), renderer: renderer, variant: variant)
    }

    /// Shapes share the shelves with domains under negative keys.
    private static func key(shape: Int) -> Int { -(shape + 1) }

    /// The answer kept for a key; one found in the older generation moves back to the recent one.
    private func kept(_ key: Int, shelf: Int, in state: inout State, dropping dropped: inout Dropped) -> PreparedAnswer? {
        if let hit = state.shelves[shelf].recent[key] { return hit }
        guard let hit = state.shelves[shelf].older.removeValue(forKey: key) else { return nil }
        insert(hit, domain: key, shelf: shelf, into: &state, dropping: &dropped)
        return hit
    }

    /// The position of the shelf for a renderer and variant (a handful exist: one per format and variant).
    private static func shelf(_ renderer: RendererID, _ variant: String, in state: inout State) -> Int {
        if let index = state.shelves.firstIndex(where: { $0.renderer == renderer && $0.variant == variant }) {
            return index
        }
        state.shelves.append(Shelf(renderer: renderer, variant: variant))
        return state.shelves.count - 1
    }

    /// Adds an answer; a full recent generation (over all shelves) becomes the older one first.
    private func insert(
        _ answer: PreparedAnswer, domain: Int, shelf: Int, into state: inout State, dropping dropped: inout Dropped
    ) {
        if state.recentCount >= capacity {
            for index in state.shelves.indices {
                dropped.answers.append(state.shelves[index].older)
                state.shelves[index].older = state.shelves[index].recent
                state.shelves[index].recent = [:]
            }
            state.recentCount = 0
        }
        if state.shelves[shelf].recent.updateValue(answer, forKey: domain) == nil { state.recentCount += 1 }
    }

    /// How many answers are kept.
    public var count: Int {
        state.withLock { $0.shelves.reduce(0) { $0 + $1.recent.count + $1.older.count } }
    }
}

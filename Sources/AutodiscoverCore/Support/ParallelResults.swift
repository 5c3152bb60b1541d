/// Fixed slots that parallel workers fill, one slot per worker.
///
/// `@unchecked Sendable` because each slot is written by exactly one worker of a
/// `concurrentPerform` and read only after it returns; no slot is shared while running.
/// The slots live in raw memory so that writes to different slots never touch shared state.
final class ParallelResults<Value>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Value?>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// Moves a slot's value out (no copy left behind to share its storage with).
    func take(_ index: Int) -> Value? {
        slots[index].take()
    }

    subscript(index: Int) -> Value? {
        get { slots[index] }
        set { slots[index] = newValue }
    }
}

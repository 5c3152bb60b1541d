#if canImport(Glibc)
import Glibc
#endif

/// Elements appended into memory from `malloc`, grown with `realloc`, and handed over whole with
/// ``release()`` to a ``YAMLDocument`` that keeps them.
///
/// A 100,000-domain file gives about 80 MB of nodes. Built in an `Array`, they were copied once more
/// into the document's own buffer (twice the memory at the peak, every page of the copy faulted in
/// afresh); here the document adopts the memory they were built in. A large block is `mmap`ed by
/// `malloc`, so growing it remaps pages instead of copying them, and capacity reserved but never
/// written costs no memory.
struct GrowableBuffer<Element: BitwiseCopyable>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>?
    private(set) var count = 0
    private var capacity = 0

    init(capacity: Int) {
        grow(to: max(capacity, 16))
    }

    deinit {
        free(base)
    }

    @inline(__always)
    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "GrowableBuffer index out of range")
            return base.unsafelyUnwrapped[index]
        }
        set {
            precondition(index >= 0 && index < count, "GrowableBuffer index out of range")
            base.unsafelyUnwrapped[index] = newValue
        }
    }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow(to: capacity * 2) }
        (base.unsafelyUnwrapped + count).initialize(to: element)
        count += 1
    }

    mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) {
        guard let source = elements.baseAddress, !elements.isEmpty else { return }
        if count + elements.count > capacity { grow(to: max(capacity * 2, count + elements.count)) }
        (base.unsafelyUnwrapped + count).initialize(from: source, count: elements.count)
        count += elements.count
    }

    /// The elements, now the caller's to `free` (the buffer is left empty).
    mutating func release() -> UnsafeMutableBufferPointer<Element> {
        // Give back what was reserved and not used (a large block shrinks by unmapping its tail).
        let kept = realloc(base, max(count, 1) * MemoryLayout<Element>.stride)?.assumingMemoryBound(to: Element.self)
        let result = UnsafeMutableBufferPointer(start: kept ?? base, count: count)
        base = nil
        count = 0
        capacity = 0
        return result
    }

    private mutating func grow(to newCapacity: Int) {
        guard let grown = realloc(base, newCapacity * MemoryLayout<Element>.stride) else {
            fatalError("out of memory growing a buffer to \(newCapacity) elements")
        }
        base = grown.assumingMemoryBound(to: Element.self)
        capacity = newCapacity
    }
}

/// A growable byte buffer for writing answers, where an append is a capacity check and a copy.
///
/// An answer is written in a few hundred small appends (tags, indentation, values). On `[UInt8]` each
/// `append(contentsOf:)` is a call into the generic sequence path; measured under spread load it was the
/// largest single cost of writing an answer. This keeps an array sized ahead and counts the bytes written.
public struct ByteWriter {
    private var storage: [UInt8]
    /// Bytes written.
    public private(set) var count = 0

    public init(capacity: Int = 0) {
        storage = [UInt8](repeating: 0, count: capacity)
    }

    public var isEmpty: Bool { count == 0 }

    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        if count == storage.count { grow(to: count + 1) }
        storage.withUnsafeMutableBufferPointer { $0[count] = byte }
        count += 1
    }

    @inline(__always)
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let needed = count + bytes.count
        if needed > storage.count { grow(to: needed) }
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        storage.withUnsafeMutableBytes { target in
            (target.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count = needed
    }

    /// Appends a copy of bytes already written (`range` lies within the first `count` bytes).
    @inline(__always)
    public mutating func appendWritten(_ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        let needed = count + range.count
        if needed > storage.count { grow(to: needed) }
        guard !range.isEmpty else { return }
        storage.withUnsafeMutableBytes { target in
            (target.baseAddress! + count).copyMemory(from: target.baseAddress! + range.lowerBound, byteCount: range.count)
        }
        count = needed
    }

    @inline(__always)
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Appends a string's UTF-8.
    @inline(__always)
    public mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Appends a literal's UTF-8 (no string to retain or release).
    @inline(__always)
    public mutating func appendLiteral(_ text: StaticString) {
        text.withUTF8Buffer { append(UnsafeRawBufferPointer($0)) }
    }

    /// Appends `text`'s UTF-8 whole when none of its bytes is `special`, and says whether it did
    /// (escapers copy the many values that need nothing escaped this way, and escape the rest).
    @inline(__always)
    public mutating func appendWhole(_ text: String, unlessAny special: (UInt8) -> Bool) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for byte in bytes where special(byte) { return false }
            append(UnsafeRawBufferPointer(bytes))
            return true
        }
    }

    /// Appends `byte` `times` times.
    public mutating func append(_ byte: UInt8, times: Int) {
        guard times > 0 else { return }
        let needed = count + times
        if needed > storage.count { grow(to: needed) }
        storage.withUnsafeMutableBytes { target in
            _ = (target.baseAddress! + count).initializeMemory(as: UInt8.self, repeating: byte, count: times)
        }
        count = needed
    }

    private mutating func grow(to needed: Int) {
        storage.append(contentsOf: repeatElement(0, count: max(needed, 2 * storage.count, 64) - storage.count))
    }

    /// The bytes written; the writer is empty afterwards.
    public mutating func take() -> [UInt8] {
        var result: [UInt8] = []
        swap(&result, &storage)
        result.removeLast(result.count - count)
        count = 0
        return result
    }

    /// Calls `body` with the bytes written so far.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }
}

/// A value kept on the heap, so a struct holding it stores one pointer instead of the value.
///
/// For large fields that are often absent: `OutOfLine<WebService>?` is 8 bytes where `WebService?` is
/// 89, which across 100,000 ``MailDomain``s (three such fields each) is about 25 MB. Immutable: a
/// new value replaces the box, so copies of the holder never share a mutation.
public struct OutOfLine<Value: Sendable & Hashable>: Sendable, Hashable {
    private final class Box: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    private let box: Box

    public init(_ value: Value) {
        box = Box(value)
    }

    public var value: Value { box.value }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.box === rhs.box || lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(value)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Byte-level ASCII helpers for the request path, where String's Unicode-aware operations cost too much.
public enum ASCII {
    /// True when `a` and `b` hold the same UTF-8 bytes (String's `==` compares canonical equivalence).
    public static func sameBytes(_ a: String, _ b: String) -> Bool {
        var (a, b) = (a, b)
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                guard let p = x.baseAddress, let q = y.baseAddress else { return true }
                return memcmp(p, q, x.count) == 0
            }
        }
    }

    /// Where `needle` first occurs in `haystack` at or after `start` (`memchr` for its first byte, then
    /// `memcmp`); nil when it does not, or when `needle` is empty.
    public static func offset(
        of needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from start: Int = 0
    ) -> Int? {
        guard let base = haystack.baseAddress, let needleBase = needle.baseAddress, let first = needle.first,
            start >= 0
        else { return nil }
        let last = haystack.count - needle.count  // the last offset a match can start at
        var index = start
        while index <= last, let found = memchr(base + index, Int32(first), last - index + 1) {
            if memcmp(found, needleBase, needle.count) == 0 { return UnsafeRawPointer(found) - base }
            index = UnsafeRawPointer(found) - base + 1
        }
        return nil
    }

    /// The index of the first byte of `text` that `predicate` accepts (searched through its UTF-8 storage,
    /// not the generic index walk); an ASCII byte's index is a character boundary.
    @inlinable
    public static func firstIndex(in text: String, where predicate: (UInt8) -> Bool) -> String.Index? {
        firstIndex(in: text[...], where: predicate)
    }

    /// The index of the first byte of `text` that `predicate` accepts, searched through its UTF-8 storage.
    @inlinable
    public static func firstIndex(in text: Substring, where predicate: (UInt8) -> Bool) -> String.Index? {
        var text = text
        guard let offset = text.withUTF8({ $0.firstIndex(where: predicate) }) else { return nil }
        return text.utf8.index(text.utf8.startIndex, offsetBy: offset)
    }

    /// True when `bytes`, lower-cased (ASCII letters only), equal `lowercased`.
    @inlinable
    public static func equalsLowercased<A: Collection<UInt8>, B: Collection<UInt8>>(_ bytes: A, _ lowercased: B) -> Bool {
        equal(bytes, lowercased, lowercasingBoth: false)
    }

    /// True when `a` and `b` are equal ignoring the case of ASCII letters.
    @inlinable
    public static func equalsIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        equal(a, b, lowercasingBoth: true)
    }

    @inlinable
    static func equal<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B, lowercasingBoth: Bool) -> Bool {
        guard a.count == b.count else { return false }
        // Strings, arrays and their slices hand out their bytes: compare those without iterator overhead.
        let contiguous = a.withContiguousStorageIfAvailable { x in
            b.withContiguousStorageIfAvailable { y in compare(x, y, lowercasingBoth: lowercasingBoth) }
        }
        if let contiguous, let result = contiguous { return result }
        for (x, y) in zip(a, b) where lower(x) != (lowercasingBoth ? lower(y) : y) { return false }
        return true
    }

    /// The value of a hexadecimal digit (either case), nil for any other byte.
    @inlinable
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The byte with an ASCII capital letter lower-cased.
    @inlinable
    public static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    @inlinable
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, lowercasingBoth: Bool) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count {
            let x = a[index]
            let y = b[index]
            if x == y { continue }
            if lower(x) != (lowercasingBoth ? lower(y) : y) { return false }
        }
        return true
    }
}

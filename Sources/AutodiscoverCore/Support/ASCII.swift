/// Byte-level ASCII helpers for the request path, where String's Unicode-aware operations cost too much.
public enum ASCII {
    /// True when `bytes`, lower-cased (ASCII letters only), equal `lowercased`.
    @inlinable
    public static func equalsLowercased<A: Collection<UInt8>, B: Collection<UInt8>>(_ bytes: A, _ lowercased: B) -> Bool {
        guard bytes.count == lowercased.count else { return false }
        for (byte, expected) in zip(bytes, lowercased) {
            let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if lower != expected { return false }
        }
        return true
    }
}

/// A non-negative number written as decimal ASCII straight into memory: the response head's
/// Content-Length and status code, the ETag's generation (no string made per request).
public enum DecimalText {
    /// The most digits written: `UInt.max` has 20.
    public static let maxLength = 20

    /// Writes `value` at `target`, which has room for ``maxLength`` bytes; returns the bytes written.
    public static func write(_ value: UInt, to target: UnsafeMutableRawPointer) -> Int {
        var digits = 0
        var rest = value
        repeat {
            digits += 1
            rest /= 10
        } while rest > 0
        var value = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            target.storeBytes(of: UInt8(ascii: "0") + UInt8(value % 10), toByteOffset: index, as: UInt8.self)
            value /= 10
        }
        return digits
    }
}

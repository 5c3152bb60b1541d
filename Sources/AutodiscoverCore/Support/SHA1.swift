/// SHA-1 (FIPS 180-4), only for deriving stable identifiers such as name-based UUIDs (RFC 4122 version 5).
/// Not used for anything that needs collision resistance.
public enum SHA1 {
    public static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let b = chunk + i * 4
                w[i] = UInt32(data[b]) << 24 | UInt32(data[b + 1]) << 16 | UInt32(data[b + 2]) << 8 | UInt32(data[b + 3])
            }
            for i in 16..<80 { w[i] = rotate(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1) }
            var (a, b, c, d, e) = h
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch i {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62_C1D6)
                }
                let temp = rotate(a, 5) &+ f &+ e &+ k &+ w[i]
                (e, d, c, b, a) = (d, c, rotate(b, 30), a, temp)
            }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
        }
        var digest: [UInt8] = []
        for word in [h.0, h.1, h.2, h.3, h.4] {
            digest += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
        }
        return digest
    }

    private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value << count) | (value >> (32 - count))
    }
}

/// Name-based UUIDs (RFC 4122 version 5) in a namespace of our own, so the same inputs always give the same UUID.
public enum StableUUID {
    /// The namespace: itself a version-5 UUID of the project's name in the URL namespace.
    static let namespace: [UInt8] = [
        0x6B, 0xA7, 0xB8, 0x11, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8,
    ]

    /// An upper-case UUID string derived from `name`.
    public static func make(_ name: String) -> String {
        var message = namespace
        message.append(contentsOf: name.utf8)
        var digest = SHA1.hash(message)
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        return hex(digest.prefix(16), digits: upperDigits, dashes: true)
    }

    /// Lower-case hex SHA-1 of `text`.
    public static func digestHex(_ text: String) -> String {
        hex(SHA1.hash(Array(text.utf8))[...], digits: lowerDigits, dashes: false)
    }

    private static let upperDigits = Array("0123456789ABCDEF".utf8)
    private static let lowerDigits = Array("0123456789abcdef".utf8)

    /// Hex digits of `bytes`, with dashes after bytes 4, 6, 8 and 10 for the UUID layout: one allocation.
    private static func hex(_ bytes: ArraySlice<UInt8>, digits: [UInt8], dashes: Bool) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2 + (dashes ? 4 : 0)) { buffer in
            var count = 0
            for (offset, byte) in bytes.enumerated() {
                if dashes && (offset == 4 || offset == 6 || offset == 8 || offset == 10) {
                    buffer[count] = UInt8(ascii: "-")
                    count += 1
                }
                buffer[count] = digits[Int(byte >> 4)]
                buffer[count + 1] = digits[Int(byte & 0x0F)]
                count += 2
            }
            return count
        }
    }
}

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
        var digest = Digest.sha1(message)
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        return hex(digest.prefix(16), digits: upperDigits, dashes: true)
    }

    /// Lower-case hex SHA-1 of `text`.
    public static func digestHex(_ text: String) -> String {
        hex(Digest.sha1(Array(text.utf8))[...], digits: lowerDigits, dashes: false)
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

/// Entity tags from the config generation and the body, so a reload or another address changes them:
/// `"g<generation>-<hash in hex>"`.
public struct ETag: Sendable, Equatable {
    public let generation: Int
    public let hash: UInt64

    public init(generation: Int, body: [UInt8]) {
        self.init(generation: generation, hash: Self.hash(body))
    }

    public init(generation: Int, hash: UInt64) {
        self.generation = generation
        self.hash = hash
    }

    /// The tag as sent, quotes included.
    public var text: String {
        String(unsafeUninitializedCapacity: Self.maxLength) { write(into: $0) }
    }

    /// Longest tag: quotes, `g`, 19 digits of generation, `-`, 16 hex digits.
    public static let maxLength = 40

    /// Writes the tag into `buffer` (at least ``maxLength`` bytes); returns the bytes written.
    public func write(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var index = 0
        func put(_ byte: UInt8) {
            buffer[index] = byte
            index += 1
        }
        put(UInt8(ascii: "\""))
        put(UInt8(ascii: "g"))
        index += DecimalText.write(UInt(max(generation, 0)), to: UnsafeMutableRawPointer(buffer.baseAddress! + index))
        put(UInt8(ascii: "-"))
        var started = false
        for shift in stride(from: 60, through: 0, by: -4) {
            let nibble = Int((hash >> UInt64(shift)) & 0xF)
            if nibble != 0 || started || shift == 0 {
                put(nibble < 10 ? UInt8(ascii: "0") + UInt8(nibble) : UInt8(ascii: "a") + UInt8(nibble - 10))
                started = true
            }
        }
        put(UInt8(ascii: "\""))
        return index
    }

    /// A 64-bit hash taking 32 bytes a step in four independent lanes (multiply and fold, in the manner of
    /// wyhash), so the multiplications overlap instead of waiting on each other: one ETag costs a small
    /// fraction of a byte-wise FNV over the same answer.
    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { raw -> UInt64 in
            let count = raw.count
            var lanes: (UInt64, UInt64, UInt64, UInt64) = (
                0x9E37_79B9_7F4A_7C15 ^ UInt64(count), 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9,
                0x85EB_CA77_C2B2_AE63
            )
            var offset = 0
            while offset + 32 <= count {
                lanes.0 = mix(lanes.0 ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self), 0xA076_1D64_78BD_642F)
                lanes.1 = mix(lanes.1 ^ raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self), 0xE703_7ED1_A0B4_28DB)
                lanes.2 = mix(lanes.2 ^ raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self), 0x8EBC_6AF0_9C88_C6E3)
                lanes.3 = mix(lanes.3 ^ raw.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self), 0x5899_65CC_7537_4CC3)
                offset += 32
            }
            var state = mix(lanes.0 ^ lanes.1, 0xA076_1D64_78BD_642F) ^ mix(lanes.2 ^ lanes.3, 0xE703_7ED1_A0B4_28DB)
            while offset + 8 <= count {
                state = mix(state ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self), 0xA076_1D64_78BD_642F)
                offset += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
                tail |= UInt64(raw[offset]) << shift
                shift += 8
                offset += 1
            }
            return mix(state ^ tail, 0xE703_7ED1_A0B4_28DB)
        }
    }

    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// `If-None-Match` may list several tags, weak ones included, or `*`.
    public static func matches(_ header: String, _ tag: String) -> Bool {
        for candidate in header.split(separator: ",") {
            var value = candidate.drop(while: { $0 == " " })
            while value.last == " " { value = value.dropLast() }
            if value == "*" { return true }
            if value.hasPrefix("W/") { value = value.dropFirst(2) }
            if value == tag { return true }
        }
        return false
    }
}

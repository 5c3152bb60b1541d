/// Which keys of one mapping were seen, and on which line, without allocating.
struct SeenKeys {
    private var bits: UInt32 = 0
    private var lines: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    /// Records a key; false when it was already seen.
    mutating func insert(_ bit: Int, _ line: Int) -> Bool {
        let mask: UInt32 = 1 << UInt32(bit)
        guard bits & mask == 0 else { return false }
        bits |= mask
        withUnsafeMutableBytes(of: &lines) { $0.storeBytes(of: line, toByteOffset: bit * MemoryLayout<Int>.stride, as: Int.self) }
        return true
    }

    /// The line where a key was first seen.
    func line(_ bit: Int) -> Int {
        withUnsafeBytes(of: lines) { $0.load(fromByteOffset: bit * MemoryLayout<Int>.stride, as: Int.self) }
    }
}

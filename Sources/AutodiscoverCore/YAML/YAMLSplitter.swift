#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Finds where a large config file can be cut in two, so both halves parse on separate cores.
///
/// Only the common shape of generated tenant files qualifies: a root key `domains:` whose block
/// mapping runs to the end of the file. Every line at the block's indentation that starts with a
/// key begins a new domain entry (YAML requires continuation lines of scalars and flow collections
/// to be indented further), so cutting there yields two documents: the head, and a mapping of
/// the remaining entries. Anything unusual (tabs, document markers, content after the block, a
/// parse error in either half, an alias reaching across the cut) makes the caller parse the file
/// in one piece instead, so the shortcut never changes a result.
enum YAMLSplitter {
    /// Files smaller than this are parsed in one piece.
    static let minimumSize = 1 << 20

    /// Where the file divides: the `domains:` block starts at byte `blockStart` (line `blockLine`), its
    /// entries are indented by `indent`, and `cut` (line `cutLine`) starts an entry near its middle.
    struct Split: Equatable {
        var blockStart: Int
        var blockLine: Int
        var indent: Int
        var cut: Int
        var cutLine: Int
    }

    /// The cut: bytes `0..<cut` are the head, `cut..<count` the tail, whose first line is `tailLine`.
    static func split(_ bytes: [UInt8]) -> (cut: Int, tailLine: Int)? {
        locate(bytes).map { ($0.cut, $0.cutLine) }
    }

    /// Finds the `domains:` block and a cut near its middle, or nil when the file does not qualify.
    static func locate(_ bytes: [UInt8]) -> Split? {
        guard bytes.count >= minimumSize else { return nil }
        return bytes.withUnsafeBufferPointer { buffer -> Split? in
            let count = buffer.count
            var lineStart = 0
            var line = 1
            var blockIndent = -1  // -1: before `domains:`, 0: just after it, n: inside
            var blockStart = 0
            var blockLine = 0
            var candidates: [(offset: Int, line: Int)] = []
            while lineStart < count {
                let base = buffer.baseAddress!
                let found = memchr(base + lineStart, Int32(UInt8(ascii: "\n")), count - lineStart)
                let lineEnd = found.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? count
                var indent = 0
                while lineStart + indent < lineEnd && buffer[lineStart + indent] == UInt8(ascii: " ") { indent += 1 }
                let first = lineStart + indent < lineEnd ? buffer[lineStart + indent] : UInt8(ascii: "\n")
                let blank = first == UInt8(ascii: "\n") || first == UInt8(ascii: "\r") || first == UInt8(ascii: "#")
                if first == UInt8(ascii: "\t") { return nil }
                if !blank {
                    if blockIndent < 0 {
                        if indent == 0 && isDomainsKey(buffer, lineStart, lineEnd) {
                            blockIndent = 0
                            blockStart = lineEnd + 1
                            blockLine = line + 1
                        }
                    } else if blockIndent == 0 {
                        guard indent > 0, first != UInt8(ascii: "-") else { return nil }
                        blockIndent = indent
                    } else if indent < blockIndent {
                        return nil  // something follows the block: keep it simple
                    } else if indent == blockIndent {
                        guard first != UInt8(ascii: "-") else { return nil }
                        candidates.append((lineStart, line))
                    }
                }
                lineStart = lineEnd + 1
                line += 1
            }
            guard blockIndent > 0, candidates.count >= 2 else { return nil }
            let middle = blockStart + (count - blockStart) / 2
            let best = candidates.min { abs($0.offset - middle) < abs($1.offset - middle) }!
            guard best.offset > blockStart else { return nil }
            return Split(blockStart: blockStart, blockLine: blockLine, indent: blockIndent, cut: best.offset, cutLine: best.line)
        }
    }

    /// `domains:` alone on its line (trailing spaces or a comment allowed).
    private static func isDomainsKey(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let key = Array("domains:".utf8)
        guard end - start >= key.count else { return false }
        for index in 0..<key.count where buffer[start + index] != key[index] { return false }
        var position = start + key.count
        while position < end, buffer[position] == UInt8(ascii: " ") || buffer[position] == UInt8(ascii: "\r") {
            position += 1
        }
        return position == end || buffer[position] == UInt8(ascii: "#")
    }
}

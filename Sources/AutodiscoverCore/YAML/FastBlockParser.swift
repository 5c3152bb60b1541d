/// A strict, fast reader for the common shape of large tenant files: the entries of a `domains:`
/// block, each a block mapping of `key: value` lines whose values are plain or quoted scalars or
/// one-line flow mappings of scalars.
///
/// It builds the same ``YAMLDocument`` nodes libyaml's events would (kinds, lines, columns, scalar
/// text), about ten times faster, because it has nothing else to handle. Any line outside that shape
/// (lists, anchors, tags, block scalars, multi-line values, tabs, unusual escapes) makes it give up,
/// and the caller parses the text with libyaml instead, so it never changes a result. A test compares
/// the two on generated files.
struct FastBlockParser: ~Copyable {
    private let input: UnsafeBufferPointer<UInt8>
    private var nodes: GrowableBuffer<YAMLDocument.Node>
    private var bytes: GrowableBuffer<UInt8>
    /// Open block mappings: node index, indentation of their keys (-1 until the first key is seen).
    private var open: [(index: Int, indent: Int)] = []
    /// Where the line being read starts, and whether it is all ASCII (then a column is an offset).
    private var lineStart = 0
    private var lineIsASCII = true

    private init(_ input: UnsafeBufferPointer<UInt8>, nodes: Int, bytes: Int) {
        self.input = input
        self.nodes = GrowableBuffer(capacity: nodes)
        self.bytes = GrowableBuffer(capacity: bytes)
    }

    /// Parses `range` of `source`, whose first line is line `firstLine`, as a block mapping at `indent`.
    static func parse(_ source: [UInt8], range: Range<Int>, firstLine: Int, indent: Int) -> YAMLDocument? {
        source.withUnsafeBufferPointer { buffer -> YAMLDocument? in
            let input = UnsafeBufferPointer(rebasing: buffer[range])
            // libyaml refuses text that is not valid UTF-8 or holds characters YAML does not allow; give
            // up on such text so libyaml reports it.
            guard Self.isYAMLText(input) else { return nil }
            // Reserved generously: pages never written are never faulted in.
            var parser = FastBlockParser(input, nodes: range.count / 8, bytes: range.count / 2)
            // A block with no entry is a null in YAML, not an empty mapping: leave that to libyaml.
            guard parser.run(firstLine: firstLine, indent: indent), parser.nodes.count > 1 else { return nil }
            return YAMLDocument(adopting: &parser.nodes, &parser.bytes)
        }
    }

    /// True when `text` is valid UTF-8 made only of characters libyaml's reader accepts (tab, line feed,
    /// printable ASCII, U+00A0–U+D7FF, U+E000–U+FFFD, U+10000 and above) with lines ending in `\n` or
    /// `\r\n`. libyaml also breaks lines at a lone `\r`, U+0085, U+2028 and U+2029; such text is left to it.
    static func isYAMLText(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = text.baseAddress else { return true }
        var index = 0
        while index < text.count {
            // Eight bytes a step while they are all printable ASCII (most of a config); a step that holds
            // anything else (a line feed, a tab, a multi-byte character) is checked character by character.
            if index + 8 <= text.count,
                isPrintableASCII(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            {
                index += 8
                continue
            }
            let stop = min(index + 8, text.count)
            while index < stop {
                guard let length = yamlCharacterLength(text, at: index) else { return false }
                index += length
            }
        }
        return true
    }

    /// True when all eight bytes are in 0x20...0x7E (exact: a borrow that could flag a byte wrongly only
    /// comes from a lower byte that is itself flagged).
    @inline(__always)
    private static func isPrintableASCII(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let delete = word ^ (ones &* 0x7F)
        let belowSpace = (word &- ones &* 0x20) & ~word
        let isDelete = (delete &- ones) & ~delete
        return (word | belowSpace | isDelete) & high == 0
    }

    /// The length of the character at `index` when libyaml's reader accepts it there, else nil.
    @inline(__always)
    private static func yamlCharacterLength(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        let byte = text[index]
        if byte < 0x80 {
            let crlf = byte == 0x0D && index + 1 < text.count && text[index + 1] == 0x0A
            guard byte >= 0x20 && byte != 0x7F || byte == 0x09 || byte == 0x0A || crlf else { return nil }
            return 1
        }
        var decoder = Unicode.UTF8.ForwardParser()
        var iterator = text[index...].makeIterator()
        guard case .valid(let encoded) = decoder.parseScalar(from: &iterator) else { return nil }
        let scalar = Unicode.UTF8.decode(encoded).value
        let allowed =
            (0xA0...0xD7FF).contains(scalar) && scalar != 0x2028 && scalar != 0x2029
            || (0xE000...0xFFFD).contains(scalar) || scalar >= 0x10000
        return allowed ? encoded.count : nil
    }

    private mutating func run(firstLine: Int, indent rootIndent: Int) -> Bool {
        nodes.append(node(.mapping, line: firstLine, column: rootIndent + 1))
        open.append((0, rootIndent))
        var position = 0
        var line = firstLine
        while position < input.count {
            var end = position
            var bits: UInt8 = 0
            while end < input.count && input[end] != UInt8(ascii: "\n") {
                bits |= input[end]
                end += 1
            }
            lineStart = position
            lineIsASCII = bits < 0x80
            var contentEnd = end
            if contentEnd > position && input[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            defer {
                position = end + 1
                line += 1
            }
            var cursor = position
            while cursor < contentEnd && input[cursor] == UInt8(ascii: " ") { cursor += 1 }
            if cursor == contentEnd || input[cursor] == UInt8(ascii: "#") { continue }
            if input[cursor] == UInt8(ascii: "\t") { return false }
            let indent = cursor - position
            // libyaml places the block's mapping at its first key, after any blank or comment lines.
            if nodes.count == 1 { nodes[0].line = Int32(line) }
            // A key at this indentation belongs to the innermost open mapping with that indentation.
            if var top = open.last, top.indent == -1 {
                guard indent > open[open.count - 2].indent else {
                    // `key:` with nothing under it: libyaml gives an empty plain scalar.
                    nullify(top.index)
                    open.removeLast()
                    guard closeMappings(above: indent) else { return false }
                    guard parseEntry(&cursor, contentEnd, line: line, indent: indent) else { return false }
                    continue
                }
                top.indent = indent
                open[open.count - 1] = top
                nodes[top.index].line = Int32(line)
                nodes[top.index].column = Int32(indent + 1)
            }
            guard closeMappings(above: indent) else { return false }
            guard parseEntry(&cursor, contentEnd, line: line, indent: indent) else { return false }
        }
        if let top = open.last, top.indent == -1 {
            nullify(top.index)
            open.removeLast()
        }
        while let top = open.popLast() { nodes[top.index].next = Int32(nodes.count) }
        return true
    }

    /// Closes open mappings indented deeper than `indent`; the innermost left must have exactly `indent`.
    private mutating func closeMappings(above indent: Int) -> Bool {
        while let top = open.last, top.indent > indent {
            nodes[top.index].next = Int32(nodes.count)
            open.removeLast()
        }
        return open.last?.indent == indent
    }

    /// Turns an empty block mapping placeholder into the null scalar libyaml reports for `key:`.
    private mutating func nullify(_ index: Int) {
        nodes[index].kind = .plainScalar
        nodes[index].start = Int32(bytes.count)
        nodes[index].length = 0
        nodes[index].next = Int32(index + 1)
    }

    /// `key: value`, `key: { … }` or `key:` (a nested block follows).
    private mutating func parseEntry(_ cursor: inout Int, _ end: Int, line: Int, indent: Int) -> Bool {
        guard scalar(&cursor, end, line: line, flow: false, key: true) else { return false }
        guard cursor < end, input[cursor] == UInt8(ascii: ":") else { return false }
        cursor += 1
        if cursor < end && input[cursor] != UInt8(ascii: " ") { return false }
        let afterColon = column(cursor)
        skipSpaces(&cursor, end)
        if cursor == end || input[cursor] == UInt8(ascii: "#") {
            // Line and column become the first nested key's, as in libyaml, once that key is read;
            // with no nested key it stays where libyaml puts the empty value: just after the colon.
            nodes.append(node(.mapping, line: line, column: afterColon))
            open.append((nodes.count - 1, -1))
            return true
        }
        if input[cursor] == UInt8(ascii: "{") {
            guard flowMapping(&cursor, end, line: line) else { return false }
        } else {
            guard scalar(&cursor, end, line: line, flow: false, key: false) else { return false }
        }
        skipSpaces(&cursor, end)
        return cursor == end || (input[cursor] == UInt8(ascii: "#") && input[cursor - 1] == UInt8(ascii: " "))
    }

    /// `{ key: value, key: value }` on one line, values scalars.
    private mutating func flowMapping(_ cursor: inout Int, _ end: Int, line: Int) -> Bool {
        let index = nodes.count
        nodes.append(node(.mapping, line: line, column: column(cursor)))
        cursor += 1
        skipSpaces(&cursor, end)
        if cursor < end && input[cursor] == UInt8(ascii: "}") {
            cursor += 1
            nodes[index].next = Int32(nodes.count)
            return true
        }
        while true {
            guard scalar(&cursor, end, line: line, flow: true, key: true) else { return false }
            guard cursor < end, input[cursor] == UInt8(ascii: ":") else { return false }
            cursor += 1
            guard cursor < end, input[cursor] == UInt8(ascii: " ") else { return false }
            skipSpaces(&cursor, end)
            guard scalar(&cursor, end, line: line, flow: true, key: false) else { return false }
            skipSpaces(&cursor, end)
            guard cursor < end else { return false }
            if input[cursor] == UInt8(ascii: ",") {
                cursor += 1
                skipSpaces(&cursor, end)
                continue
            }
            guard input[cursor] == UInt8(ascii: "}") else { return false }
            cursor += 1
            nodes[index].next = Int32(nodes.count)
            return true
        }
    }

    /// A plain, double-quoted or single-quoted scalar on one line. A key must end within 1,000 bytes:
    /// libyaml refuses an implicit key over 1,024 characters.
    private mutating func scalar(_ cursor: inout Int, _ end: Int, line: Int, flow: Bool, key: Bool) -> Bool {
        let start = cursor
        guard oneLineScalar(&cursor, end, line: line, flow: flow, key: key) else { return false }
        return !key || cursor - start <= 1000
    }

    private static let flowIndicators: [UInt8] = Array(",?[]{}".utf8)

    /// True for the bytes a plain scalar's loop must look at: controls, space, `#`, `,`, `:`, `[`, `]`,
    /// `{` and `}`. Every other byte (UTF-8 continuation and lead bytes among them) is text.
    @inline(__always)
    private static func mayEndPlainScalar(_ byte: UInt8) -> Bool {
        // Bit n of `low` stands for byte n, bit n of `high` for byte 64 + n.
        let low: UInt64 = 0xFFFF_FFFF | 1 << 0x20 | 1 << 0x23 | 1 << 0x2C | 1 << 0x3A
        let high: UInt64 = 1 << (0x5B - 64) | 1 << (0x5D - 64) | 1 << (0x7B - 64) | 1 << (0x7D - 64)
        if byte < 64 { return low >> UInt64(byte) & 1 != 0 }
        if byte < 128 { return high >> UInt64(byte - 64) & 1 != 0 }
        return false
    }

    private mutating func oneLineScalar(_ cursor: inout Int, _ end: Int, line: Int, flow: Bool, key: Bool) -> Bool {
        guard cursor < end else { return false }
        let start = cursor
        let first = input[cursor]
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            let textStart = bytes.count
            guard quoted(&cursor, end, quote: first) else { return false }
            nodes.append(
                YAMLDocument.Node(
                    kind: .quotedScalar, isAlias: false, line: Int32(line), column: Int32(column(start)),
                    start: Int32(textStart), length: Int32(bytes.count - textStart), next: Int32(nodes.count + 1)))
            return true
        }
        // Plain scalars may not start with an indicator (strict: no `-`, `?` or `:` starts either).
        switch first {
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "["),
            UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"), UInt8(ascii: "&"),
            UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "%"),
            UInt8(ascii: "@"), UInt8(ascii: "`"), UInt8(ascii: " "):
            return false
        default:
            break
        }
        var last = cursor  // one past the last non-space byte
        while cursor < end {
            let byte = input[cursor]
            if !Self.mayEndPlainScalar(byte) {
                cursor += 1
                last = cursor
                continue
            }
            if byte == UInt8(ascii: ":") {
                let next = cursor + 1 < end ? input[cursor + 1] : UInt8(ascii: " ")
                if flow && Self.flowIndicators.contains(next) {
                    return false  // libyaml: "found unexpected ':'" for `:` then one of `,?[]{}` in a flow
                }
                if next == UInt8(ascii: " ") {
                    if key { break }
                    return false  // `a: b: c` is not a scalar
                }
            } else if byte == UInt8(ascii: "#") {
                if input[cursor - 1] == UInt8(ascii: " ") { break }
            } else if flow && (byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}")) {
                break
            } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "{")
                || byte == UInt8(ascii: "\t") || byte < 0x20
            {
                return false
            }
            cursor += 1
            if byte != UInt8(ascii: " ") { last = cursor }
        }
        let textStart = bytes.count
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[start..<last]))
        nodes.append(
            YAMLDocument.Node(
                kind: .plainScalar, isAlias: false, line: Int32(line), column: Int32(column(start)),
                start: Int32(textStart), length: Int32(last - start), next: Int32(nodes.count + 1)))
        cursor = last
        return true
    }

    /// Copies a quoted scalar's text (escapes decoded) into `bytes`; only JSON-style escapes are handled.
    private mutating func quoted(_ cursor: inout Int, _ end: Int, quote: UInt8) -> Bool {
        cursor += 1
        while cursor < end {
            let byte = input[cursor]
            if byte == quote {
                if quote == UInt8(ascii: "'"), cursor + 1 < end, input[cursor + 1] == quote {
                    bytes.append(quote)
                    cursor += 2
                    continue
                }
                cursor += 1
                return true
            }
            if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                guard cursor + 1 < end else { return false }
                let escape = input[cursor + 1]
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(escape)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "u"):
                    guard cursor + 5 < end, let value = hex(cursor + 2, 4), let scalar = Unicode.Scalar(value),
                        value != 0
                    else { return false }
                    for byte in String(Character(scalar)).utf8 { bytes.append(byte) }
                    cursor += 6
                    continue
                default:
                    return false
                }
                cursor += 2
                continue
            }
            if byte < 0x20 && byte != 0x09 { return false }
            bytes.append(byte)
            cursor += 1
        }
        return false  // the quote does not close on this line
    }

    private func hex(_ start: Int, _ count: Int) -> UInt32? {
        var value: UInt32 = 0
        for index in start..<(start + count) {
            guard let digit = ASCII.hexValue(input[index]) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private func skipSpaces(_ cursor: inout Int, _ end: Int) {
        while cursor < end && input[cursor] == UInt8(ascii: " ") { cursor += 1 }
    }

    /// 1-based column of a position, in characters as libyaml counts them (UTF-8 continuation bytes skipped).
    /// `position` is on the line being read.
    private func column(_ position: Int) -> Int {
        if lineIsASCII { return position - lineStart + 1 }
        var characters = 1
        for index in lineStart..<position where input[index] & 0xC0 != 0x80 { characters += 1 }
        return characters
    }

    private func node(_ kind: YAMLDocument.Kind, line: Int, column: Int) -> YAMLDocument.Node {
        YAMLDocument.Node(
            kind: kind, isAlias: false, line: Int32(line), column: Int32(column), start: 0, length: 0,
            next: Int32(nodes.count + 1))
    }
}

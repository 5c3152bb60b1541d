import CYAML

/// A YAML syntax problem, with the 1-based line and column where libyaml stopped.
public struct YAMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(line):\(column): \(message)" }
}

/// Builds a flat ``YAMLDocument`` straight from libyaml's event stream.
///
/// libyaml does the scanning in C; this type only appends one node per event and copies scalar
/// bytes into one buffer, so loading costs little more than libyaml's own parse. Anchors and
/// aliases are supported, with a cap on how much aliases may expand in total (billion-laughs
/// style files are refused); merge keys (`<<`) are applied when the config layer reads a mapping.
public struct YAMLParser {
    /// How deeply collections may nest before the file is refused.
    public var maxDepth = 256
    /// How many nodes aliases may stand for in total before the file is refused.
    public var maxAliasExpansion = 1_000_000

    public init() {}

    /// Parses the first document of `bytes` (or of `range` within it). An empty stream gives a null root.
    ///
    /// - Parameter lineOffset: added to every line number, for a range that starts part-way into a file.
    public func parse(_ bytes: [UInt8], range: Range<Int>? = nil, lineOffset: Int = 0) throws(YAMLSyntaxError)
        -> YAMLDocument
    {
        let range = range ?? bytes.indices
        guard !range.isEmpty else { return YAMLDocument() }
        var state = ParserState(maxDepth: maxDepth, maxAliasExpansion: maxAliasExpansion)
        state.lineOffset = lineOffset
        state.nodes.reserveCapacity(range.count / 12)
        state.bytes.reserveCapacity(range.count / 2)
        try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLSyntaxError) in
            try state.run(UnsafeBufferPointer(rebasing: buffer[range]))
        }
        if state.nodes.isEmpty { return YAMLDocument() }
        return YAMLDocument(nodes: state.nodes, bytes: state.bytes)
    }
}

private struct ParserState {
    let maxDepth: Int
    let maxAliasExpansion: Int
    var parser = yaml_parser_t()
    var event = yaml_event_t()
    var nodes: [YAMLDocument.Node] = []
    var bytes: [UInt8] = []
    var anchors: [String: Int32] = [:]
    var aliasBudget: Int
    var lineOffset = 0
    /// Open collections, by node index.
    var open: [Int] = []
    /// Sizes with aliases expanded, of anchored nodes that aliases used (computed on first use).
    var expandedSizes: [Int32: Int] = [:]

    init(maxDepth: Int, maxAliasExpansion: Int) {
        self.maxDepth = maxDepth
        self.maxAliasExpansion = maxAliasExpansion
        self.aliasBudget = maxAliasExpansion
    }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) throws(YAMLSyntaxError) {
        guard yaml_parser_initialize(&parser) != 0 else {
            throw YAMLSyntaxError(line: 0, column: 0, message: "could not start the YAML parser")
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
        var inDocument = false
        while true {
            try next()
            defer { yaml_event_delete(&event) }
            let line = Int32(truncatingIfNeeded: event.start_mark.line + 1 + lineOffset)
            let column = Int32(truncatingIfNeeded: event.start_mark.column + 1)
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                inDocument = true
            case YAML_DOCUMENT_END_EVENT, YAML_STREAM_END_EVENT:
                return  // only the first document counts
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let start = Int32(truncatingIfNeeded: bytes.count)
                bytes.append(contentsOf: UnsafeBufferPointer(start: scalar.value, count: scalar.length))
                let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.tag == nil
                let index = nodes.count
                nodes.append(
                    .init(
                        kind: plain ? .plainScalar : .quotedScalar, isAlias: false, line: line, column: column,
                        start: start, length: Int32(truncatingIfNeeded: scalar.length), next: Int32(index + 1)))
                if let anchor = scalar.anchor { anchors[String(cString: anchor)] = Int32(index) }
            case YAML_ALIAS_EVENT:
                let name = String(cString: event.data.alias.anchor)
                guard let target = anchors[name] else {
                    throw YAMLSyntaxError(line: Int(line), column: Int(column), message: "unknown alias *\(name)")
                }
                // A collection still open is one this alias sits inside: expanding it would never end.
                guard !open.contains(Int(target)) else {
                    throw YAMLSyntaxError(
                        line: Int(line), column: Int(column), message: "alias *\(name) is inside the node it names")
                }
                aliasBudget -= expandedSize(Int(target))
                guard aliasBudget >= 0 else {
                    throw YAMLSyntaxError(
                        line: Int(line), column: Int(column),
                        message: "aliases expand to more than \(maxAliasExpansion) nodes")
                }
                let node = nodes[Int(target)]
                let index = nodes.count
                nodes.append(
                    .init(
                        kind: node.kind, isAlias: true, line: line, column: column, start: target, length: 0,
                        next: Int32(index + 1)))
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                guard open.count < maxDepth else {
                    throw YAMLSyntaxError(
                        line: Int(line), column: Int(column), message: "nested deeper than \(maxDepth) levels")
                }
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
                let index = nodes.count
                nodes.append(
                    .init(
                        kind: isMapping ? .mapping : .sequence, isAlias: false, line: line, column: column, start: 0,
                        length: 0, next: 0))
                if let anchor { anchors[String(cString: anchor)] = Int32(index) }
                open.append(index)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                let index = open.removeLast()
                nodes[index].next = Int32(truncatingIfNeeded: nodes.count)
            default:
                _ = inDocument
            }
        }
    }

    /// The node's size with every alias inside it expanded (only paid for where aliases are used).
    mutating func expandedSize(_ index: Int) -> Int {
        if let known = expandedSizes[Int32(index)] { return known }
        let end = Int(nodes[index].next)
        var size = 0
        for inner in index..<end {
            if nodes[inner].isAlias {
                size += expandedSize(Int(nodes[inner].start))
            } else {
                size += 1
            }
        }
        expandedSizes[Int32(index)] = size
        return size
    }

    mutating func next() throws(YAMLSyntaxError) {
        guard yaml_parser_parse(&parser, &event) != 0 else {
            let mark = parser.problem_mark
            var message = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
            if let context = parser.context {
                message = "\(message) \(String(cString: context))"
            }
            throw YAMLSyntaxError(line: mark.line + 1 + lineOffset, column: mark.column + 1, message: message)
        }
    }
}

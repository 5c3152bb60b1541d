#if canImport(Glibc)
import Glibc
#endif

/// A parsed YAML document stored flat: every node in one array, every scalar's bytes in one buffer.
///
/// Nodes are addressed by ``YAMLNode`` (an index). A collection's children follow it in order and
/// each node records where its subtree ends, so walking a 100,000-domain file allocates almost
/// nothing and does no reference counting per node. Scalars stay bytes until the config layer asks
/// for a value; aliases point back at their anchor's node instead of copying it.
public final class YAMLDocument: Sendable {
    /// What a node is.
    public enum Kind: UInt8, Sendable, BitwiseCopyable {
        /// A plain (unquoted, untagged) scalar: subject to null and boolean reading.
        case plainScalar
        /// A quoted, block or tagged scalar: always text.
        case quotedScalar
        case mapping
        case sequence
    }

    struct Node: BitwiseCopyable {
        var kind: Kind
        var isAlias: Bool
        var line: Int32
        var column: Int32
        /// Scalar: offset into `bytes`; alias: the anchored node's index.
        var start: Int32
        /// Scalar: byte count.
        var length: Int32
        /// Index just past this node's subtree.
        var next: Int32
    }

    // Raw buffers, written once in `init` and never again: element reads cost no reference
    // counting, which matters when a 100,000-domain file is read node by node.
    // `nonisolated(unsafe)` is sound because nothing mutates them after initialisation.
    nonisolated(unsafe) let nodes: UnsafeMutableBufferPointer<Node>
    nonisolated(unsafe) let bytes: UnsafeMutableBufferPointer<UInt8>

    /// The document's root node.
    public var root: YAMLNode { YAMLNode(index: 0) }

    /// An empty document (a null root).
    public convenience init() {
        self.init(nodes: [Node(kind: .plainScalar, isAlias: false, line: 1, column: 1, start: 0, length: 0, next: 1)], bytes: [])
    }

    init(nodes: [Node], bytes: [UInt8]) {
        var nodeBuffer = GrowableBuffer<Node>(capacity: nodes.count)
        nodes.withUnsafeBufferPointer { nodeBuffer.append(contentsOf: $0) }
        var byteBuffer = GrowableBuffer<UInt8>(capacity: bytes.count)
        bytes.withUnsafeBufferPointer { byteBuffer.append(contentsOf: $0) }
        self.nodes = nodeBuffer.release()
        self.bytes = byteBuffer.release()
    }

    /// Takes over what a parser built, without copying it.
    init(adopting nodes: inout GrowableBuffer<Node>, _ bytes: inout GrowableBuffer<UInt8>) {
        self.nodes = nodes.release()
        self.bytes = bytes.release()
    }

    deinit {
        free(nodes.baseAddress)
        free(bytes.baseAddress)
    }

    @inline(__always)
    private func target(_ node: YAMLNode) -> Node {
        let raw = nodes[node.index]
        return raw.isAlias ? nodes[Int(raw.start)] : raw
    }

    @inline(__always)
    private func targetIndex(_ node: YAMLNode) -> Int {
        let raw = nodes[node.index]
        return raw.isAlias ? Int(raw.start) : node.index
    }

    public func kind(_ node: YAMLNode) -> Kind { target(node).kind }

    /// 1-based line where the node (or, for an alias, the alias itself) starts.
    public func line(_ node: YAMLNode) -> Int { Int(nodes[node.index].line) }

    /// 1-based column where the node starts.
    public func column(_ node: YAMLNode) -> Int { Int(nodes[node.index].column) }

    public func isScalar(_ node: YAMLNode) -> Bool {
        let kind = target(node).kind
        return kind == .plainScalar || kind == .quotedScalar
    }

    /// True for an empty plain scalar, `~` and `null` in any case (YAML 1.2 core schema).
    public func isNull(_ node: YAMLNode) -> Bool {
        let raw = target(node)
        guard raw.kind == .plainScalar else { return false }
        switch raw.length {
        case 0: return true
        case 1: return bytes[Int(raw.start)] == UInt8(ascii: "~")
        case 4:
            let text = scalarText(raw)
            return text == "null" || text == "Null" || text == "NULL"
        default: return false
        }
    }

    /// The scalar's text, or nil for a collection.
    public func scalar(_ node: YAMLNode) -> String? {
        let raw = target(node)
        guard raw.kind == .plainScalar || raw.kind == .quotedScalar else { return nil }
        return scalarText(raw)
    }

    @inline(__always)
    private func scalarText(_ raw: Node) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(raw.start)..<Int(raw.start + raw.length)]), as: UTF8.self)
    }

    /// The items of a sequence, or nil.
    public func sequence(_ node: YAMLNode) -> [YAMLNode]? {
        let index = targetIndex(node)
        guard nodes[index].kind == .sequence else { return nil }
        var items: [YAMLNode] = []
        var child = index + 1
        let end = Int(nodes[index].next)
        while child < end {
            items.append(YAMLNode(index: child))
            child = Int(nodes[child].next)
        }
        return items
    }

    /// The key-value pairs of a mapping in file order (merge keys not applied), or nil.
    public func mapping(_ node: YAMLNode) -> [YAMLPair]? {
        let index = targetIndex(node)
        guard nodes[index].kind == .mapping else { return nil }
        var pairs: [YAMLPair] = []
        var child = index + 1
        let end = Int(nodes[index].next)
        while child < end {
            let key = YAMLNode(index: child)
            let value = Int(nodes[child].next)
            pairs.append(YAMLPair(key: scalar(key) ?? "", line: line(key), value: YAMLNode(index: value)))
            child = Int(nodes[value].next)
        }
        return pairs
    }

    /// How many nodes the subtree holds (an alias counts as its target's subtree).
    func size(_ node: YAMLNode) -> Int {
        let index = targetIndex(node)
        return Int(nodes[index].next) - index
    }

    /// A word for the node's shape, for error messages.
    public func shapeName(_ node: YAMLNode) -> String {
        switch kind(node) {
        case .plainScalar, .quotedScalar: return isNull(node) ? "null" : "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

/// A node of a ``YAMLDocument``.
public struct YAMLNode: Sendable, Hashable {
    public let index: Int
}

/// A key and its value inside a YAML mapping.
public struct YAMLPair: Sendable {
    public var key: String
    /// 1-based line of the key.
    public var line: Int
    public var value: YAMLNode
}

extension YAMLDocument {
    /// Every node under `node` as one line each (kind, position, keys, scalar text), in document order:
    /// two parses of one text are the same exactly when their outlines are equal.
    func outline(_ node: YAMLNode) -> [String] {
        let head = "\(kind(node)) L\(line(node)) C\(column(node))"
        if let pairs = mapping(node) {
            return [head] + pairs.flatMap { ["key \($0.key) L\($0.line)"] + outline($0.value) }
        }
        if let items = sequence(node) { return [head] + items.flatMap { outline($0) } }
        return [head + " '\(scalar(node) ?? "")'"]
    }
}

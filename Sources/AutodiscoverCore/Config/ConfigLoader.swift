import Dispatch

/// Loads a configuration: the root file, its includes, then validation into one immutable ``Configuration``.
///
/// ```swift
/// let config = try ConfigLoader().load(path: "config.yaml")
/// let issues = ConfigLoader().issues(in: "config.yaml")   // what `check` prints
/// ```
public struct ConfigLoader: Sendable {
    public init() {}

    /// Loads and validates a file and everything it includes.
    ///
    /// - Throws: ``ConfigError`` with every problem found, each naming file, line and key.
    public func load(path: String) throws(ConfigError) -> Configuration {
        var collector = FileCollector()
        collector.loadFile(path, from: nil)
        var resolver = ConfigResolver(collected: collector, rootFile: path)
        return try resolver.resolve()
    }

    /// Loads a configuration held in memory (the built-in default); includes resolve against `directory`.
    public func load(text: String, name: String, directory: String = ".") throws(ConfigError) -> Configuration {
        var collector = FileCollector()
        collector.loadBytes(Array(text.utf8), name: name, directory: directory, canonical: nil)
        var resolver = ConfigResolver(collected: collector, rootFile: name)
        return try resolver.resolve()
    }

    /// Every problem in a configuration file, in file order; empty when it is valid.
    public func issues(in path: String) -> [ConfigIssue] {
        do {
            _ = try load(path: path)
            return []
        } catch {
            return error.issues
        }
    }
}

/// One entry of a `domains:` mapping, not yet read.
struct DomainItem: Sendable {
    var pattern: String
    var line: Int
    var node: YAMLNode
    /// Index into ``FileCollector/documents``.
    var document: Int
}

/// What was read from all files, before inheritance and cross-file checks.
struct FileCollector: Sendable {
    var issues: [ConfigIssue] = []
    var server: ServerSettings?
    var signing: SigningSettings?
    var providers: [(name: String, entry: ServiceSetEntry)] = []
    var domains: [DomainItem] = []
    var templates: [TemplateSpec] = []
    /// Every parsed document (a large file may give two); ``DomainItem/document`` indexes this.
    var documents: [(file: String, document: YAMLDocument)] = []
    /// Every file read, root first (for the reload watcher).
    var files: [String] = []
    private var stack: [String] = []
    private var loaded: Set<String> = []

    static let rootKeys = ["server", "signing", "providers", "domains", "templates", "include"]

    mutating func loadFile(_ path: String, from includer: (file: String, line: Int, path: String)?) {
        let canonical = FileSystem.canonical(path)
        if let canonical, stack.contains(canonical) {
            let chain = (stack.drop(while: { $0 != canonical }) + [canonical]).joined(separator: " -> ")
            issues.append(
                ConfigIssue(
                    file: includer?.file ?? path, line: includer?.line, keyPath: includer?.path ?? "include",
                    message: "include cycle: \(chain)"))
            return
        }
        if let canonical, loaded.contains(canonical) { return }
        switch FileSystem.read(path) {
        case .failure(let error):
            issues.append(
                ConfigIssue(
                    file: includer?.file ?? path, line: includer?.line, keyPath: includer?.path ?? "",
                    message: includer == nil ? "cannot read: \(error)" : "cannot read included file \(path): \(error)"))
        case .success(let bytes):
            loadBytes(bytes, name: path, directory: FileSystem.directory(of: path), canonical: canonical)
        }
    }

    mutating func loadBytes(_ bytes: [UInt8], name: String, directory: String, canonical: String?) {
        let isRoot = stack.isEmpty && files.isEmpty
        files.append(name)
        if let canonical {
            loaded.insert(canonical)
            stack.append(canonical)
        }
        defer { if canonical != nil { stack.removeLast() } }

        let doc: YAMLDocument
        var tails: [YAMLDocument] = []
        var tailDomains: [DomainItem] = []
        if let parts = FileCollector.parseInParallel(bytes) {
            (doc, tails) = parts
        } else {
            do {
                doc = try YAMLParser().parse(bytes)
            } catch {
                issues.append(ConfigIssue(file: name, line: error.line, keyPath: "", message: "YAML: \(error.message)"))
                return
            }
        }
        let docIndex = documents.count
        documents.append((name, doc))
        for tail in tails {
            documents.append((name, tail))
            for pair in tail.mapping(tail.root) ?? [] {
                tailDomains.append(
                    DomainItem(pattern: pair.key, line: pair.line, node: pair.value, document: documents.count - 1))
            }
        }
        let root = doc.root
        if doc.isNull(root) { return }
        let reader = NodeReader(file: name, document: doc)
        guard let pairs = reader.pairs(root, "") else {
            issues.append(contentsOf: reader.issues)
            return
        }
        reader.checkKeys(pairs, allowed: FileCollector.rootKeys, "")
        var includes: [(String, Int)] = []
        for pair in pairs {
            switch pair.key {
            case "server":
                if isRoot { server = reader.server(pair.value, "server") } else { notInInclude(reader, pair) }
            case "signing":
                if isRoot {
                    signing = reader.signing(pair.value, "signing", directory: directory)
                } else {
                    notInInclude(reader, pair)
                }
            case "providers":
                guard !doc.isNull(pair.value), let entries = reader.pairs(pair.value, "providers") else { break }
                for provider in entries {
                    let path = ConfigPath(section: "providers", name: provider.key)
                    if let entry = reader.serviceSet(provider.value, path, line: provider.line, isDomain: false) {
                        providers.append((provider.key, entry))
                    }
                }
            case "domains":
                // With a split file the head's `domains:` is empty (null); its entries are in the tails.
                defer {
                    domains += tailDomains
                    tailDomains = []
                }
                guard !doc.isNull(pair.value), let entries = reader.pairs(pair.value, "domains") else { break }
                for domain in entries {
                    domains.append(DomainItem(pattern: domain.key, line: domain.line, node: domain.value, document: docIndex))
                }
            case "templates":
                templates += reader.templates(pair.value, "templates")
            case "include":
                includes = reader.strings(pair.value, "include")
            default:
                break
            }
        }
        if let server, isRoot, let tls = server.tls {
            // Certificate paths are relative to the root file.
            var resolved = server
            resolved.tls = TLSSettings(
                listen: tls.listen,
                certificate: FileSystem.resolve(tls.certificate, relativeTo: directory),
                key: FileSystem.resolve(tls.key, relativeTo: directory))
            self.server = resolved
        }
        issues.append(contentsOf: reader.issues)

        for (index, (pattern, line)) in includes.enumerated() {
            let keyPath = includes.count == 1 ? "include" : "include[\(index)]"
            let full = FileSystem.resolve(pattern, relativeTo: directory)
            let isGlob = pattern.contains(where: { "*?[".contains($0) })
            let matches = FileSystem.glob(full)
            if matches.isEmpty && !isGlob {
                issues.append(
                    ConfigIssue(file: name, line: line, keyPath: keyPath, message: "included file \(full) does not exist"))
            }
            for match in matches {
                loadFile(match, from: (name, line, keyPath))
            }
        }
    }

    /// Parses a large file on two threads (see ``YAMLSplitter``): the part before the `domains:` block
    /// with libyaml, the block's two halves with ``FastBlockParser`` (or, when they are not of its simple
    /// shape, the head and tail of the file with libyaml). Nil: parse the file whole.
    ///
    /// - Returns: the head document, and documents each holding a mapping of further domain entries.
    static func parseInParallel(_ bytes: [UInt8]) -> (YAMLDocument, [YAMLDocument])? {
        guard let split = YAMLSplitter.locate(bytes) else { return nil }
        let fast = ParallelResults<YAMLDocument>(count: 3)
        DispatchQueue.concurrentPerform(iterations: 3) { part in
            switch part {
            case 0: fast[0] = try? YAMLParser().parse(bytes, range: 0..<split.blockStart)
            case 1:
                fast[1] = FastBlockParser.parse(
                    bytes, range: split.blockStart..<split.cut, firstLine: split.blockLine, indent: split.indent)
            default:
                fast[2] = FastBlockParser.parse(
                    bytes, range: split.cut..<bytes.count, firstLine: split.cutLine, indent: split.indent)
            }
        }
        if let head = fast[0], let first = fast[1], let second = fast[2] { return (head, [first, second]) }
        let results = ParallelResults<YAMLDocument>(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            let range = part == 0 ? 0..<split.cut : split.cut..<bytes.count
            results[part] = try? YAMLParser().parse(bytes, range: range, lineOffset: part == 0 ? 0 : split.cutLine - 1)
        }
        guard let head = results[0], let tail = results[1], tail.kind(tail.root) == .mapping else { return nil }
        return (head, [tail])
    }

    private func notInInclude(_ reader: NodeReader, _ pair: YAMLPair) {
        reader.report(pair.line, pair.key, "is only allowed in the root config file")
    }
}

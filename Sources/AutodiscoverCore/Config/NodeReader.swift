/// Reads typed values out of ``YAMLNode``s for one file, collecting every problem instead of stopping at the first.
///
/// Each reader method returns nil (and records an issue naming file, line and key path()) when a value
/// has the wrong shape, so the caller can carry on and find the next problem too.
final class NodeReader {
    let file: String
    let doc: YAMLDocument
    private(set) var issues: [ConfigIssue] = []

    init(file: String, document: YAMLDocument) {
        self.file = file
        self.doc = document
    }

    func report(_ line: Int?, _ path: @autoclosure () -> String, _ message: @autoclosure () -> String) {
        issues.append(ConfigIssue(file: file, line: line, keyPath: path(), message: message()))
    }

    func append(_ more: [ConfigIssue]) {
        issues.append(contentsOf: more)
    }

    /// The pairs of a mapping with YAML merge keys (`<<: *anchor`) applied; nil if the node is not a mapping.
    func pairs(_ node: YAMLNode, _ path: @autoclosure () -> String) -> [YAMLPair]? {
        guard let pairs = doc.mapping(node) else {
            report(doc.line(node), path(), "must be a mapping, found \(doc.shapeName(node))")
            return nil
        }
        guard pairs.contains(where: { $0.key == "<<" }) else { return pairs }
        var own = pairs.filter { $0.key != "<<" }
        var seen = Set(own.map(\.key))
        for merge in pairs where merge.key == "<<" {
            let sources = doc.sequence(merge.value) ?? [merge.value]
            for source in sources {
                guard let inherited = doc.mapping(source) else {
                    report(merge.line, path(), "a merge key (<<) takes a mapping or a list of mappings")
                    continue
                }
                for pair in inherited where !seen.contains(pair.key) {
                    own.append(pair)
                    seen.insert(pair.key)
                }
            }
        }
        return own
    }

    /// Reports keys outside `allowed` (with a did-you-mean) and keys given twice.
    ///
    /// Mappings here hold a handful of keys, so a pairwise scan beats building a set for each one.
    func checkKeys(_ pairs: [YAMLPair], allowed: [String], _ path: @autoclosure () -> String) {
        for index in pairs.indices {
            let pair = pairs[index]
            guard allowed.contains(pair.key) else {
                reportUnknown(pair, allowed: allowed, path())
                continue
            }
            if let first = pairs[..<index].first(where: { $0.key == pair.key }) {
                report(pair.line, join(path(), pair.key), "is given twice (first on line \(first.line))")
            }
        }
    }

    func reportUnknown(_ pair: YAMLPair, allowed: [String], _ path: @autoclosure () -> String) {
        var message = "unknown key"
        if let suggestion = Suggestion.closest(to: pair.key, in: allowed) {
            message += "; did you mean '\(suggestion)'?"
        } else {
            message += "; expected one of \(allowed.joined(separator: ", "))"
        }
        report(pair.line, join(path(), pair.key), message)
    }

    /// A non-empty scalar string.
    func string(_ node: YAMLNode, _ path: @autoclosure () -> String) -> String? {
        guard let text = doc.scalar(node), !doc.isNull(node) else {
            report(doc.line(node), path(), "must be a text value, found \(doc.shapeName(node))")
            return nil
        }
        guard !text.isEmpty else {
            report(doc.line(node), path(), "must not be empty")
            return nil
        }
        return text
    }

    /// An integer within `range`.
    func int(_ node: YAMLNode, _ path: @autoclosure () -> String, in range: ClosedRange<Int>) -> Int? {
        guard let text = doc.scalar(node), let value = Int(text) else {
            report(doc.line(node), path(), "must be a whole number, found \(describe(node))")
            return nil
        }
        guard range.contains(value) else {
            report(doc.line(node), path(), "must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    /// A TCP port, 1...65535.
    func port(_ node: YAMLNode, _ path: @autoclosure () -> String) -> Int? {
        int(node, path(), in: 1...65535)
    }

    /// A duration such as `10s` or `500ms`.
    func duration(_ node: YAMLNode, _ path: @autoclosure () -> String) -> Duration? {
        guard let text = doc.scalar(node), let value = DurationParser.parse(text) else {
            report(doc.line(node), path(), "must be a duration such as 10s or 500ms, found \(describe(node))")
            return nil
        }
        return value
    }

    /// A list of strings; a single string counts as a list of one.
    func strings(_ node: YAMLNode, _ path: @autoclosure () -> String) -> [(String, Int)] {
        if let items = doc.sequence(node) {
            return items.enumerated().compactMap { index, item in
                string(item, "\(path())[\(index)]").map { ($0, doc.line(item)) }
            }
        }
        return string(node, path()).map { [($0, doc.line(node))] } ?? []
    }

    /// A domain name (IDNA-normalised).
    func domainName(_ node: YAMLNode, _ path: @autoclosure () -> String) -> DomainName? {
        guard let text = string(node, path()) else { return nil }
        do {
            return try DomainName(text)
        } catch {
            report(doc.line(node), path(), "'\(text)' \(error)")
            return nil
        }
    }

    func describe(_ node: YAMLNode) -> String {
        if let text = doc.scalar(node), !doc.isNull(node) { return "'\(text)'" }
        return doc.shapeName(node)
    }

    /// `parent.key`, or just `key` at the root.
    func join(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : parent + "." + key
    }
}

/// Finds the allowed word closest to a mistyped one.
enum Suggestion {
    /// The closest candidate within an edit distance of 2 (or 1 for short words), or nil.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let lowered = word.lowercased()
        let limit = lowered.count <= 3 ? 1 : 2
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance <= limit, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

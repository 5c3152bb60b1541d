import AutodiscoverCore
import Foundation

/// An answer read as a format's reader would, flattened to fields (`path = value`) so that what a server
/// sent and what this config answers compare field by field with one reader for both sides. Paths name
/// elements and keys from the root, `[n]` numbering siblings of one name (from 1), `@` attributes.
struct AnswerFields: Sendable, Equatable {
    var fields: [(path: String, value: String)]

    static func == (a: AnswerFields, b: AnswerFields) -> Bool {
        a.fields.elementsEqual(b.fields) { $0.path == $1.path && $0.value == $1.value }
    }

    /// The value at `path`, if any.
    subscript(path: String) -> String? {
        fields.first { $0.path == path }?.value
    }

    /// Every field whose path ends in `suffix`.
    func all(endingIn suffix: String) -> [(path: String, value: String)] {
        fields.filter { $0.path.hasSuffix(suffix) }
    }

    /// Reads `body` as `format` answers are written: XML (autoconfig, POX), JSON (v2, PACC) or a property
    /// list (Apple profiles, signed ones unwrapped first).
    static func read(_ body: [UInt8], format: RendererID) throws(AnswerReadError) -> AnswerFields {
        switch format {
        case .thunderbird, .outlook, .mobilesync:
            return try XMLTree.read(body).fields()
        case .json, .pacc:
            guard let value = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
                throw AnswerReadError("not JSON")
            }
            return AnswerFields(fields: flatten(value, path: ""))
        case .mobileconfig:
            var plist = body
            if body.first == 0x30, let (content, _) = ProfileSigner.verify(body) { plist = content }
            guard let value = try? PropertyListSerialization.propertyList(from: Data(plist), options: [], format: nil) else {
                throw AnswerReadError("not a property list (or a signature that does not verify)")
            }
            return AnswerFields(fields: flatten(value, path: ""))
        default:
            throw AnswerReadError("no reader for \(format.rawValue)")
        }
    }

    /// Dictionaries by sorted key, arrays by position (from 1), scalars as text.
    private static func flatten(_ value: Any, path: String) -> [(path: String, value: String)] {
        switch value {
        case let dictionary as [String: Any]:
            return dictionary.keys.sorted().flatMap { key in
                flatten(dictionary[key]!, path: path.isEmpty ? key : "\(path).\(key)")
            }
        case let array as [Any]:
            return array.enumerated().flatMap { index, element in flatten(element, path: "\(path)[\(index + 1)]") }
        case let data as Data:
            return [(path, data.base64EncodedString())]
        default:
            return [(path, "\(value)")]
        }
    }

    /// What differs, in the order of `expected`'s fields: a changed value, a field missing, an extra one.
    /// `ignoring` names path suffixes that change per request (a POX error's time).
    func differences(from expected: AnswerFields, ignoring: [String] = ["@Time"]) -> [FieldDifference] {
        func ignored(_ path: String) -> Bool { ignoring.contains { path.hasSuffix($0) } }
        var found: [String: String] = [:]
        for field in fields where found[field.path] == nil { found[field.path] = field.value }
        var seen = Set<String>()
        var differences: [FieldDifference] = []
        for field in expected.fields where !ignored(field.path) && seen.insert(field.path).inserted {
            if found[field.path] != field.value {
                differences.append(FieldDifference(field: field.path, expected: field.value, found: found[field.path]))
            }
        }
        for field in fields where !ignored(field.path) && !seen.contains(field.path) && expected[field.path] == nil {
            seen.insert(field.path)
            differences.append(FieldDifference(field: field.path, expected: nil, found: field.value))
        }
        return differences
    }
}

/// One field that differs between what this config answers and what the server sent.
struct FieldDifference: Sendable, Encodable, Equatable, CustomStringConvertible {
    var field: String
    var expected: String?
    var found: String?

    var description: String {
        "\(field): expected \(expected.map { "'\($0)'" } ?? "nothing"), found \(found.map { "'\($0)'" } ?? "nothing")"
    }
}

/// An answer that cannot be read as its format.
struct AnswerReadError: Error, Sendable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// An XML document as a tree, read by ``SafeXMLScanner``: no DTD is accepted and nothing is fetched or
/// expanded (a document with a DOCTYPE is refused), depth and size are bounded.
final class XMLTree {
    var name: String
    var attributes: [(String, String)] = []
    var text = ""
    var children: [XMLTree] = []

    init(name: String) {
        self.name = name
    }

    static func read(_ body: [UInt8]) throws(AnswerReadError) -> XMLTree {
        var scanner = SafeXMLScanner(body)
        scanner.reportsAttributes = true
        scanner.maxDepth = 32
        scanner.maxElements = 10_000
        scanner.maxTextLength = 1 << 16
        var root: XMLTree?
        var stack: [XMLTree] = []
        do throws(SafeXMLScanner.Failure) {
            try scanner.scan { event in
                switch event {
                case .start(let name):
                    let node = XMLTree(name: String(decoding: name, as: UTF8.self))
                    if let parent = stack.last { parent.children.append(node) } else { root = node }
                    stack.append(node)
                case .attribute(let name, let value):
                    stack.last?.attributes.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
                case .text(let piece):
                    stack.last?.text += String(decoding: piece, as: UTF8.self)
                case .end:
                    stack.removeLast()
                }
            }
        } catch {
            throw AnswerReadError("not well-formed XML: \(error.reason)")
        }
        guard let root else { throw AnswerReadError("no root element") }
        return root
    }

    /// The tree's fields: element text and attributes by path; siblings of one name numbered from 1.
    func fields() -> AnswerFields {
        var fields: [(path: String, value: String)] = []
        func walk(_ node: XMLTree, _ path: String) {
            for (name, value) in node.attributes.sorted(by: { $0.0 < $1.0 }) where !name.hasPrefix("xmlns") {
                fields.append(("\(path)@\(name)", value))
            }
            let trimmed = node.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if node.children.isEmpty || !trimmed.isEmpty { fields.append((path, trimmed)) }
            var counts: [String: Int] = [:]
            for child in node.children { counts[child.name, default: 0] += 1 }
            var seen: [String: Int] = [:]
            for child in node.children {
                seen[child.name, default: 0] += 1
                let step = counts[child.name]! > 1 ? "\(child.name)[\(seen[child.name]!)]" : child.name
                walk(child, "\(path)/\(step)")
            }
        }
        walk(self, name)
        return AnswerFields(fields: fields)
    }
}

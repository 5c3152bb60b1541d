/// One problem found in a configuration, with where it is.
public struct ConfigIssue: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The file, as it was named (relative paths stay relative).
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// The dotted key path, e.g. `domains.example.com.imap.port`.
    public var keyPath: String
    /// What is wrong, in words for the person editing the file.
    public var message: String

    public init(file: String, line: Int?, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    /// `file:line: key.path: message`
    public var description: String {
        "\(file):\(line.map(String.init) ?? "?"): \(keyPath.isEmpty ? "(root)" : keyPath): \(message)"
    }
}

/// A configuration that did not validate: every problem found, in file order.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

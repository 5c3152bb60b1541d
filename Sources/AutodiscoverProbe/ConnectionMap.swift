/// Where the probe connects instead of what DNS says, as curl's `--resolve HOST:PORT:ADDR` and
/// `--connect-to HOST:PORT:ADDR:PORT` do: a deployment can be probed before DNS points at it, or on
/// loopback with unprivileged ports. The names still go into SNI, certificate checks and `Host`.
public struct ConnectionMap: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var address: String
        public var targetPort: Int
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    /// Adds `HOST:PORT:ADDR` (`--resolve`); ADDR may be an IPv6 address in brackets.
    public mutating func addResolve(_ text: String) throws(ProbeInputError) {
        let parts = try Self.split(text, count: 3, option: "--resolve", form: "HOST:PORT:ADDR")
        let port = try Self.port(parts[1], text, option: "--resolve")
        entries.append(Entry(host: parts[0].lowercased(), port: port, address: parts[2], targetPort: port))
    }

    /// Adds `HOST:PORT:ADDR:PORT` (`--connect-to`).
    public mutating func addConnectTo(_ text: String) throws(ProbeInputError) {
        let parts = try Self.split(text, count: 4, option: "--connect-to", form: "HOST:PORT:ADDR:PORT")
        entries.append(
            Entry(
                host: parts[0].lowercased(), port: try Self.port(parts[1], text, option: "--connect-to"), address: parts[2],
                targetPort: try Self.port(parts[3], text, option: "--connect-to")))
    }

    /// Where `host:port` goes, when mapped.
    public func target(host: String, port: Int) -> (address: String, port: Int)? {
        let host = host.lowercased()
        return entries.first { $0.host == host && $0.port == port }.map { ($0.address, $0.targetPort) }
    }

    /// `a:b:[::1]:c` split on colons outside brackets, brackets removed.
    private static func split(_ text: String, count: Int, option: String, form: String) throws(ProbeInputError) -> [String] {
        var parts: [String] = [""]
        var bracket = false
        for character in text {
            switch character {
            case "[": bracket = true
            case "]": bracket = false
            case ":" where !bracket: parts.append("")
            default: parts[parts.count - 1].append(character)
            }
        }
        guard parts.count == count, parts.allSatisfy({ !$0.isEmpty }) else {
            throw ProbeInputError("\(option) '\(text)' is not \(form)")
        }
        return parts
    }

    private static func port(_ text: String, _ whole: String, option: String) throws(ProbeInputError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw ProbeInputError("\(option) '\(whole)': '\(text)' is not a port")
        }
        return port
    }
}

/// A probe's input the user must fix (exit 2).
public struct ProbeInputError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

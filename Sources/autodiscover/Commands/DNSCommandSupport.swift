import ArgumentParser
import AutodiscoverCore

/// What `dns records` and `dns check` do alike: load the configuration, set up the planner, write JSON.
enum DNSCommandSupport {
    /// The configuration's planner; exits 2 with the configuration's problems or a bad service host.
    static func planner(_ global: GlobalOptions, _ selection: DNSSelection, ttl: Int = 3600) throws -> DNSPlanner {
        let config = try global.loadConfiguration(failure: 2)
        var serviceHost: DomainName?
        if let text = selection.serviceHost {
            do {
                serviceHost = try DomainName(text)
            } catch {
                printError("error: --service-host '\(text)': \(error)")
                throw ExitCode(2)
            }
        }
        return DNSPlanner(config: config, serviceHost: serviceHost, ttl: ttl)
    }

    /// The configuration's name for headers: its path, or the built-in example's name.
    static func source(_ global: GlobalOptions) -> String {
        ConfigLoader.defaultPath(global.config) ?? DefaultConfiguration.name
    }
}

/// A JSON string literal.
enum JSONText {
    static func quoted(_ text: String) -> String {
        var json = JSONWriter()
        json.string(text)
        return json.text
    }
}

/// Standard output through one buffer, written out each megabyte (large zones are written in pieces).
struct OutputBuffer {
    private var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 20) }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        if bytes.count >= 1 << 20 { flush() }
    }

    mutating func flush() {
        writeStandardOutput(bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}

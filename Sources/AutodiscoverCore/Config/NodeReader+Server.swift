extension NodeReader {
    /// Reads `server:`; missing keys keep their defaults.
    func server(_ node: YAMLNode, _ path: @autoclosure () -> String) -> ServerSettings? {
        var settings = ServerSettings()
        if doc.isNull(node) { return settings }
        guard let pairs = pairs(node, path()) else { return nil }
        checkKeys(pairs, allowed: ["listen", "tls", "trusted_proxies", "limits", "public_host", "dns", "threads"], path())
        for pair in pairs {
            switch pair.key {
            case "listen":
                if let address = listenAddress(pair.value, join(path(), pair.key)) { settings.listen = address }
            case "tls":
                settings.tls = tls(pair.value, join(path(), pair.key))
            case "trusted_proxies":
                var ranges: [CIDRRange] = []
                for (text, line) in strings(pair.value, join(path(), pair.key)) {
                    if let range = CIDRRange(parsing: text) {
                        ranges.append(range)
                    } else {
                        report(line, join(path(), pair.key), "'\(text)' is not an IP address or CIDR range")
                    }
                }
                settings.trustedProxies = ranges
            case "limits":
                limits(pair.value, join(path(), pair.key), into: &settings.limits)
            case "dns":
                dns(pair.value, join(path(), pair.key), into: &settings.dns)
            case "threads":
                if let value = int(pair.value, join(path(), pair.key), in: 1...256) { settings.threads = value }
            case "public_host":
                guard let text = string(pair.value, join(path(), pair.key)) else { break }
                do {
                    settings.publicHost = try DomainName(text)
                } catch {
                    report(doc.line(pair.value), join(path(), pair.key), "'\(text)' is not a valid host name: \(error)")
                }
            default:
                break
            }
        }
        return settings
    }

    private func listenAddress(_ node: YAMLNode, _ path: @autoclosure () -> String) -> ListenAddress? {
        guard let text = string(node, path()) else { return nil }
        guard let address = ListenAddress(parsing: text) else {
            report(doc.line(node), path(), "must be HOST:PORT (IPv6 as [::1]:8080), found '\(text)'")
            return nil
        }
        return address
    }

    private func tls(_ node: YAMLNode, _ path: @autoclosure () -> String) -> TLSSettings? {
        guard let pairs = pairs(node, path()) else { return nil }
        checkKeys(pairs, allowed: ["listen", "certificate", "key"], path())
        var listen: ListenAddress?
        var certificate: String?
        var key: String?
        for pair in pairs {
            switch pair.key {
            case "listen": listen = listenAddress(pair.value, join(path(), pair.key))
            case "certificate": certificate = string(pair.value, join(path(), pair.key))
            case "key": key = string(pair.value, join(path(), pair.key))
            default: break
            }
        }
        for (name, value) in [("listen", listen as Any?), ("certificate", certificate), ("key", key)] where value == nil {
            if !pairs.contains(where: { $0.key == name }) { report(doc.line(node), join(path(), name), "is required") }
        }
        guard let listen, let certificate, let key else { return nil }
        return TLSSettings(listen: listen, certificate: certificate, key: key)
    }

    private func limits(_ node: YAMLNode, _ path: @autoclosure () -> String, into limits: inout Limits) {
        guard let pairs = pairs(node, path()) else { return }
        checkKeys(
            pairs,
            allowed: [
                "max_body_bytes", "header_timeout", "idle_timeout", "request_timeout", "max_connections",
                "max_concurrent_streams", "max_uri_bytes", "max_header_bytes",
            ], path())
        for pair in pairs {
            switch pair.key {
            case "max_body_bytes":
                if let value = int(pair.value, join(path(), pair.key), in: 256...(64 << 20)) { limits.maxBodyBytes = value }
            case "max_uri_bytes":
                if let value = int(pair.value, join(path(), pair.key), in: 256...(1 << 20)) { limits.maxURIBytes = value }
            case "max_header_bytes":
                if let value = int(pair.value, join(path(), pair.key), in: 1024...(1 << 20)) { limits.maxHeaderBytes = value }
            case "header_timeout":
                if let value = duration(pair.value, join(path(), pair.key)) { limits.headerTimeout = value }
            case "idle_timeout":
                if let value = duration(pair.value, join(path(), pair.key)) { limits.idleTimeout = value }
            case "request_timeout":
                if let value = duration(pair.value, join(path(), pair.key)) { limits.requestTimeout = value }
            case "max_connections":
                if let value = int(pair.value, join(path(), pair.key), in: 1...1_000_000) { limits.maxConnections = value }
            case "max_concurrent_streams":
                if let value = int(pair.value, join(path(), pair.key), in: 1...10_000) { limits.maxConcurrentStreams = value }
            default:
                break
            }
        }
    }

    private func dns(_ node: YAMLNode, _ path: @autoclosure () -> String, into dns: inout DNSSettings) {
        if doc.isNull(node) { return }
        guard let pairs = pairs(node, path()) else { return }
        checkKeys(pairs, allowed: ["nameservers", "timeout", "min_ttl", "max_ttl", "parallel"], path())
        var minLine: Int?
        for pair in pairs {
            switch pair.key {
            case "nameservers":
                var servers: [String] = []
                for (text, line) in strings(pair.value, join(path(), pair.key)) {
                    if NameserverAddress.isValid(text) {
                        servers.append(text)
                    } else {
                        report(line, join(path(), pair.key), "'\(text)' is not HOST or HOST:PORT (IPv6 as [::1]:53)")
                    }
                }
                dns.nameservers = servers
            case "timeout":
                if let value = duration(pair.value, join(path(), pair.key)) {
                    if value < .milliseconds(10) || value > .seconds(60) {
                        report(doc.line(pair.value), join(path(), pair.key), "must be between 10ms and 60s")
                    } else {
                        dns.timeout = value
                    }
                }
            case "min_ttl":
                if let value = duration(pair.value, join(path(), pair.key)) {
                    dns.minTTL = value
                    minLine = doc.line(pair.value)
                }
            case "max_ttl":
                if let value = duration(pair.value, join(path(), pair.key)) { dns.maxTTL = value }
            case "parallel":
                if let value = int(pair.value, join(path(), pair.key), in: 1...1024) { dns.parallel = value }
            default:
                break
            }
        }
        if dns.minTTL < .seconds(1) {
            report(minLine ?? doc.line(node), join(path(), "min_ttl"), "must be at least 1s")
        } else if dns.maxTTL < dns.minTTL {
            report(doc.line(node), join(path(), "max_ttl"), "must not be less than min_ttl")
        }
    }

    /// Reads `signing:`; file paths are resolved against the config file's folder and must exist.
    func signing(_ node: YAMLNode, _ path: @autoclosure () -> String, directory: String) -> SigningSettings? {
        if doc.isNull(node) { return nil }
        guard let pairs = pairs(node, path()) else { return nil }
        checkKeys(pairs, allowed: ["certificate", "key", "chain"], path())
        var files: [String: String] = [:]
        for pair in pairs {
            guard let text = string(pair.value, join(path(), pair.key)) else { continue }
            let full = FileSystem.resolve(text, relativeTo: directory)
            if !FileSystem.exists(full) {
                report(doc.line(pair.value), join(path(), pair.key), "file \(full) does not exist")
                continue
            }
            files[pair.key] = full
        }
        for name in ["certificate", "key"] where !pairs.contains(where: { $0.key == name }) {
            report(doc.line(node), join(path(), name), "is required")
        }
        guard let certificate = files["certificate"], let key = files["key"] else { return nil }
        return SigningSettings(certificate: certificate, key: key, chain: files["chain"], file: file, line: doc.line(node))
    }

    /// Reads `templates:`: a list of operator-defined renderers, each a mapping with a `name`.
    func templates(_ node: YAMLNode, _ path: @autoclosure () -> String) -> [TemplateSpec] {
        if doc.isNull(node) { return [] }
        guard let items = doc.sequence(node) else {
            report(doc.line(node), path(), "must be a list, found \(doc.shapeName(node))")
            return []
        }
        var specs: [TemplateSpec] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path())[\(index)]"
            guard let pairs = pairs(item, itemPath) else { continue }
            let name = pairs.first(where: { $0.key == "name" }).flatMap { string($0.value, join(itemPath, "name")) }
            if name == nil, !pairs.contains(where: { $0.key == "name" }) {
                report(doc.line(item), join(itemPath, "name"), "is required")
            }
            if let name { specs.append(TemplateSpec(name: name, file: file, line: doc.line(item), document: doc, node: item)) }
        }
        return specs
    }
}

/// An operator-defined template as written; its fields are checked by the template renderer.
public struct TemplateSpec: Sendable {
    public var name: String
    public var file: String
    public var line: Int
    public var document: YAMLDocument
    public var node: YAMLNode
}

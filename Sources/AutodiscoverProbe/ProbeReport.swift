import Foundation

/// What a probe found: per client, each step and the client's verdict.
public struct ProbeReport: Sendable, Encodable {
    public var address: String
    public var domain: String
    /// Whether the answers were compared with a configuration (`--config`).
    public var compared: Bool
    public var clients: [ClientReport]

    /// 0 when every step and client passed (warnings allowed), 1 when any failed.
    public var exitCode: Int32 {
        clients.contains { $0.verdict == .fail || $0.steps.contains { $0.verdict == .fail } } ? 1 : 0
    }
}

/// PASS, WARN, FAIL or SKIP.
public enum ProbeVerdict: String, Sendable, Encodable {
    case pass = "PASS"
    /// Not there, and the client moves on (a 404, no SRV record, a refused connection).
    case warn = "WARN"
    /// Wrong: an invalid certificate, an unreadable answer, settings that differ from the config.
    case fail = "FAIL"
    /// Not tried (nothing to try: no SRV target).
    case skip = "SKIP"
}

/// One client's lookups in its order.
public struct ClientReport: Sendable, Encodable {
    public var client: String
    public var steps: [StepReport]
    /// The step (from 1) whose answer the client takes, if any.
    public var stopsAt: Int?
    public var verdict: ProbeVerdict
    /// What the client would then configure, one line a server.
    public var configures: [String]
}

/// One lookup step: a DNS question or an HTTP request, and what each stage of it showed.
public struct StepReport: Sendable, Encodable {
    /// What the client does, e.g. `GET https://autoconfig.example.com/mail/config-v1.1.xml?…`.
    public var step: String
    public var verdict: ProbeVerdict
    /// Why it is not PASS (or, for a PASS, a note such as a redirect's target).
    public var reason: String?
    /// The addresses the name resolved to (or the mapping that replaced DNS), or the records found.
    public var dns: String?
    /// The TLS connection: where to, ALPN, certificate names and days left.
    var tls: TLSInspector.Facts?
    public var status: Int?
    public var milliseconds: Double?
    /// Fields that differ from what the configuration answers.
    var differences: [FieldDifference] = []
    /// The client takes this answer and stops here.
    public var usable = false
    var configures: [String] = []

    init(step: String, verdict: ProbeVerdict, reason: String? = nil, dns: String? = nil) {
        self.step = step
        self.verdict = verdict
        self.reason = reason
        self.dns = dns
    }

    enum CodingKeys: String, CodingKey {
        case step, verdict, reason, dns, tls, status, milliseconds, differences, usable
    }
}

extension ProbeReport {
    /// The short table: per client one line a step, the reason on failure, then the verdict line.
    public var text: String {
        var lines: [String] = ["probe \(address) (domain \(domain))" + (compared ? ", compared with the configuration" : "")]
        for client in clients {
            lines.append("")
            lines.append(client.client)
            for (index, step) in client.steps.enumerated() {
                var line =
                    "  \(index + 1). \(step.verdict.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0))  \(step.step)"
                var facts: [String] = []
                if let dns = step.dns { facts.append("dns \(dns)") }
                if let tls = step.tls {
                    var text = "tls \(tls.address)"
                    if let alpn = tls.alpn { text += " alpn \(alpn)" }
                    if let days = tls.daysLeft { text += ", certificate \(days) days left" }
                    facts.append(text)
                }
                if let status = step.status { facts.append("HTTP \(status)") }
                if let milliseconds = step.milliseconds { facts.append(String(format: "%.1f ms", milliseconds)) }
                if !facts.isEmpty { line += "  [" + facts.joined(separator: "; ") + "]" }
                lines.append(line)
                if let reason = step.reason { lines.append("        \(reason)") }
                for difference in step.differences { lines.append("        \(difference)") }
            }
            if let stop = client.stopsAt {
                lines.append("  => \(client.verdict.rawValue): stops at step \(stop) and configures:")
                for server in client.configures { lines.append("     \(server)") }
            } else {
                lines.append("  => \(client.verdict.rawValue): no step gives the client its settings")
            }
        }
        let failed = clients.filter { $0.verdict == .fail }.map(\.client)
        let failedSteps = clients.flatMap { client in client.steps.filter { $0.verdict == .fail }.map { _ in client.client } }
        lines.append("")
        if failed.isEmpty && failedSteps.isEmpty {
            lines.append("verdict: PASS (\(clients.count) client\(clients.count == 1 ? "" : "s"))")
        } else {
            let names = Array(Set(failed + failedSteps)).sorted()
            lines.append("verdict: FAIL (\(names.joined(separator: ", ")))")
        }
        return lines.joined(separator: "\n")
    }
}

import ArgumentParser
import AutodiscoverCore
import AutodiscoverDNS

#if canImport(Glibc)
import Glibc
#endif

struct DNSCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Ask DNS for every record `dns records` implies and compare.",
        discussion: """
            Reports per domain and owner PASS, MISSING (no such name or no records of the type), DRIFT \
            (something else is there: expected and found are printed) or ERROR (no answer). An SRV RRset may \
            hold extra values (reported, not drift); SRV values match on port and target, with priorities in the \
            configured order; a CNAME where SRV or TXT records belong is drift; PACC TXT records pass when any \
            holds the digest of the document the server sends. Exit 0 when everything matches, 1 when \
            anything is missing or drifted, 2 on a configuration, input or DNS failure. Questions go out in \
            parallel (--parallel), each bounded by --timeout; when the nameservers answer none of 32 questions \
            in a row, the rest fail at once.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: DNSSelection

    @Option(
        name: .customLong("nameserver"),
        help: ArgumentHelp(
            "A nameserver to ask, HOST[:PORT] or [V6]:PORT (repeatable); default the system's.", valueName: "host[:port]"))
    var nameservers: [String] = []

    @Option(help: "How long one question may take (500ms, 5s, …).")
    var timeout: String = "5s"

    @Option(help: "Questions in flight at once.")
    var parallel: Int = 64

    @Option(help: "text or json.")
    var format: Format = .text

    func run() async throws {
        guard let timeout = DurationParser.parse(self.timeout), timeout > .zero else {
            printError("error: --timeout '\(self.timeout)' is not a duration (500ms, 5s, 1m)")
            throw ExitCode(2)
        }
        guard parallel >= 1 else {
            printError("error: --parallel must be at least 1")
            throw ExitCode(2)
        }
        let planner = try DNSCommandSupport.planner(global, selection)
        let names: [DomainName]
        let resolver: DNSResolver
        do {
            names = try planner.names(selection.domains)
            resolver = try DNSResolver(nameservers: nameservers, timeout: timeout)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        var plans: [(records: DomainRecords, expectations: [DomainRecords.Expectation])] = []
        var questions: [DNSQuestion] = []
        for name in names {
            guard let records = planner.records(for: name) else { continue }
            let expectations = records.expectations
            plans.append((records, expectations))
            questions.append(contentsOf: expectations.map { DNSQuestion(name: $0.owner, type: $0.type) })
        }

        let started = ContinuousClock.now
        let onTerminal = isatty(2) == 1
        let answers = resolver.resolve(questions, parallel: parallel) { answered in
            guard onTerminal else { return }
            printProgress("\rdns check: \(answered) of \(questions.count) questions answered")
        }
        let elapsed = ContinuousClock.now - started
        if onTerminal { printProgress("\r\u{1B}[K") }

        var counts: [DNSVerdict.Status: Int] = [:]
        var output = OutputBuffer()
        var position = 0
        if format == .json { output.append("{\n  \"domains\": [") }
        for (index, plan) in plans.enumerated() {
            let verdicts = plan.expectations.map { expectation -> DNSVerdict in
                defer { position += 1 }
                return DNSVerdict.compare(expectation, with: answers[position])
            }
            for verdict in verdicts { counts[verdict.status, default: 0] += 1 }
            switch format {
            case .text: output.append(Self.text(plan.records, verdicts))
            case .json:
                output.append(index == 0 ? "\n" : ",\n")
                output.append(Self.json(plan.records, verdicts))
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(questions.count) / seconds) : questions.count
        let tally = DNSVerdict.Status.allCases.map { "\(counts[$0, default: 0]) \($0.rawValue)" }.joined(separator: ", ")
        let summary =
            "\(plans.count) domain\(plans.count == 1 ? "" : "s"), \(questions.count) owners: \(tally); \(questions.count) questions in \(decimal(seconds, places: 2)) s (\(rate) a second)"
        switch format {
        case .text: output.append("dns check: \(summary)\n")
        case .json:
            output.append("\n  ],\n  \"summary\": {")
            output.append(
                DNSVerdict.Status.allCases.map { "\"\($0.rawValue.lowercased())\": \(counts[$0, default: 0])" }.joined(
                    separator: ", "))
            output.append(", \"questions\": \(questions.count), \"seconds\": \(decimal(seconds, places: 3))}\n}\n")
        }
        output.flush()
        let code: Int32 =
            counts[.error, default: 0] > 0 ? 2 : (counts[.missing, default: 0] + counts[.drift, default: 0] > 0 ? 1 : 0)
        flushAndExit(code)
    }

    /// One domain's block: its name, then a line per owner; a domain whose every question failed alike
    /// gets one line.
    static func text(_ records: DomainRecords, _ verdicts: [DNSVerdict]) -> String {
        var text = "\(records.note)\n"
        if verdicts.count > 1, verdicts.allSatisfy({ $0.status == .error }) {
            var reasons: [String] = []
            for verdict in verdicts where !reasons.contains(verdict.detail) { reasons.append(verdict.detail) }
            return text + "  ERROR    all \(verdicts.count) questions: \(reasons.joined(separator: "; "))\n"
        }
        for verdict in verdicts {
            let status = verdict.status.rawValue + String(repeating: " ", count: 8 - verdict.status.rawValue.count)
            let expected = verdict.expected.map(\.description).joined(separator: ", ")
            let found = verdict.found.isEmpty ? "nothing" : verdict.found.joined(separator: ", ")
            text += "  \(status) \(verdict.owner) \(verdict.type.rawValue) "
            switch verdict.status {
            case .pass: text += expected + (verdict.detail.isEmpty ? "" : " (\(verdict.detail))")
            case .missing: text += "expected \(expected); \(verdict.detail)"
            case .drift: text += "expected \(expected); found \(found) (\(verdict.detail))"
            case .error: text += verdict.detail
            }
            text += "\n"
        }
        return text
    }

    /// One domain as a JSON object on one line.
    static func json(_ records: DomainRecords, _ verdicts: [DNSVerdict]) -> String {
        var json = JSONWriter()
        json.beginObject()
        json.field("domain", records.domain.ascii)
        json.key("owners")
        json.beginArray()
        for verdict in verdicts {
            json.beginObject()
            json.field("name", verdict.owner)
            json.field("type", verdict.type.rawValue)
            json.field("status", verdict.status.rawValue)
            json.key("expected")
            json.beginArray()
            for value in verdict.expected { json.string(value.description) }
            json.endArray()
            json.key("found")
            json.beginArray()
            for value in verdict.found { json.string(value) }
            json.endArray()
            if !verdict.detail.isEmpty { json.field("detail", verdict.detail) }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.text
    }
}

/// Writes to standard error without a newline (a progress line on a terminal).
private func printProgress(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// `value` with `places` digits after the point, rounded (no Foundation here).
func decimal(_ value: Double, places: Int) -> String {
    var scale = 1
    for _ in 0..<places { scale *= 10 }
    let scaled = Int((value * Double(scale)).rounded())
    let fraction = String(scaled % scale)
    return "\(scaled / scale)." + String(repeating: "0", count: places - fraction.count) + fraction
}

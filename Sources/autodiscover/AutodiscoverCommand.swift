import ArgumentParser

@main
struct AutodiscoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autodiscover",
        abstract: "Tells mail, calendar and chat clients where their servers are.",
        discussion: """
            Answers Outlook (POX and v2 JSON), ActiveSync, Thunderbird autoconfig, PACC and Apple profile \
            requests for every domain in a YAML config. Without --config the file ./config.yaml is used, or the \
            built-in example when there is none.
            """,
        version: AutodiscoverVersion.current,
        subcommands: [Serve.self, Check.self, Render.self, DNS.self, Probe.self]
    )
}

enum AutodiscoverVersion {
    static let current = "0.1.0"
}

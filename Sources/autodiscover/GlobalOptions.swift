import ArgumentParser

/// Flags every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: "The YAML configuration file. Default: ./config.yaml, or the built-in example when it is missing.")
    var config: String?
}

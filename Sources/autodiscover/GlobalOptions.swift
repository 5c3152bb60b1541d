import ArgumentParser
import AutodiscoverCore
import AutodiscoverTemplates

/// Flags every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: "The YAML configuration file. Default: ./config.yaml, or the built-in example when it is missing.")
    var config: String?

    /// The configuration `--config` names (or the default); on problems prints each to standard error
    /// and exits with `failure`.
    func loadConfiguration(failure: Int32 = 1) throws -> Configuration {
        let loaded: Configuration
        do {
            loaded = try ConfigLoader().load(pathOrDefault: config)
        } catch {
            for issue in error.issues { printError(issue.description) }
            throw ExitCode(failure)
        }
        // Templates are checked like the rest: a missing file, a syntax error, an unknown variable.
        let compiled = TemplateCompiler.compile(loaded)
        if !compiled.issues.isEmpty {
            for issue in compiled.issues { printError(issue.description) }
            throw ExitCode(failure)
        }
        return loaded
    }
}

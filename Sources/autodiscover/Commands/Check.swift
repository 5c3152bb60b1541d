import ArgumentParser
import AutodiscoverCore
import AutodiscoverTemplates

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a configuration file and everything it includes.",
        discussion: "Prints every problem as file:line: key.path: message and exits 1, or prints a summary and exits 0."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(name: .shortAndLong, help: "Print nothing when the configuration is valid.")
    var quiet = false

    func run() async throws {
        do {
            let config = try ConfigLoader().load(pathOrDefault: global.config)
            let templates = TemplateCompiler.compile(config)
            if !templates.issues.isEmpty {
                for issue in templates.issues { print(issue) }
                throw ExitCode(1)
            }
            if !quiet {
                let source = ConfigLoader.defaultPath(global.config) ?? DefaultConfiguration.name
                print("\(source): OK: \(config.domains.count) domains, \(config.nameCount) names, \(config.files.count) files")
                for notice in config.notices { print("\(source): note: \(notice)") }
            }
            // Nothing is left to do: skip tearing down a large configuration value by value.
            flushAndExit(0)
        } catch let error as ConfigError {
            for issue in error.issues { print(issue) }
            throw ExitCode(1)
        }
    }
}

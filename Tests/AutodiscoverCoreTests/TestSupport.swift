import AutodiscoverCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Test helpers: fixture paths and temporary files.
enum TestSupport {
    /// `Tests/AutodiscoverCoreTests`, found from this file's path.
    static let testsDirectory: String = {
        let file = "\(#filePath)"
        return String(file[..<file.lastIndex(of: "/")!])
    }()

    static func fixture(_ relative: String) -> String { testsDirectory + "/Fixtures/" + relative }

    /// The repository root.
    static let repositoryRoot: String = {
        var path = testsDirectory
        for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    /// Writes `text` to a new temporary file and returns its path.
    static func temporaryFile(_ text: String, name: String = "config.yaml") -> String {
        var template = Array("/tmp/autodiscover-test-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        let path = directory + "/" + name
        let file = fopen(path, "w")!
        fputs(text, file)
        fclose(file)
        return path
    }

    /// Compares `text` with the golden file at `relative` (under `Golden/`); with `RECORD_GOLDEN` set,
    /// writes it instead and records an issue, so that a recording never passes by accident.
    static func matchesGolden(_ text: String, _ relative: String) throws {
        let path = "\(testsDirectory)/Golden/\(relative)"
        if getenv("RECORD_GOLDEN") != nil {
            let folder = String(path[..<path.lastIndex(of: "/")!])
            mkdir(folder, 0o755)
            let file = fopen(path, "w")
            fputs(text, file)
            fclose(file)
            Issue.record("recorded \(path); run again without RECORD_GOLDEN")
            return
        }
        let expected = try FileSystem.read(path).get()
        #expect(String(decoding: expected, as: UTF8.self) == text, "differs from \(path)")
    }

    /// Loads a YAML text as a config file; the issues it has, or the configuration.
    static func load(_ text: String) -> Result<Configuration, ConfigError> {
        let path = temporaryFile(text)
        do {
            return .success(try ConfigLoader().load(path: path))
        } catch {
            return .failure(error)
        }
    }
}

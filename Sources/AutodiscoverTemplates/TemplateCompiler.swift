import AutodiscoverCore
import Foundation
import Mustache

/// Turns the `templates:` entries of a configuration into renderers, checking at load what a request must
/// never find out: a missing file, a syntax error, an unknown variable, a route another format or template
/// answers. Each problem names the file and line at fault; any problem fails the load (a reload keeps the
/// running configuration).
public enum TemplateCompiler {
    static let keys = ["name", "path", "content_type", "file", "escaping", "address", "not_found"]

    /// The content types registered with Mustache for our escaping modes (once per process).
    static let contentTypes: Void = {
        for (name, escaping) in [("AD_XML", Escaping.xml), ("AD_HTML", .html), ("AD_JSON", .json), ("AD_NONE", .none)] {
            MustacheContentTypes.register(EscapingContentType(escaping: escaping), named: name)
        }
    }()

    /// The templates of a loaded configuration: each entry's files are found beside the YAML file it is
    /// written in (``folder(of:fallback:)``).
    public static func compile(_ config: Configuration) -> (renderers: [any Renderer], issues: [ConfigIssue]) {
        compile(config.templates, directory: ".")
    }

    public static func compile(_ specs: [TemplateSpec], directory: String) -> (renderers: [any Renderer], issues: [ConfigIssue]) {
        _ = contentTypes
        var renderers: [TemplateRenderer] = []
        var issues: [ConfigIssue] = []
        var taken: [(route: RouteSpec, owner: String, pattern: String?)] = RendererRegistry.standard.renderers.flatMap {
            renderer in renderer.routes.map { ($0, "the \(renderer.id.rawValue) format", nil) }
        }
        taken += ["/healthz", "/readyz", "/metrics"].map { (RouteSpec(["GET"], $0), "the operations endpoint \($0)", nil) }
        // Files that are templates of their own are compiled (and their problems reported) once, not again
        // as partials of the templates beside them.
        let configured = Set(
            specs.compactMap { spec -> String? in
                guard let pairs = spec.document.mapping(spec.node), let file = pairs.first(where: { $0.key == "file" }),
                    let text = spec.document.scalar(file.value)
                else { return nil }
                return FileSystem.resolve(text, relativeTo: folder(of: spec, fallback: directory))
            })
        for (index, spec) in specs.enumerated() {
            let path = "templates[\(index)]"
            func problem(_ line: Int?, _ key: String, _ message: String, file: String? = nil) {
                issues.append(
                    ConfigIssue(
                        file: file ?? spec.file, line: line, keyPath: key.isEmpty ? path : "\(path).\(key)", message: message))
            }
            guard let settings = settings(spec, directory: directory, problem: problem) else { continue }
            let route = RouteSpec(["GET", "HEAD"], settings.routePrefix, prefix: settings.addressInPath)
            if let clash = taken.first(where: { collide($0.route, route, $0.pattern, settings.path.lowercased()) }) {
                problem(spec.line, "path", "\(settings.path) is already answered by \(clash.owner)")
                continue
            }
            if renderers.contains(where: { $0.id.rawValue == settings.name })
                || RendererRegistry.standard[RendererID(rawValue: settings.name)] != nil
            {
                problem(spec.line, "name", "\(settings.name) is already a format's name")
                continue
            }
            guard let renderer = compile(settings, configured: configured, problem: problem) else { continue }
            taken.append((route, "template \(settings.name)", settings.path.lowercased()))
            renderers.append(renderer)
        }
        return (renderers, issues)
    }

    /// Template files are relative to the YAML file the entry is written in (an include's own folder);
    /// `fallback` when that file is not on disk (the built-in configuration).
    static func folder(of spec: TemplateSpec, fallback: String) -> String {
        guard FileManager.default.fileExists(atPath: spec.file) else { return fallback }
        let written = (spec.file as NSString).deletingLastPathComponent
        return written.isEmpty ? "." : written
    }

    /// Two routes one request could match. A route with `{email}` (`pattern`, else nil) matches only paths
    /// with its text before and after one segment; others by their path, or as a prefix.
    static func collide(_ a: RouteSpec, _ b: RouteSpec, _ aPattern: String?, _ bPattern: String) -> Bool {
        func matches(_ path: String, _ pattern: String) -> Bool {
            guard let range = pattern.range(of: "{email}") else { return path == pattern }
            let before = pattern[..<range.lowerBound]
            let after = pattern[range.upperBound...]
            guard path.hasPrefix(before), path.hasSuffix(after), path.count > before.count + after.count else { return false }
            return !path.dropFirst(before.count).dropLast(after.count).contains("/")
        }
        let bHasAddress = bPattern.contains("{email}")
        switch (a.isPrefix, bHasAddress) {
        case (false, false): return a.path == b.path
        case (false, true): return matches(a.path, bPattern)
        case (true, false):
            if let aPattern { return matches(b.path, aPattern) }
            return b.path.hasPrefix(a.path)
        case (true, true):
            if let aPattern { return aPattern == bPattern }
            return b.path.hasPrefix(a.path) || a.path.hasPrefix(b.path)
        }
    }

    private static func settings(
        _ spec: TemplateSpec, directory: String, problem: (Int?, String, String, String?) -> Void
    ) -> TemplateSettings? {
        let doc = spec.document
        guard let pairs = doc.mapping(spec.node) else { return nil }
        var values: [String: (String, Int)] = [:]
        for pair in pairs {
            guard keys.contains(pair.key) else {
                problem(pair.line, pair.key, "unknown key; use \(keys.joined(separator: ", "))", nil)
                continue
            }
            guard let text = doc.scalar(pair.value), !doc.isNull(pair.value) else {
                problem(pair.line, pair.key, "must be text", nil)
                continue
            }
            values[pair.key] = (text, pair.line)
        }
        var valid = true
        for key in ["path", "content_type", "file"] where values[key] == nil {
            problem(spec.line, key, "is required", nil)
            valid = false
        }
        let name = spec.name
        if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
            problem(spec.line, "name", "'\(name)' must be letters, digits, - and _", nil)
            valid = false
        }
        if let (path, line) = values["path"] {
            let segments = path.split(separator: "/", omittingEmptySubsequences: false)
            if !path.hasPrefix("/") {
                problem(line, "path", "must start with /", nil)
                valid = false
            } else if path.components(separatedBy: "{email}").count > 2
                || (path.contains("{email}") && !segments.contains("{email}"))
            {
                problem(line, "path", "{email} may stand once, as a whole path segment", nil)
                valid = false
            } else if path.contains("{") && !path.contains("{email}") {
                problem(line, "path", "the only placeholder is {email}", nil)
                valid = false
            }
        }
        var escaping = values["content_type"].map { TemplateSettings.escaping(for: $0.0) } ?? .none
        if let (text, line) = values["escaping"] {
            switch text {
            case "xml": escaping = .xml
            case "html": escaping = .html
            case "json": escaping = .json
            case "none": escaping = .none
            default:
                problem(line, "escaping", "'\(text)' is not one of xml, html, json, none", nil)
                valid = false
            }
        }
        var address = TemplateSettings.AddressSource.optional
        if let (text, line) = values["address"] {
            if let source = TemplateSettings.AddressSource(rawValue: text) {
                address = source
            } else {
                problem(line, "address", "'\(text)' is not one of required, optional, none", nil)
                valid = false
            }
        }
        guard valid, let (path, _) = values["path"], let (contentType, _) = values["content_type"], let (file, _) = values["file"]
        else { return nil }
        let directory = folder(of: spec, fallback: directory)
        return TemplateSettings(
            name: name, path: path, contentType: contentType, file: FileSystem.resolve(file, relativeTo: directory),
            escaping: escaping, address: address,
            notFoundFile: values["not_found"].map { FileSystem.resolve($0.0, relativeTo: directory) }, configFile: spec.file,
            line: spec.line)
    }

    private static func compile(
        _ settings: TemplateSettings, configured: Set<String>, problem: (Int?, String, String, String?) -> Void
    ) -> TemplateRenderer? {
        let prefix = "{{% CONTENT_TYPE: \(contentTypeName(settings.escaping)) }}"
        func load(_ file: String, key: String) -> (MustacheTemplate, String)? {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                problem(settings.line, key, "\(file): no such readable file", nil)
                return nil
            }
            do {
                return (try MustacheTemplate(string: prefix + text), text)
            } catch let error as MustacheTemplate.ParserError {
                problem(error.context.lineNumber, "", describe(error.error), file)
                return nil
            } catch {
                problem(1, "", "\(error)", file)
                return nil
            }
        }
        guard let (template, source) = load(settings.file, key: "file") else { return nil }
        var notFound: (MustacheTemplate, String)?
        if let file = settings.notFoundFile {
            guard let loaded = load(file, key: "not_found") else { return nil }
            notFound = loaded
        }
        // Partials: the other `.mustache` files beside the template, by name without the extension.
        var library = MustacheLibrary()
        let folder = (settings.file as NSString).deletingLastPathComponent
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where entry.hasSuffix(".mustache") {
            let file = (folder as NSString).appendingPathComponent(entry)
            guard file != settings.file, !configured.contains(file), file != settings.notFoundFile,
                let (partial, _) = load(file, key: "file")
            else { continue }
            library.register(partial, named: String(entry.dropLast(".mustache".count)))
        }
        let renderer = TemplateRenderer(settings: settings, template: template, notFound: notFound?.0, library: library)
        // Every name the template looks up must be one it can have: rendered for a domain with every
        // service, with and without an address.
        for (checked, text, file, domainContext) in [(template, source, settings.file, true)]
            + (notFound.map { [($0.0, $0.1, settings.notFoundFile!, false)] } ?? [])
        {
            let recorder = NameRecorder()
            for hasAddress in [true, false] {
                let context =
                    domainContext
                    ? TemplateContext.domain(sampleDomain, hasAddress: hasAddress, recorder: recorder)
                    : TemplateContext.noDomain(hasAddress: hasAddress, recorder: recorder)
                _ = checked.render(context.root, library: library)
            }
            for name in recorder.unknown {
                problem(
                    line(of: name, in: text), "",
                    "unknown variable '\(name)'; use \(TemplateContext.names.sorted().joined(separator: ", "))", file)
            }
            if !recorder.unknown.isEmpty { return nil }
        }
        return renderer
    }

    /// A Mustache syntax error in words.
    static func describe(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: "a section is closed with another name than it was opened with"
        case .unfinishedName?: "a tag is not closed (}} missing)"
        case .expectedSectionEnd?: "a section is not closed by the end of the file ({{/name}} missing)"
        case .invalidSetDelimiter?: "a delimiter change is malformed"
        default: "Mustache syntax error: \(error)"
        }
    }

    static func contentTypeName(_ escaping: Escaping) -> String {
        switch escaping {
        case .xml: "AD_XML"
        case .html: "AD_HTML"
        case .json: "AD_JSON"
        case .none: "AD_NONE"
        }
    }

    /// The first line of `text` where `name` is used in a tag.
    static func line(of name: String, in text: String) -> Int {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for opener in ["{{", "{{#", "{{^", "{{/", "{{&", "{{{"]
            where line.contains(opener + name) || line.contains(opener + " " + name) {
                return index + 1
            }
        }
        return 1
    }

    /// A domain with every service, so a check render enters every section.
    static let sampleDomain: MailDomain = {
        let config = try? ConfigLoader().load(
            text: """
                domains:
                  template-check.example:
                    imap: { host: imap.template-check.example }
                    pop3: { host: pop.template-check.example }
                    smtp: { host: smtp.template-check.example }
                    xmpp: { host: xmpp.template-check.example }
                    activesync: { url: "https://eas.template-check.example/Microsoft-Server-ActiveSync" }
                    caldav: { url: "https://dav.template-check.example/" }
                    carddav: { url: "https://dav.template-check.example/" }
                    jmap: { url: "https://jmap.template-check.example/" }
                """, name: "template-check.yaml")
        return config!.domains[0]
    }()
}

/// A Mustache content type that escapes with our escaper (markers and slots pass through unchanged).
struct EscapingContentType: MustacheContentType {
    let escaping: Escaping

    func escapeText(_ text: String) -> String {
        escaping == .none ? text : Escaper.escape(text, escaping)
    }
}

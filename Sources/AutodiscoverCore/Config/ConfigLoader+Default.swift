extension ConfigLoader {
    /// What `--config` names, else `./config.yaml` when it exists, else the built-in default.
    public static func defaultPath(_ path: String?) -> String? {
        if let path { return path }
        return FileSystem.exists("config.yaml") ? "config.yaml" : nil
    }

    /// Loads `path`, or (when nil) `./config.yaml`, or the built-in default.
    public func load(pathOrDefault path: String?) throws(ConfigError) -> Configuration {
        if let file = ConfigLoader.defaultPath(path) { return try load(path: file) }
        return try load(text: DefaultConfiguration.text, name: DefaultConfiguration.name)
    }
}

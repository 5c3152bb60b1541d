/// Where a value sits in the config, kept in parts and joined only when a problem is reported.
///
/// Fixed fields rather than a list of keys: building one per server must not allocate.
struct ConfigPath: Sendable {
    var section: String
    var name: String
    var key: String?
    var index: Int?

    init(section: String, name: String) {
        self.section = section
        self.name = name
    }

    func appending(_ next: String) -> ConfigPath {
        guard key != nil else {
            var copy = self
            copy.key = next
            return copy
        }
        // Deeper paths are rare (only in messages): fold what there is into the name.
        var folded = ConfigPath(section: section, name: String(text.dropFirst(section.count + 1)))
        folded.key = next
        return folded
    }

    func indexed(_ index: Int) -> ConfigPath {
        var copy = self
        copy.index = index
        return copy
    }

    /// `section.name.key[index]`
    var text: String {
        var result = section + "." + name
        if let key { result += "." + key }
        if let index { result += "[\(index)]" }
        return result
    }
}

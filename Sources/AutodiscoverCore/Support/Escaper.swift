/// Escapes untrusted text for the format it lands in.
public enum Escaper {
    /// Appends `text` escaped for `escaping`.
    public static func append(_ text: String, _ escaping: Escaping, to output: inout [UInt8]) {
        switch escaping {
        case .json: JSONWriter.escape(text, into: &output)
        case .xml, .html: appendMarkup(text, to: &output)
        }
    }

    /// The escaped text as a string.
    public static func escape(_ text: String, _ escaping: Escaping) -> String {
        var output: [UInt8] = []
        append(text, escaping, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// XML/HTML: `& < > " '` as entities; control characters XML 1.0 cannot carry are dropped.
    private static func appendMarkup(_ text: String, to output: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): output.append(contentsOf: Array("&amp;".utf8))
            case UInt8(ascii: "<"): output.append(contentsOf: Array("&lt;".utf8))
            case UInt8(ascii: ">"): output.append(contentsOf: Array("&gt;".utf8))
            case UInt8(ascii: "\""): output.append(contentsOf: Array("&quot;".utf8))
            case UInt8(ascii: "'"): output.append(contentsOf: Array("&#39;".utf8))
            case 0x09, 0x0A, 0x0D: output.append(byte)
            case 0..<0x20, 0x7F: continue
            default: output.append(byte)
            }
        }
    }
}

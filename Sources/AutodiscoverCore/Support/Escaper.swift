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

    /// Bytes that become entities in markup, indexed by byte.
    private static let markupSpecial: [Bool] = (0..<256).map { byte in
        byte == Int(UInt8(ascii: "&")) || byte == Int(UInt8(ascii: "<")) || byte == Int(UInt8(ascii: ">"))
            || byte == Int(UInt8(ascii: "\"")) || byte == Int(UInt8(ascii: "'"))
    }

    /// XML/HTML: `& < > " '` as entities; control characters XML 1.0 cannot carry are dropped.
    private static func appendMarkup(_ text: String, to output: inout [UInt8]) {
        // Most config values (hosts, ports, names) need nothing escaped: copy them whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || markupSpecial[Int($0)] }) {
            output.append(contentsOf: text.utf8)
            return
        }
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

/// Escapes untrusted text for the format it lands in.
public enum Escaper {
    /// Appends `text` escaped for `escaping`.
    public static func append(_ text: String, _ escaping: Escaping, to output: inout ByteWriter) {
        switch escaping {
        case .json: JSONWriter.escape(text, into: &output)
        case .xml, .html: appendMarkup(text, to: &output)
        case .none: output.append(text)
        }
    }

    /// The escaped text as a string.
    public static func escape(_ text: String, _ escaping: Escaping) -> String {
        var output = ByteWriter()
        append(text, escaping, to: &output)
        return String(decoding: output.take(), as: UTF8.self)
    }

    /// True for bytes markup cannot carry as they are: `& < > " '` and control characters.
    @inline(__always)
    private static func isMarkupSpecial(_ byte: UInt8) -> Bool {
        switch byte {
        case 0..<0x20, 0x7F, UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""),
            UInt8(ascii: "'"):
            true
        default: false
        }
    }

    /// XML/HTML: `& < > " '` as entities; control characters XML 1.0 cannot carry are dropped.
    private static func appendMarkup(_ text: String, to output: inout ByteWriter) {
        // Most config values (hosts, ports, names) need nothing escaped: copied whole.
        if output.appendWhole(text, unlessAny: isMarkupSpecial) { return }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): output.append("&amp;")
            case UInt8(ascii: "<"): output.append("&lt;")
            case UInt8(ascii: ">"): output.append("&gt;")
            case UInt8(ascii: "\""): output.append("&quot;")
            case UInt8(ascii: "'"): output.append("&#39;")
            case 0x09, 0x0A, 0x0D: output.append(byte)
            case 0..<0x20, 0x7F: continue
            default: output.append(byte)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Finds the case of a string-backed enum that a config key spells, comparing lengths before bytes.
///
/// `init(rawValue:)` compares the text with each case in turn through String's Unicode-aware
/// equality; reading a 100,000-domain config asks for a case half a million times.
///
/// ```swift
/// static let keys = KeyTable<ServiceSetKey>()
/// let key = keys["display_name"]   // .displayName
/// ```
struct KeyTable<Key: RawRepresentable & CaseIterable & Sendable>: Sendable where Key.RawValue == String {
    private let entries: [(bytes: [UInt8], key: Key)]

    init() {
        entries = Key.allCases.map { (Array($0.rawValue.utf8), $0) }
    }

    subscript(text: String) -> Key? {
        var text = text
        return text.withUTF8 { bytes -> Key? in
            for entry in entries where entry.bytes.count == bytes.count {
                let same = entry.bytes.withUnsafeBufferPointer { spelled in
                    bytes.isEmpty || memcmp(spelled.baseAddress!, bytes.baseAddress!, bytes.count) == 0
                }
                if same { return entry.key }
            }
            return nil
        }
    }
}

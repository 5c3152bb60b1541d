import AutodiscoverCore
import CAres

/// Reads a DNS answer with glibc's libresolv: the records at the asked name itself, of the asked type,
/// or the CNAME standing there instead.
enum DNSAnswerReader {
    static func found(status: Int32, answer: UnsafeMutablePointer<UInt8>?, length: Int, for question: DNSQuestion) -> DNSFound {
        switch status {
        case ARES_SUCCESS, ARES_ENODATA, ARES_ENOTFOUND:
            if let answer, length > 0, let found = read(answer, length, question) { return found }
            return status == ARES_ENOTFOUND ? .nxdomain : .noData
        case ARES_ETIMEOUT: return .failure("timeout")
        case ARES_ECONNREFUSED: return .failure("connection refused")
        case ARES_ESERVFAIL: return .failure("server failure (SERVFAIL)")
        case ARES_EREFUSED: return .failure("query refused (REFUSED)")
        default: return .failure(String(cString: ares_strerror(status)))
        }
    }

    /// The answer section's records owned by the question's name; nil when there are none.
    private static func read(_ answer: UnsafeMutablePointer<UInt8>, _ length: Int, _ question: DNSQuestion) -> DNSFound? {
        var message = ns_msg()
        guard ns_initparse(answer, Int32(length), &message) == 0 else { return .failure("an answer that could not be read") }
        var values: [DNSRecordData] = []
        var ttl = Int.max
        for index in 0..<cares_shim_answer_count(&message) {
            var record = ns_rr()
            guard ns_parserr(&message, ns_s_an, index, &record) == 0 else { return .failure("an answer that could not be read") }
            guard cares_shim_rr_class(&record) == Int32(ns_c_in.rawValue),
                DNSName.same(String(cString: cares_shim_rr_name(&record)), question.name)
            else { continue }
            let type = cares_shim_rr_type(&record)
            let data = cares_shim_rr_rdata(&record)!
            let count = Int(cares_shim_rr_rdlen(&record))
            if type == DNSRecordType.cname.code {
                return .alias(name(at: data, in: &message) ?? "?")
            }
            guard type == question.type.code else { continue }
            ttl = min(ttl, Int(cares_shim_rr_ttl(&record)))
            switch question.type {
            case .srv:
                guard count >= 7, let target = name(at: data + 6, in: &message) else { continue }
                values.append(
                    .srv(
                        priority: Int(ns_get16(data)), weight: Int(ns_get16(data + 2)), port: Int(ns_get16(data + 4)),
                        target: target))
            case .txt:
                values.append(.txt(strings(data, count)))
            case .cname:
                break
            }
        }
        return values.isEmpty ? nil : .records(values, ttl: ttl)
    }

    /// A (possibly compressed) name in the message, absolute (`imap.example.com.`, the root `.`).
    private static func name(at pointer: UnsafePointer<UInt8>, in message: inout ns_msg) -> String? {
        var text = [CChar](repeating: 0, count: Int(NS_MAXDNAME) + 1)
        guard ns_name_uncompress(cares_shim_base(&message), cares_shim_end(&message), pointer, &text, text.count) >= 0 else {
            return nil
        }
        let name = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "." : DNSName.absolute(name)
    }

    /// A TXT record's character strings (RFC 1035 §3.3.14: each a length byte and that many bytes).
    private static func strings(_ data: UnsafePointer<UInt8>, _ count: Int) -> [String] {
        var strings: [String] = []
        var offset = 0
        while offset < count {
            let length = Int(data[offset])
            let end = min(count, offset + 1 + length)
            strings.append(
                String(decoding: UnsafeBufferPointer(start: data + offset + 1, count: end - offset - 1), as: UTF8.self))
            offset = end
        }
        return strings
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Domains whose answers differ only in their own name and display names: each group shares one
/// prepared answer per format.
///
/// A hosting provider's domains usually differ only there (`imap.<domain>`, `https://mail.<domain>/…`,
/// "Customer 123"). Seen with a marker in place of its name where its name, hosts and URLs contain it,
/// and in place of its display names, such domains are equal: they have one *shape*. A shape's answer
/// is prepared once with slots where the markers are (see ``AnswerBuilder/init(escaping:slotsForDomain:)``)
/// and filled in per request with the domain's own values, so the first request for a domain among 100,000 is answered from a kept answer. Grouping
/// runs once per configuration, off the request path (``AnswerCache/shareAnswers(of:)``).
///
/// Correct by construction: a marker stands for exactly the text it replaced, and no domain whose
/// written strings contain a marker character gets a shape, so filling a shape's answer with a domain's
/// values gives what writing that domain's answer directly gives (tested for every renderer and
/// fixture). What a renderer computes *from* a string (rather than copies) must not depend on the
/// replaced parts: names with `xn--` labels (Unicode form differs) and wildcards get no shape.
struct DomainShapes: Sendable {
    /// Each domain's shape by position; -1: answered on its own.
    let shapeOf: [Int32]
    /// Each shape: a domain carrying markers.
    let shapes: [MailDomain]

    /// At most this many shapes are kept (a shape is kept only when two or more domains have it).
    static let limit = 10_000

    init() {
        shapeOf = []
        shapes = []
    }

    /// Groups `domains` by shape. Each domain is hashed and compared with the first domain of its hash
    /// straight from its fields (``ShapeComparison``); only that first domain of each shared shape is
    /// rewritten, to prepare answers from. A domain whose hash matches but whose shape differs (hashes
    /// collided) answers on its own.
    init(_ domains: [MailDomain]) {
        var ids: [Int: Int32] = [:]
        var representative: [Int] = []
        var candidate: [Int32] = []
        candidate.reserveCapacity(domains.count)
        for index in domains.indices {
            guard let hash = ShapeComparison.hash(domains[index]) else {
                candidate.append(-1)
                continue
            }
            if let id = ids[hash] {
                let same = ShapeComparison.same(domains[representative[Int(id)]], domains[index])
                candidate.append(same ? id : -1)
            } else {
                let id = Int32(representative.count)
                ids[hash] = id
                representative.append(index)
                candidate.append(id)
            }
        }
        var uses = [Int](repeating: 0, count: representative.count)
        for id in candidate where id >= 0 { uses[Int(id)] += 1 }
        // Keep shapes that two or more domains share, up to the limit; renumber them.
        var renumbered = [Int32](repeating: -1, count: representative.count)
        var shapes: [MailDomain] = []
        for (id, count) in uses.enumerated() where count >= 2 && shapes.count < Self.limit {
            guard let shape = Self.shape(of: domains[representative[id]]) else { continue }
            renumbered[id] = Int32(shapes.count)
            shapes.append(shape)
        }
        shapeOf = candidate.map { $0 < 0 ? -1 : renumbered[Int($0)] }
        self.shapes = shapes
    }

    /// The shape of the domain at `index`, if it shares one.
    func shape(_ index: Int) -> Int? {
        guard index >= 0, index < shapeOf.count else { return nil }
        let id = shapeOf[index]
        return id < 0 ? nil : Int(id)
    }

    /// `domain` with markers in place of its own name (its first occurrence in each host, URL and path,
    /// as ``ShapeComparison`` compares them) and display names; nil when it cannot share: a wildcard, a
    /// name with `xn--` labels, settings from DNS, or a marker character in what stays literal.
    static func shape(of domain: MailDomain) -> MailDomain? {
        guard ShapeComparison.canShare(domain) else { return nil }
        if case .url(let url)? = domain.redirect, DomainSlot.occurs(in: url) { return nil }
        let name = domain.name.ascii
        guard let imap = servers(domain.imap, name), let pop3 = servers(domain.pop3, name),
            let smtp = servers(domain.smtp, name), let xmpp = servers(domain.xmpp, name),
            let activeSync = service(domain.activeSync, name), let calDAV = service(domain.calDAV, name),
            let cardDAV = service(domain.cardDAV, name), let jmap = service(domain.jmap, name)
        else { return nil }
        var shape = domain
        shape.name = DomainName(canonical: DomainSlot.name.marker)
        shape.displayName = DomainSlot.displayName.marker
        shape.displayShortName = DomainSlot.displayShortName.marker
        shape.file = ""
        shape.line = 0
        (shape.imap, shape.pop3, shape.smtp, shape.xmpp) = (imap, pop3, smtp, xmpp)
        (shape.activeSync, shape.calDAV, shape.cardDAV, shape.jmap) = (activeSync, calDAV, cardDAV, jmap)
        return shape
    }

    /// Servers with the name marker in their hosts; nil when one cannot share.
    private static func servers(_ servers: [MailServer], _ name: String) -> [MailServer]? {
        var servers = servers
        for index in servers.indices {
            guard let host = replacing(name, in: servers[index].host),
                !DomainSlot.occurs(in: servers[index].username.text)
            else { return nil }
            servers[index].host = host
        }
        return servers
    }

    /// A service with the name marker in its URL, host and path: `.some(nil)` when there is none, nil
    /// when it cannot share.
    private static func service(_ service: WebService?, _ name: String) -> WebService?? {
        guard var service else { return .some(nil) }
        guard let url = replacing(name, in: service.url), let host = replacing(name, in: service.host),
            let path = replacing(name, in: service.path), !DomainSlot.occurs(in: service.username.text)
        else { return nil }
        (service.url, service.host, service.path) = (url, host, path)
        return service
    }

    /// `text` with the first occurrence of `name` replaced by the name marker; nil when `text` holds a
    /// marker character.
    static func replacing(_ name: String, in text: String) -> String? {
        if DomainSlot.occurs(in: text) { return nil }
        guard let at = ShapeComparison.firstOccurrence(of: name, in: text) else { return text }
        let bytes = Array(text.utf8)
        let output = bytes[..<at] + DomainSlot.name.bytes + bytes[(at + name.utf8.count)...]
        return String(decoding: output, as: UTF8.self)
    }
}

/// A domain's shape read straight from its fields: hashed and compared without rewriting anything.
///
/// Every field of ``MailDomain``, ``MailServer`` and ``WebService`` is either compared here or named as
/// a slot (name, display names) or as not written into answers (file, line); a test fails when a field
/// is added, so that it is placed here too.
enum ShapeComparison {
    /// Whether a domain can share answers at all.
    static func canShare(_ domain: MailDomain) -> Bool {
        !domain.isWildcard && domain.source == .config && !DomainName.hasACELabel(domain.name.ascii)
    }

    /// The shape's hash; nil when the domain cannot share.
    static func hash(_ domain: MailDomain) -> Int? {
        guard canShare(domain) else { return nil }
        var hasher = Hasher()
        let name = domain.name.ascii
        hasher.combine(domain.aliases)
        hasher.combine(domain.provider)
        combine(domain.imap, name, into: &hasher)
        combine(domain.pop3, name, into: &hasher)
        combine(domain.smtp, name, into: &hasher)
        combine(domain.xmpp, name, into: &hasher)
        combine(domain.activeSync, name, into: &hasher)
        combine(domain.calDAV, name, into: &hasher)
        combine(domain.cardDAV, name, into: &hasher)
        combine(domain.jmap, name, into: &hasher)
        // Written verbatim: domains share only when these are equal.
        hasher.combine(domain.oauth2)
        hasher.combine(domain.helpURL)
        hasher.combine(domain.autodiscover)
        hasher.combine(domain.redirect)
        return hasher.finalize()
    }

    private static func combine(_ servers: [MailServer], _ name: String, into hasher: inout Hasher) {
        hasher.combine(servers.count)
        for server in servers {
            combine(server.host, without: name, into: &hasher)
            hasher.combine(server.kind)
            hasher.combine(server.port)
            hasher.combine(server.security)
            hasher.combine(server.authentication)
            hasher.combine(server.username)
        }
    }

    private static func combine(_ service: WebService?, _ name: String, into hasher: inout Hasher) {
        guard let service else {
            hasher.combine(false)
            return
        }
        hasher.combine(true)
        combine(service.url, without: name, into: &hasher)
        combine(service.host, without: name, into: &hasher)
        combine(service.path, without: name, into: &hasher)
        hasher.combine(service.kind)
        hasher.combine(service.port)
        hasher.combine(service.username)
    }

    /// Whether two domains have the same shape (both can share).
    static func same(_ a: MailDomain, _ b: MailDomain) -> Bool {
        guard a.aliases == b.aliases, a.provider == b.provider, a.autodiscover == b.autodiscover,
            a.redirect == b.redirect, a.isWildcard == b.isWildcard, a.source == b.source,
            a.oauth2 == b.oauth2, a.helpURL == b.helpURL
        else { return false }
        let (nameA, nameB) = (a.name.ascii, b.name.ascii)
        return same(a.imap, nameA, b.imap, nameB) && same(a.pop3, nameA, b.pop3, nameB)
            && same(a.smtp, nameA, b.smtp, nameB) && same(a.xmpp, nameA, b.xmpp, nameB)
            && same(a.activeSync, nameA, b.activeSync, nameB) && same(a.calDAV, nameA, b.calDAV, nameB)
            && same(a.cardDAV, nameA, b.cardDAV, nameB) && same(a.jmap, nameA, b.jmap, nameB)
    }

    private static func same(_ a: [MailServer], _ nameA: String, _ b: [MailServer], _ nameB: String) -> Bool {
        guard a.count == b.count else { return false }
        for index in a.indices {
            let (x, y) = (a[index], b[index])
            guard x.kind == y.kind, x.port == y.port, x.security == y.security,
                x.authentication == y.authentication, x.username == y.username,
                same(x.host, nameA, y.host, nameB)
            else { return false }
        }
        return true
    }

    private static func same(_ a: WebService?, _ nameA: String, _ b: WebService?, _ nameB: String) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?):
            return x.kind == y.kind && x.port == y.port && x.username == y.username
                && same(x.url, nameA, y.url, nameB) && same(x.host, nameA, y.host, nameB)
                && same(x.path, nameA, y.path, nameB)
        default: return false
        }
    }

    /// Byte offset of the first occurrence of `name` in `text`.
    static func firstOccurrence(of name: String, in text: String) -> Int? {
        var name = name
        var text = text
        return name.withUTF8 { needle in
            text.withUTF8 { haystack -> Int? in
                guard let lead = needle.first, needle.count <= haystack.count else { return nil }
                var index = 0
                while index + needle.count <= haystack.count {
                    if haystack[index] == lead,
                        memcmp(haystack.baseAddress! + index, needle.baseAddress!, needle.count) == 0
                    {
                        return index
                    }
                    index += 1
                }
                return nil
            }
        }
    }

    /// Hashes `text` with the first occurrence of `name` standing for a marker.
    private static func combine(_ text: String, without name: String, into hasher: inout Hasher) {
        var text = text
        let at = firstOccurrence(of: name, in: text)
        text.withUTF8 { bytes in
            let end = at ?? bytes.count
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[..<end])))
            hasher.combine(at == nil)
            if let at {
                hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[(at + name.utf8.count)...])))
            }
        }
    }

    /// Whether `x` without `nameX` and `y` without `nameY` (first occurrences) are the same text.
    private static func same(_ x: String, _ nameX: String, _ y: String, _ nameY: String) -> Bool {
        let atX = firstOccurrence(of: nameX, in: x)
        let atY = firstOccurrence(of: nameY, in: y)
        guard let atX, let atY else { return atX == nil && atY == nil && x == y }
        let (restX, restY) = (atX + nameX.utf8.count, atY + nameY.utf8.count)
        guard atX == atY, x.utf8.count - restX == y.utf8.count - restY else { return false }
        var (x, y) = (x, y)
        return x.withUTF8 { bytesX in
            y.withUTF8 { bytesY in
                memcmp(bytesX.baseAddress!, bytesY.baseAddress!, atX) == 0
                    && memcmp(bytesX.baseAddress! + restX, bytesY.baseAddress! + restY, bytesX.count - restX) == 0
            }
        }
    }
}

/// What a marker in a shape stands for: a part of the domain filled in when its answer is written.
public enum DomainSlot: UInt8, Sendable, CaseIterable {
    /// The configured name (canonical ASCII), also inside hosts and URLs.
    case name = 0xB9
    case displayName = 0xBA
    case displayShortName = 0xBB

    /// U+FFF9…U+FFFB (interlinear annotation characters), which YAML text cannot hold unescaped.
    var marker: String { String(decoding: bytes, as: UTF8.self) }
    /// The value filled in where the marker stood.
    var value: AnswerValue {
        switch self {
        case .name: .domainName
        case .displayName: .displayName
        case .displayShortName: .displayShortName
        }
    }

    /// The marker's UTF-8 bytes.
    var bytes: [UInt8] { [0xEF, 0xBF, rawValue] }

    /// The slot a marker at `bytes[index...]` stands for, if one starts there.
    static func at(_ index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> DomainSlot? {
        guard bytes[index] == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBF else { return nil }
        return DomainSlot(rawValue: bytes[index + 2])
    }

    /// True when `text` holds any character from U+F000 to U+FFFF (so any marker): such a domain
    /// gets no shape. Cheap and conservative: one byte compared per byte.
    static func occurs(in text: String) -> Bool {
        text.utf8.contains(0xEF)
    }
}

/// The answering domain's own texts: what a shape's answer is filled in with besides the request.
public struct DomainTexts: Sendable {
    public var name: String
    public var displayName: String
    public var displayShortName: String

    public init(_ domain: MailDomain) {
        name = domain.name.ascii
        displayName = domain.displayName
        displayShortName = domain.displayShortName
    }

    func text(_ slot: DomainSlot) -> String {
        switch slot {
        case .name: name
        case .displayName: displayName
        case .displayShortName: displayShortName
        }
    }

    /// `text` with each marker replaced by this domain's text (headers of a shape's answer).
    func filling(_ text: String) -> String {
        guard DomainSlot.occurs(in: text) else { return text }
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                if let slot = DomainSlot.at(index, in: buffer) {
                    output += self.text(slot).utf8
                    index += 3
                } else {
                    output.append(buffer[index])
                    index += 1
                }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

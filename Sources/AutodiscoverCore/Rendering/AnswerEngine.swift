/// Turns a request into a response: route, read, resolve the domain, fill in the prepared answer.
///
/// The server and `autodiscover render` both call this, so the CLI prints exactly what is served.
public struct AnswerEngine: Sendable {
    public let registry: RendererRegistry
    private let routes: RouteTable
    /// Each renderer's "no configuration for this domain" document, prepared once (unknown domains are a
    /// large share of what a public endpoint is asked).
    private let notFound: [RendererID: PreparedAnswer]
    /// Each renderer's 503 for a `source: dns` domain not looked up yet.
    private let unavailable: [RendererID: PreparedAnswer]

    public init(registry: RendererRegistry = .standard) {
        self.registry = registry
        var notFound: [RendererID: PreparedAnswer] = [:]
        var unavailable: [RendererID: PreparedAnswer] = [:]
        for renderer in registry.renderers {
            notFound[renderer.id] = Self.errorAnswer(.notFound, renderer)
            unavailable[renderer.id] = Self.errorAnswer(.unavailable, renderer)
        }
        self.notFound = notFound
        self.unavailable = unavailable
        var routes: [(RouteSpec, Int)] = []
        for (index, renderer) in registry.renderers.enumerated() {
            for route in renderer.routes { routes.append((route, index)) }
        }
        // Exact paths before prefixes, longer prefixes first.
        self.routes = RouteTable(
            routes.sorted { a, b in
                if a.0.isPrefix != b.0.isPrefix { return !a.0.isPrefix }
                return a.0.path.count > b.0.path.count
            })
    }

    /// What a path and method lead to.
    public enum Match: Sendable {
        case renderer(any Renderer)
        /// The path exists, the method does not; the renderer shapes the 405.
        case methodNotAllowed(any Renderer)
        case notFound
    }

    /// Finds the renderer for a path, case-insensitively.
    public func match(method: String, path: String) -> Match {
        match(method: method, path: Substring(path))
    }

    /// Finds the renderer for a path, case-insensitively (ASCII), without copying it.
    public func match(method: String, path: Substring) -> Match {
        var path = path
        guard let (route, index) = path.withUTF8({ routes.find($0) }) else { return .notFound }
        let renderer = registry.renderers[index]
        return route.methods.contains(method) ? .renderer(renderer) : .methodNotAllowed(renderer)
    }

    /// A response ready to write.
    public struct Response: Sendable {
        /// Status and headers (one object per kept answer, shared by its responses).
        public var head: AnswerHead
        public var status: Int { head.status }
        public var contentType: String { head.contentType }
        public var headers: [(String, String)] { head.headers }
        public var body: [UInt8]
        /// The renderer that answered, for logs and metrics.
        public var renderer: RendererID
        /// The configured domain that answered, if one did.
        public var domain: String?
        /// True when the domain came from the request's host (no address): caches must vary on `Host`.
        public var dependsOnHost: Bool
        /// True when the answer is from a `source: dns` domain's last good lookup (a later one failed).
        public var stale = false
        /// A name that only a `source: dns` wildcard serves, not looked up yet (answered 503): the server
        /// asks for it to be looked up.
        public var wantsLookup: DomainName?
    }

    /// Answers a request that ``match(method:path:)`` sent to `renderer`.
    ///
    /// - Parameter time: seconds and nanoseconds since the epoch, for POX error documents.
    /// - Parameter cache: where prepared answers of this configuration are kept (nil: prepare every time).
    public func answer(
        _ request: IncomingRequest, renderer routed: any Renderer, config: Configuration,
        cache: AnswerCache? = nil, time: (seconds: Int, nanoseconds: Int) = (0, 0)
    ) -> Response {
        var response = unsignedAnswer(request, renderer: routed, config: config, cache: cache, time: time)
        // Apple profiles with `signing:`: the filled-in plist signed (a cache in the signer keeps each
        // address's signed bytes). Should OpenSSL fail, the profile goes out unsigned rather than not at all.
        if routed.isSignedProfile, response.status == 200, let signer = config.signer, let signed = signer.sign(response.body) {
            response.body = signed
        }
        return response
    }

    private func unsignedAnswer(
        _ request: IncomingRequest, renderer routed: any Renderer, config: Configuration,
        cache: AnswerCache?, time: (seconds: Int, nanoseconds: Int)
    ) -> Response {
        let reading: RequestReading
        do {
            reading = try routed.read(request)
        } catch {
            return respond(errorAnswer(.badRequest(error), routed), routed, request, time)
        }
        // Nearly always the routed renderer itself: no registry lookup (a string hash) for it.
        let renderer = reading.renderer == routed.id ? routed : registry[reading.renderer] ?? routed
        var resolved: ResolvedDomain?
        if let address = reading.address {
            resolved = config.resolve(address)
        } else if let host = request.host {
            resolved = config.resolve(host: host)
        }
        guard var found = resolved else {
            return respond(notFoundAnswer(renderer), renderer, request, time, reading)
        }
        if renderer.followsAddressRedirects {
            var hops = 0
            while case .addressDomain(let target)? = found.domain.redirect, hops < 8,
                let next = config.resolve(target)
            {
                found = next
                hops += 1
            }
            if found.domain.redirect != nil {
                return respond(notFoundAnswer(renderer), renderer, request, time, reading)
            }
        }
        switch found.domain.dnsState {
        case .notFromDNS, .fresh, .stale: break
        case .pending:
            var response = respond(
                unavailable[renderer.id] ?? errorAnswer(.unavailable, renderer), renderer, request, time, reading)
            if found.domain.isWildcard { response.wantsLookup = found.requested }
            return response
        case .absent: return respond(notFoundAnswer(renderer), renderer, request, time, reading)
        }
        var context = AnswerContext(
            address: reading.address, requestedDomain: found.requested, accountName: reading.accountName, time: time)
        context.profilesSigned = config.signer != nil
        if let cache, renderer.usesAnswerCache {
            let variant = reading.variant
            switch cache.find(domain: found.index, renderer: renderer.id, variant: variant) {
            case .kept(let kept, let shared):
                if shared { context.domain = DomainTexts(found.domain) }
                return response(kept.head(for: context), kept.body(for: context), renderer, found, reading)
            case .prepareShape(let shape, let domain):
                // Shared with the other domains of its shape: kept from the shape's first request on.
                context.domain = DomainTexts(found.domain)
                let prepared = renderer.prepare(domain, variant: variant, slotsForDomain: true)
                cache.keep(prepared, shape: shape, renderer: renderer.id, variant: variant)
                return response(prepared.head(for: context), prepared.body(for: context), renderer, found, reading)
            case .prepare:
                let prepared = renderer.prepare(found.domain, variant: variant)
                cache.keep(prepared, domain: found.index, renderer: renderer.id, variant: variant)
                return response(prepared.head, prepared.body(for: context), renderer, found, reading)
            case .writeDirectly:
                break
            }
        }
        // Asked for the first time (or no cache): written for this request alone, nothing kept.
        let (head, body) = renderer.fill(found.domain, variant: reading.variant, for: context)
        return response(head, body, renderer, found, reading)
    }

    private func response(
        _ head: AnswerHead, _ body: [UInt8], _ renderer: any Renderer, _ found: ResolvedDomain, _ reading: RequestReading
    ) -> Response {
        Response(
            head: head, body: body, renderer: renderer.id, domain: found.domain.pattern, dependsOnHost: reading.address == nil,
            stale: found.domain.dnsState == .stale)
    }

    private func notFoundAnswer(_ renderer: any Renderer) -> PreparedAnswer {
        notFound[renderer.id] ?? errorAnswer(.notFound, renderer)
    }

    /// A renderer's error document as the error answer sent: the status and headers of ``AnswerError``.
    public func errorAnswer(_ error: AnswerError, _ renderer: any Renderer) -> PreparedAnswer {
        Self.errorAnswer(error, renderer)
    }

    private static func errorAnswer(_ error: AnswerError, _ renderer: any Renderer) -> PreparedAnswer {
        renderer.errorDocument(error).with(status: error.status, addingHeaders: error.headers)
    }

    /// A format's error document (no configured domain answered).
    private func respond(
        _ prepared: PreparedAnswer, _ renderer: any Renderer, _ request: IncomingRequest,
        _ time: (seconds: Int, nanoseconds: Int), _ reading: RequestReading? = nil
    ) -> Response {
        let context = AnswerContext(
            address: reading?.address, requestedDomain: Self.noDomain, accountName: reading?.accountName, time: time)
        return Response(
            head: prepared.head, body: prepared.body(for: context), renderer: renderer.id, domain: nil,
            dependsOnHost: reading?.address == nil)
    }

    /// The requested domain of error documents (none of them names one).
    private static let noDomain = (try? DomainName("invalid"))!
}

/// The routes' paths in one byte array with plain entries, searched in order: a request's path is
/// compared by its bytes without touching a reference count per route.
private struct RouteTable: Sendable {
    /// Where a route's path lies in `bytes`; entries are in the order of `routes`.
    private struct Entry {
        var start: Int
        var count: Int
        var isPrefix: Bool
    }

    private let bytes: [UInt8]
    private let entries: [Entry]
    private let routes: [(route: RouteSpec, renderer: Int)]

    /// `routes` in the order they are tried.
    init(_ routes: [(RouteSpec, Int)]) {
        var bytes: [UInt8] = []
        var entries: [Entry] = []
        for (route, _) in routes {
            entries.append(Entry(start: bytes.count, count: route.path.utf8.count, isPrefix: route.isPrefix))
            bytes.append(contentsOf: route.path.utf8)
        }
        self.bytes = bytes
        self.entries = entries
        self.routes = routes.map { (route: $0.0, renderer: $0.1) }
    }

    /// The first route whose (lower-case) path equals `path` lower-cased, or starts it for a prefix route.
    func find(_ path: UnsafeBufferPointer<UInt8>) -> (RouteSpec, Int)? {
        let hit = bytes.withUnsafeBufferPointer { bytes in
            entries.withUnsafeBufferPointer { entries -> Int? in
                entries.firstIndex { entry in
                    guard entry.isPrefix ? path.count >= entry.count : path.count == entry.count else { return false }
                    return ASCII.equalsLowercased(
                        UnsafeBufferPointer(rebasing: path[..<entry.count]),
                        UnsafeBufferPointer(rebasing: bytes[entry.start..<(entry.start + entry.count)]))
                }
            }
        }
        return hit.map { routes[$0] }
    }
}

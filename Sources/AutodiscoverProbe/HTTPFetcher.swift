import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Sends one request with async-http-client the way a client would, except that redirects are reported,
/// not followed (clients' rules differ), and the body is read up to a bound.
struct HTTPFetcher: Sendable {
    /// What came back.
    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        var milliseconds: Double

        func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }
    }

    var connections: ConnectionMap
    var trustRoots: String?
    var timeout: Duration
    /// Bodies larger than this are refused (no answer of any format comes near it).
    var maxBodyBytes = 1 << 20

    func fetch(_ request: ProbeRequest) async throws -> Reply {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        var tls = TLSConfiguration.makeClientConfiguration()
        if let trustRoots { tls.trustRoots = .file(trustRoots) }
        configuration.tlsConfiguration = tls
        let amount = TimeAmount(timeout)
        configuration.timeout = .init(connect: amount, read: amount)
        var request = request
        if let target = connections.target(host: request.host, port: request.port) {
            configuration.dnsOverride = [request.host: target.address]
            request.port = target.port
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let reply = try await send(request, client, deadline: .now() + amount)
            try await client.shutdown()
            return reply
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func send(_ request: ProbeRequest, _ client: HTTPClient, deadline: NIODeadline) async throws -> Reply {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        outgoing.headers.add(name: "User-Agent", value: "autodiscover-probe")
        if let contentType = request.contentType { outgoing.headers.add(name: "Content-Type", value: contentType) }
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: request.body)) }
        let started = ContinuousClock.now
        let response = try await client.execute(outgoing, deadline: deadline)
        let body = try await response.body.collect(upTo: maxBodyBytes)
        let elapsed = ContinuousClock.now - started
        return Reply(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Array(body.readableBytesView),
            milliseconds: Double(elapsed.components.attoseconds) / 1e15
                + Double(elapsed.components.seconds) * 1000)
    }
}

import AutodiscoverCore
import AutodiscoverServer
import Foundation
import Testing

/// One endpoint call and what must come back.
struct EndpointCase: Sendable, CustomTestStringConvertible {
    var name: String
    var arguments: [String]
    var path: String
    var status: Int
    var contentType: String
    var bodyContains: String
    var testDescription: String { name }
}

@Suite("Endpoints over HTTP/1.1, h2c and TLS h2", .serialized)
struct EndpointTests {
    static let pox =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>"
    static let eas = pox.replacingOccurrences(of: "outlook/requestschema", with: "mobilesync/requestschema")
        .replacingOccurrences(of: "outlook/responseschema/2006a", with: "mobilesync/responseschema/2006")

    static let cases: [EndpointCase] = [
        EndpointCase(
            name: "Outlook POX", arguments: ["-X", "POST", "-H", "Content-Type: text/xml", "--data-binary", pox],
            path: "/autodiscover/autodiscover.xml", status: 200, contentType: "text/xml",
            bodyContains: "<Server>imap4.example.com</Server>"),
        EndpointCase(
            name: "Outlook POX, other spelling", arguments: ["-X", "POST", "--data-binary", pox],
            path: "/Autodiscover/Autodiscover.xml", status: 200, contentType: "text/xml",
            bodyContains: "<LoginName>alice@example.com</LoginName>"),
        EndpointCase(
            name: "ActiveSync POX", arguments: ["-X", "POST", "-H", "Content-Type: text/xml", "--data-binary", eas],
            path: "/autodiscover/autodiscover.xml", status: 200, contentType: "text/xml",
            bodyContains: "<Url>https://eas.example.com/Microsoft-Server-ActiveSync</Url>"),
        EndpointCase(
            name: "POX GET (Delta Chat)", arguments: ["-H", "Host: autodiscover.example.com"],
            path: "/autodiscover/autodiscover.xml", status: 200, contentType: "text/xml",
            bodyContains: "<Server>msa.example.com</Server>"),
        EndpointCase(
            name: "v2 JSON", arguments: [],
            path: "/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=Autodiscoverv1", status: 200,
            contentType: "application/json", bodyContains: "https://adsc.example.com/autodiscover/autodiscover.xml"),
        EndpointCase(
            name: "v2 JSON path form", arguments: [],
            path: "/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=ActiveSync", status: 200,
            contentType: "application/json", bodyContains: "eas.example.com"),
        EndpointCase(
            name: "v2 JSON invalid protocol", arguments: [],
            path: "/autodiscover/autodiscover.json?Email=alice@example.com&Protocol=Ews", status: 400,
            contentType: "application/json", bodyContains: "InvalidProtocol"),
        EndpointCase(
            name: "Thunderbird autoconfig", arguments: [],
            path: "/mail/config-v1.1.xml?emailaddress=alice%40example.com", status: 200, contentType: "text/xml",
            bodyContains: "<hostname>imap4.example.com</hostname>"),
        EndpointCase(
            name: "Thunderbird well-known without address", arguments: ["-H", "Host: example.com"],
            path: "/.well-known/autoconfig/mail/config-v1.1.xml", status: 200, contentType: "text/xml",
            bodyContains: "<username>%EMAILADDRESS%</username>"),
        EndpointCase(
            name: "PACC", arguments: ["-H", "Host: example.com"], path: "/.well-known/user-agent-configuration.json",
            status: 200, contentType: "application/json", bodyContains: "\"imap4.example.com\""),
        EndpointCase(
            name: "Apple profile", arguments: [], path: "/email.mobileconfig?email=alice@example.com&name=Alice",
            status: 200, contentType: "application/x-apple-aspen-config", bodyContains: "<string>Alice</string>"),
        EndpointCase(
            name: "Settings page", arguments: ["-H", "Host: autoconfig.example.com"], path: "/", status: 200,
            contentType: "text/html", bodyContains: "imap4.example.com"),
        EndpointCase(
            name: "Health", arguments: [], path: "/healthz", status: 200, contentType: "text/plain", bodyContains: "ok"),
        EndpointCase(
            name: "Ready", arguments: [], path: "/readyz", status: 200, contentType: "text/plain",
            bodyContains: "generation 1"),
        EndpointCase(
            name: "Metrics", arguments: [], path: "/metrics", status: 200, contentType: "text/plain",
            bodyContains: "autodiscover_config_domains"),
        EndpointCase(
            name: "Unknown domain", arguments: [], path: "/mail/config-v1.1.xml?emailaddress=a%40unknown.invalid",
            status: 404, contentType: "text/xml", bodyContains: "<clientConfig version=\"1.1\"/>"),
        EndpointCase(
            name: "Unknown path", arguments: [], path: "/nothing-here", status: 404, contentType: "text/plain",
            bodyContains: "Not found"),
        EndpointCase(
            name: "Wrong method", arguments: ["-X", "DELETE"], path: "/mail/config-v1.1.xml", status: 405,
            contentType: "text/xml", bodyContains: "clientConfig"),
        EndpointCase(
            name: "Bad POX body", arguments: ["-X", "POST", "--data-binary", "<!DOCTYPE x [<!ENTITY a \"b\">]><a>&a;</a>"],
            path: "/autodiscover/autodiscover.xml", status: 400, contentType: "text/xml",
            bodyContains: "<ErrorCode>600</ErrorCode>"),
    ]

    static let transports: [(String, [String])] = [
        ("HTTP/1.1", ["--http1.1"]), ("h2c", ["--http2-prior-knowledge"]), ("TLS h2", ["--http2"]),
        ("TLS HTTP/1.1", ["--http1.1"]),
    ]

    @Test("Every endpoint answers over every transport, with the same headers over HTTP/1.1 and HTTP/2")
    func everyEndpoint() async throws {
        try await ServerHarness.withServer(tls: true) { server in
            // HTTP/1.1 writes an answer's own headers from lines encoded once with it, HTTP/2 from its fields:
            // both must send the same (Content-Length aside: POX error documents carry a time and an id).
            var seen: [String: [String: String]] = [:]
            for (transport, flags) in Self.transports {
                let tls = transport.hasPrefix("TLS")
                let base = tls ? "https://localhost:\(server.tlsPort!)" : "http://127.0.0.1:\(server.port)"
                let extra = tls ? ["--cacert", await ServerHarness.certificates().ca] : []
                for endpoint in Self.cases {
                    let result = await ServerHarness.curl(flags + extra + endpoint.arguments + [base + endpoint.path])
                    let label = "\(transport) \(endpoint.name)"
                    #expect(result.status == endpoint.status, "\(label)")
                    #expect(
                        result.headers["content-type"]?.hasPrefix(endpoint.contentType) == true, "\(label): \(result.headers)")
                    #expect(result.body.contains(endpoint.bodyContains), "\(label): \(result.body.prefix(300))")
                    let expectedVersion = flags == ["--http1.1"] ? "HTTP/1.1" : "HTTP/2"
                    #expect(result.httpVersion == expectedVersion, "\(label)")
                    var headers = result.headers
                    headers["content-length"] = nil
                    if let other = seen[endpoint.name] {
                        #expect(headers == other, "\(label): headers differ from another transport's")
                    } else {
                        seen[endpoint.name] = headers
                    }
                }
            }
        }
    }

    @Test(
        "ETag gives 304; CORS on autoconfig and PACC; Vary: Host when the host chose the domain; HEAD has no body",
        arguments: [["--http1.1"], ["--http2-prior-knowledge"]])
    func cachingHeaders(flags: [String]) async throws {
        try await ServerHarness.withServer { server in
            let base = "http://127.0.0.1:\(server.port)"
            let first = await ServerHarness.curl(flags + ["-H", "Host: autoconfig.example.com", base + "/mail/config-v1.1.xml"])
            let tag = try #require(first.headers["etag"])
            #expect(first.headers["access-control-allow-origin"] == "*")
            #expect(first.headers["vary"] == "Host")
            let again = await ServerHarness.curl(
                flags + ["-H", "Host: autoconfig.example.com", "-H", "If-None-Match: \(tag)", base + "/mail/config-v1.1.xml"])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            let head = await ServerHarness.curl(flags + ["-I", base + "/mail/config-v1.1.xml?emailaddress=a%40example.com"])
            #expect(head.status == 200)
            #expect(head.headers["content-length"] == first.headers["content-length"])
            #expect(head.headers["vary"] == nil)
        }
    }

    @Test("X-Forwarded-Host counts only from a trusted proxy")
    func forwardedHost() async throws {
        let yaml = ServerHarness.defaultYAML.replacingOccurrences(
            of: "trusted_proxies: [\"127.0.0.1/32\", \"::1/128\"]", with: "trusted_proxies: [\"10.9.9.9/32\"]")
        try await ServerHarness.withServer { server in
            let trusted = await ServerHarness.curl([
                "-H", "Host: internal", "-H", "X-Forwarded-Host: autoconfig.customer-one.org",
                "http://127.0.0.1:\(server.port)/mail/config-v1.1.xml",
            ])
            #expect(trusted.status == 200)
            #expect(trusted.body.contains("customer-one.org"))
        }
        try await ServerHarness.withServer(yaml) { server in
            let untrusted = await ServerHarness.curl([
                "-H", "Host: internal", "-H", "X-Forwarded-Host: autoconfig.customer-one.org",
                "http://127.0.0.1:\(server.port)/mail/config-v1.1.xml",
            ])
            #expect(untrusted.status == 404)
        }
    }

    @Test(
        "A request target or header block over its limit gets 414 or 431",
        arguments: [["--http1.1"], ["--http2-prior-knowledge"]])
    func headLimits(flags: [String]) async throws {
        try await ServerHarness.withServer { server in
            let base = "http://127.0.0.1:\(server.port)/mail/config-v1.1.xml?emailaddress=a@example.com"
            let longQuery = await ServerHarness.curl(flags + [base + "&x=" + String(repeating: "a", count: 9_000)])
            #expect(longQuery.status == 414)
            let bigHeaders = await ServerHarness.curl(
                flags + ["-H", "X-Big: " + String(repeating: "b", count: 17_000), base])
            // HTTP/2 too: libnghttp2 decodes the whole HPACK block (bounded by its CONTINUATION limit), so the
            // stream gets the same 431 and the connection stays usable.
            #expect(bigHeaders.status == 431)
            let fine = await ServerHarness.curl(flags + ["-H", "X-Small: " + String(repeating: "c", count: 4_000), base])
            #expect(fine.status == 200)
        }
    }

    @Test("A body over the limit gets 413")
    func bodyLimit() async throws {
        try await ServerHarness.withServer { server in
            let big = String(repeating: "x", count: 20_000)
            for flags in [["--http1.1"], ["--http2-prior-knowledge"]] {
                let result = await ServerHarness.curl(
                    flags + ["-X", "POST", "--data-binary", big, "http://127.0.0.1:\(server.port)/autodiscover/autodiscover.xml"])
                #expect(result.status == 413, "\(flags)")
            }
        }
    }
}

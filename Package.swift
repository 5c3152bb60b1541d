// swift-tools-version: 6.1
import PackageDescription

/// Upcoming language features applied to every target.
let swiftSettings: [SwiftSetting] = [
    // SE-0335: `any` spelled out for existential types.
    .enableUpcomingFeature("ExistentialAny"),
    // SE-0444: a file sees only the members of modules it imports itself.
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "autodiscover",
    products: [
        .executable(name: "autodiscover", targets: ["autodiscover"]),
        .library(name: "AutodiscoverCore", targets: ["AutodiscoverCore"]),
        .library(name: "AutodiscoverHTTP", targets: ["AutodiscoverHTTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // libyaml's event parser (Debian: libyaml-dev), driven directly for speed.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // libidn2 for IDNA2008 / UTS #46 (Debian: libidn2-dev).
        .systemLibrary(name: "CIDN2", pkgConfig: "libidn2", providers: [.apt(["libidn2-dev"])]),
        // libnghttp2's HTTP/2 session (Debian: libnghttp2-dev), the engine the server's HTTP/2 runs on.
        .systemLibrary(name: "CNGHTTP2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        // OpenSSL's libcrypto (Debian: libssl-dev): SHA-256 and SHA-1 digests, base64.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // c-ares (Debian: libc-ares-dev) for DNS queries, glibc's libresolv to read the answers.
        .systemLibrary(name: "CAres", pkgConfig: "libcares", providers: [.apt(["libc-ares-dev"])]),
        .target(
            name: "AutodiscoverCore",
            dependencies: [
                "CYAML", "CIDN2", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTP wire without networking: the HTTP/1.1 reader and encoder, the HTTP/1.1 connection as a
        // state machine, the HTTP/2 session (libnghttp2), the response type both write.
        .target(name: "AutodiscoverHTTP", dependencies: ["AutodiscoverCore", "CNGHTTP2"]),
        .target(
            name: "AutodiscoverServer",
            dependencies: [
                "AutodiscoverCore", "AutodiscoverHTTP", "AutodiscoverDNS", "AutodiscoverTemplates",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The DNS client: many questions at once, each bounded in time (`dns check`).
        .target(name: "AutodiscoverDNS", dependencies: ["AutodiscoverCore", "CAres"]),
        // Operator-defined formats (`templates:`): Mustache templates compiled at load into renderers.
        .target(
            name: "AutodiscoverTemplates",
            dependencies: ["AutodiscoverCore", .product(name: "Mustache", package: "swift-mustache")]
        ),
        // `probe`: a live deployment walked the way each client does (HTTP through async-http-client).
        .target(
            name: "AutodiscoverProbe",
            dependencies: [
                "AutodiscoverCore", "AutodiscoverDNS",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "autodiscover",
            dependencies: [
                "AutodiscoverCore",
                "AutodiscoverServer",
                "AutodiscoverDNS",
                "AutodiscoverProbe",
                "AutodiscoverTemplates",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AutodiscoverCoreTests",
            dependencies: ["AutodiscoverCore"],
            exclude: ["Fixtures", "Golden"]
        ),
        .testTarget(
            name: "AutodiscoverHTTPTests",
            dependencies: ["AutodiscoverCore", "AutodiscoverHTTP", "CNGHTTP2"]
        ),
        .testTarget(
            name: "AutodiscoverTemplatesTests",
            dependencies: ["AutodiscoverCore", "AutodiscoverTemplates"]
        ),
        .testTarget(
            name: "AutodiscoverProbeTests",
            dependencies: ["AutodiscoverCore", "AutodiscoverProbe"]
        ),
        .testTarget(
            name: "AutodiscoverDNSTests",
            dependencies: ["AutodiscoverCore", "AutodiscoverDNS"]
        ),
        .testTarget(
            name: "AutodiscoverCLITests",
            dependencies: ["autodiscover"]
        ),
        .testTarget(
            name: "AutodiscoverServerTests",
            dependencies: [
                "AutodiscoverCore",
                "AutodiscoverHTTP",
                "AutodiscoverServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}

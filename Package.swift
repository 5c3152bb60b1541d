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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // libyaml's event parser (Debian: libyaml-dev), driven directly for speed.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // libidn2 for IDNA2008 / UTS #46 (Debian: libidn2-dev).
        .systemLibrary(name: "CIDN2", pkgConfig: "libidn2", providers: [.apt(["libidn2-dev"])]),
        .target(
            name: "AutodiscoverCore",
            dependencies: [
                "CYAML", "CIDN2",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "AutodiscoverServer",
            dependencies: [
                "AutodiscoverCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "autodiscover",
            dependencies: [
                "AutodiscoverCore",
                "AutodiscoverServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "AutodiscoverCoreTests",
            dependencies: ["AutodiscoverCore"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "AutodiscoverCLITests",
            dependencies: ["AutodiscoverCore"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}

// swift-tools-version: 6.1
// Micro-benchmarks of the core (ordo-one/benchmark): `cd Benchmarks && swift package benchmark`.
// A package of its own so the service's build and `scripts/test.sh` never build the benchmark tooling.
import Foundation
import PackageDescription

// A path dependency is named after its folder; the repository may be cloned under any name.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "AutodiscoverBenchmarks",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "AutodiscoverBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "AutodiscoverCore", package: root),
                .product(name: "AutodiscoverHTTP", package: root),
            ],
            path: "Benchmarks/AutodiscoverBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)

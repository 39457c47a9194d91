// swift-tools-version: 6.1
// Benchmarks live in their own package so that `swift build` and `swift test` of edgeflow
// never build package-benchmark. Run from this directory: `swift package benchmark`.
import PackageDescription

let package = Package(
    name: "edgeflow-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "edgeflow", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EdgeflowBenchmarks",
            dependencies: [
                .product(name: "EdgeflowKit", package: "edgeflow"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "EdgeflowBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

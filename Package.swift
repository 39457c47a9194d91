// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "edgeflow",
    products: [
        .executable(name: "edgeflow", targets: ["edgeflow"]),
        .library(name: "EdgeflowKit", targets: ["EdgeflowKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // libpcap, for `--reader libpcap`, standard input and live capture.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]
        ),
        // A cache-line prefetch, which Swift has no intrinsic for (`LookupAhead`).
        .target(name: "CPrefetch"),
        // `mremap`, which Swift cannot import (C variadic): the flow table's slots grow in place.
        .target(name: "CMapping"),
        // The engine: capture → decode → flow → classify → report, one folder per stage, and
        // one folder per application protocol under Protocols/.
        .target(
            name: "EdgeflowKit",
            dependencies: [
                "CPcap",
                "CPrefetch",
                "CMapping",
                // Cold paths only: MESSAGE-INTEGRITY checks and certificate summaries.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                // Exports: Prometheus metrics.
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // `live`'s diagnostics, through `LogLineHandler`.
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Thin command line: parses arguments, then calls EdgeflowKit.
        .executableTarget(
            name: "edgeflow",
            dependencies: [
                "EdgeflowKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EdgeflowKitTests",
            dependencies: ["EdgeflowKit"],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

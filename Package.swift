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
    ],
    targets: [
        // libpcap, for `--reader libpcap`, standard input and live capture.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]
        ),
        // The engine: capture → decode → flow → classify → report, one folder per stage.
        .target(name: "EdgeflowKit", dependencies: ["CPcap"]),
        // Thin command line: parses arguments, then calls EdgeflowKit.
        .executableTarget(
            name: "edgeflow",
            dependencies: [
                "EdgeflowKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "EdgeflowKitTests", dependencies: ["EdgeflowKit"]),
    ],
    swiftLanguageModes: [.v6]
)

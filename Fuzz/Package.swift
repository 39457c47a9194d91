// swift-tools-version: 6.1
// libFuzzer targets, in their own package so edgeflow's normal build never sees them.
// Build and run with `Fuzz/run.sh TARGET SECONDS` (it passes `--sanitize fuzzer --sanitize address`).
import PackageDescription

let targets = ["FuzzCapture", "FuzzDTLS", "FuzzPackets", "FuzzSDP", "FuzzSTUN", "FuzzTLS", "FuzzText"]

let package = Package(
    name: "edgeflow-fuzz",
    dependencies: [.package(name: "edgeflow", path: "..")],
    targets: targets.map {
        .executableTarget(name: $0, dependencies: [.product(name: "EdgeflowKit", package: "edgeflow")],
                          path: "Targets/\($0)")
    },
    swiftLanguageModes: [.v6]
)

import Foundation

private let scratchRoot = NSTemporaryDirectory() + "edgeflow-tests-\(getpid())/"

/// A fresh path in this test process's scratch directory, which is removed when the process exits.
func scratchPath(_ name: String) -> String {
    _ = scratchDirectory
    return scratchRoot + "\(name)-\(UUID().uuidString)"
}

private let scratchDirectory: Void = {
    try? FileManager.default.createDirectory(atPath: scratchRoot, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: scratchRoot) }
}()

import Foundation

/// What an external tool printed, and its exit status.
struct ToolResult {
    var status: Int32
    var output: String
}

/// Runs an external tool found on PATH (`/usr/bin/env NAME ...`), stdout and stderr together
/// in a scratch file. A missing tool is an error naming the Debian package to install: the
/// tests that need it fail rather than skip.
func runTool(_ arguments: [String], package: String) throws -> ToolResult {
    let base = scratchPath("tool") + ".out"
    _ = FileManager.default.createFile(atPath: base, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: base) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = arguments
    let out = FileHandle(forWritingAtPath: base)
    p.standardOutput = out
    p.standardError = out
    p.standardInput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    let text = String(decoding: FileManager.default.contents(atPath: base) ?? Data(), as: UTF8.self)
    // env exits 127 when the command is not on PATH.
    if p.terminationStatus == 127 && text.contains("No such file") {
        throw ToolMissing(tool: arguments[0], package: package)
    }
    return ToolResult(status: p.terminationStatus, output: text)
}

struct ToolMissing: Error, CustomStringConvertible {
    var tool: String
    var package: String
    var description: String { "\(tool) is not on PATH: install it (apt-get install -y \(package)); .ci/run does" }
}

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

/// How a process ended and what it wrote to standard output and standard error.
struct ProcessOutput {
    /// Its exit status, or the signal that ended it (`exited` false).
    var status: Int32
    var exited: Bool
    var stdout: Data
    var stderr: Data
}

/// Runs `executable` with its standard output and standard error each in a scratch file, never
/// a pipe: a pipe read only after the process ends stops it once a pipe's worth waits, and one
/// held open by a child another test starts at the same moment never reaches its end. Standard
/// input is the file `stdin` or nothing.
func runProcess(_ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                directory: String? = nil) throws -> ProcessOutput {
    let base = scratchPath("process")
    _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out")
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    p.standardOutput = FileHandle(forWritingAtPath: base + ".out")
    p.standardError = FileHandle(forWritingAtPath: base + ".err")
    p.standardInput = stdin.flatMap { FileHandle(forReadingAtPath: $0) } ?? FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return ProcessOutput(status: p.terminationStatus, exited: p.terminationReason == .exit,
                         stdout: FileManager.default.contents(atPath: base + ".out") ?? Data(),
                         stderr: FileManager.default.contents(atPath: base + ".err") ?? Data())
}

struct ToolMissing: Error, CustomStringConvertible {
    var tool: String
    var package: String
    var description: String { "\(tool) is not on PATH: install it (apt-get install -y \(package)); .ci/run does" }
}

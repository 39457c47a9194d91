import Foundation
import Testing

/// Runs the built `edgeflow` binary as a user would.
@Suite("Command line")
struct CommandLineTests {
    static let binary = repositoryRoot + "/.build/debug/edgeflow"
    static let sample = repositoryRoot + "/Captures/public/arkime-stun.pcap"

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ args: [String], stdin: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        if let stdin { p.standardInput = FileHandle(forReadingAtPath: stdin) }
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test("standard input (-) is read through libpcap and gives the same flows")
    func standardInput() throws {
        let file = try Self.run(["analyze", Self.sample, "--format", "json"])
        let piped = try Self.run(["analyze", "-", "--format", "json"], stdin: Self.sample)
        #expect(file.status == 0 && piped.status == 0)
        let a = try JSONSerialization.jsonObject(with: Data(file.stdout.utf8)) as! [String: Any]
        let b = try JSONSerialization.jsonObject(with: Data(piped.stdout.utf8)) as! [String: Any]
        let fa = try JSONSerialization.data(withJSONObject: a["flows"]!, options: .sortedKeys)
        let fb = try JSONSerialization.data(withJSONObject: b["flows"]!, options: .sortedKeys)
        #expect(fa == fb)
    }

    @Test("ndjson: flows, then rules, findings and the summary, one object per line; csv: header and one row per flow")
    func streamingForms() throws {
        let nd = try Self.run(["analyze", Self.sample, "--format", "ndjson"])
        let lines = nd.stdout.split(separator: "\n")
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let types = objects.map { $0["type"] as! String }
        #expect(types.last == "summary")
        #expect(types.prefix(6) == Array(repeating: "flow", count: 6)[...])
        #expect(types.dropFirst(6).prefix(6) == Array(repeating: "rule", count: 6)[...])
        #expect(types.dropFirst(12).dropLast().allSatisfy { $0 == "finding" })
        #expect((objects.last?["topology"] as? [String: Any])?["office365_source"] as? String == "historic lists as of 2016-12-30")
        let csv = try Self.run(["analyze", Self.sample, "--format", "csv"])
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.first?.hasPrefix("uid,proto,orig_h,orig_p,resp_h,resp_p") == true)
        #expect(rows.count == 7)
    }

    @Test("--out writes the report to a file")
    func outFile() throws {
        let path = NSTemporaryDirectory() + "edgeflow-out-\(UUID().uuidString).json"
        let r = try Self.run(["analyze", Self.sample, "--format", "json", "--out", path])
        #expect(r.status == 0 && r.stdout.isEmpty)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        #expect((report["capture"] as! [String: Any])["packets"] as? Int == 8)
    }

    @Test("an unreadable capture is an error naming the file and what to do")
    func badInput() throws {
        let junk = NSTemporaryDirectory() + "edgeflow-junk-\(UUID().uuidString).pcap"
        try Data("not a capture at all".utf8).write(to: URL(fileURLWithPath: junk))
        let r = try Self.run(["analyze", junk])
        #expect(r.status == 2)
        #expect(r.stderr.contains(junk) && r.stderr.contains("not a pcap or pcapng file"))
        let missing = try Self.run(["analyze", "/nonexistent/capture.pcap"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/capture.pcap"))
    }

    @Test("a truncated capture warns on stderr with packet number and offset, and still reports")
    func truncatedWarning() throws {
        let r = try Self.run(["analyze", repositoryRoot + "/Captures/public/suricata-verify-tls_DER-incomplete-header.pcap", "--format", "json"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("warning") && r.stderr.contains("packet 7") && r.stderr.contains("byte offset"))
    }
}

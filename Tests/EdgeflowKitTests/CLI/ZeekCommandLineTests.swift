import Foundation
import Testing

/// `--format zeek` on the command line: the log directory, and what is refused.
@Suite("Command line: Zeek logs", .serialized)
struct ZeekCommandLineTests {
    @Test("analyze --format zeek --out DIR creates DIR and writes the logs; nothing goes to standard output")
    func writesDirectory() throws {
        let dir = scratchPath("zeek-cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CommandLineTests.run(["analyze", OptionErrorTests.sample, "--format", "zeek", "--out", dir])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["conn.log", "dns.log", "edge_findings.log", "edge_rules.log", "rtp.log", "ssl.log", "stun.log", "x509.log"])
        let json = try CommandLineTests.run(["analyze", OptionErrorTests.sample, "--format", "zeek", "--zeek-json", "--out", dir])
        #expect(json.status == 0)
        #expect(try String(contentsOfFile: dir + "/conn.log", encoding: .utf8).hasPrefix("{\"ts\":"))
    }

    @Test("refused: no --out, an --out that is a file, --zeek-json without zeek, --rotate with analyze, a live --rotate by size")
    func refused() throws {
        try OptionErrorTests.refused(["--format", "zeek"], "--format zeek writes several log files: name their directory with --out DIR")
        try OptionErrorTests.refused(["--zeek-json", "--format", "json"], "--zeek-json goes with --format zeek")
        let file = scratchPath("zeek-file")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("keep".utf8)))
        defer { try? FileManager.default.removeItem(atPath: file) }
        try OptionErrorTests.refused(["--format", "zeek", "--out", file], "\(file) exists and is not a directory", usage: false)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep")
        try OptionErrorTests.refused(["--format", "zeek", "--out", file, "--rotate", "1h"], "--rotate with --format zeek is for live runs")
        // Checked before the interface is opened: no privilege needed.
        let size = try CommandLineTests.run(["live", "lo", "--format", "zeek", "--out", file, "--rotate", "100M"])
        #expect(size.status == 2 && size.stderr.contains("--rotate with --format zeek takes a duration (30s, 15m, 1h, 1d)"), "\(size.stderr)")
        let live = try CommandLineTests.run(["live", "lo", "--format", "zeek", "--out", file, "--rotate", "1h"])
        #expect(live.status == 2 && live.stderr.contains("\(file) exists and is not a directory"), "\(live.stderr)")
    }
}

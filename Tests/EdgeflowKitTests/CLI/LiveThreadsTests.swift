import Foundation
import Testing

/// `live --threads N`: N capture sockets in one PACKET_FANOUT group, each with its own drops
/// in the diagnostics and the report. (Tests/Live/fanout_test.sh replays traffic through them.)
@Suite("Live capture on several sockets", .serialized, .enabled(if: getuid() == 0, "capturing on lo needs root"))
struct LiveThreadsTests {
    @Test("--threads 2 on lo: the start names the threads and the group, each socket logs its stop, the summary lists both sockets")
    func twoSockets() throws {
        let out = scratchPath("live-threads") + ".ndjson"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CommandLineTests.run(["live", "lo", "--threads", "2", "--duration", "1", "--interval", "0.5", "--out", out, "--format", "ndjson"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        let start = try #require(lines.first)
        #expect(start.contains(#"msg="capture started""#) && start.contains(" threads=2") && start.contains(" fanout_group="), "\(start)")
        let sockets = lines.filter { $0.contains(#"msg="socket stopped""#) }
        #expect(sockets.count == 2 && sockets[0].hasSuffix(" socket=0") && sockets[1].hasSuffix(" socket=1"), "\(r.stderr)")
        let stop = try #require(lines.last)
        #expect(stop.contains(#"msg="capture stopped""#) && stop.contains(" reason=duration") && stop.contains(" threads=2"), "\(stop)")
        let report = try String(contentsOfFile: out, encoding: .utf8)
        let summaryLine = try #require(report.split(separator: "\n").last)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(summaryLine.utf8)) as? [String: Any])
        let capture = try #require(summary["capture"] as? [String: Any])
        let perSocket = try #require(capture["sockets"] as? [[String: Any]])
        #expect(perSocket.count == 2)
        #expect(perSocket.compactMap { $0["packets"] as? Int }.reduce(0, +) == capture["packets"] as? Int)
        #expect(perSocket.compactMap { $0["kernel_drops"] as? Int }.reduce(0, +) == capture["kernel_drops"] as? Int)
    }

    @Test("one thread writes no per-socket detail")
    func oneSocket() throws {
        let out = scratchPath("live-threads") + ".ndjson"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CommandLineTests.run(["live", "lo", "--duration", "0.5", "--interval", "0.5", "--out", out, "--format", "ndjson"])
        #expect(r.status == 0 && !r.stderr.contains("threads=") && !r.stderr.contains("socket stopped"), "\(r.stderr)")
        #expect(try !String(contentsOfFile: out, encoding: .utf8).contains(#""sockets""#))
    }

    @Test("--threads outside 1...64 is refused before anything is opened", arguments: ["0", "65"])
    func outOfRange(_ n: String) throws {
        let r = try CommandLineTests.run(["live", "lo", "--threads", n])
        #expect(r.status == 2 && r.stderr.contains("--threads must be between 1 and 64, not \(n)"), "\(r.stderr)")
    }
}

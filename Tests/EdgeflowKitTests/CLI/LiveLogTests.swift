import Foundation
import Testing

/// `live`'s diagnostics on standard error, through swift-log: start and stop at info, so a
/// run at --log-level warning (on lo, with nothing dropped) writes none; the report goes to
/// its own output either way.
@Suite("Live diagnostics", .serialized, .enabled(if: getuid() == 0, "capturing on lo needs root"))
struct LiveLogTests {
    static func live(_ extra: [String]) throws -> (CommandLineTests.Result, String) {
        let out = scratchPath("live-log") + ".ndjson"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CommandLineTests.run(["live", "lo", "--duration", "1", "--interval", "0.5", "--out", out, "--format", "ndjson"] + extra)
        return (r, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    @Test("logfmt at info: a start line naming the interface and filter, a stop line with the reason and counts")
    func logfmtInfo() throws {
        let (r, report) = try Self.live([])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(r.stderr)")
        let start = try #require(lines.first)
        #expect(start.wholeMatch(of: try Regex(#"ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z level=info msg="capture started" .*"#)) != nil, "\(start)")
        #expect(start.contains(" interface=lo ") && start.contains(" link_type=") && start.contains(" filter=\"tcp port 5061 or "))
        let stop = try #require(lines.last)
        #expect(stop.contains(#"level=info msg="capture stopped""#) && stop.contains(" reason=duration") && stop.contains(" packets="), "\(stop)")
        // The report stays on its own output, and the diagnostics out of it.
        #expect(report.split(separator: "\n").last?.contains(#""type":"summary""#) == true)
        #expect(!report.contains("capture started"))
    }

    @Test("--log-level warning: start and stop (info) are not written; --log-format json: every line is a JSON object")
    func levelsAndJSON() throws {
        let (quiet, report) = try Self.live(["--log-level", "warning"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        #expect(report.contains(#""type":"summary""#))
        let (json, _) = try Self.live(["--log-format", "json", "--log-level", "debug"])
        #expect(json.status == 0)
        let objects = try json.stderr.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(objects.first?["msg"] as? String == "capture started" && objects.first?["interface"] as? String == "lo")
        #expect(objects.last?["msg"] as? String == "capture stopped" && objects.last?["reason"] as? String == "duration")
        #expect(objects.last?["packets"] is NSNumber)
        // At debug, each interval's counts too.
        #expect(objects.contains { $0["msg"] as? String == "interval" && $0["level"] as? String == "debug" })
    }

    @Test("an unknown --log-level is refused with the levels named")
    func badLevel() throws {
        let r = try CommandLineTests.run(["live", "lo", "--log-level", "loud"])
        #expect(r.status == 2 && r.stderr.contains("trace") && r.stderr.contains("critical"), "\(r.stderr)")
    }
}

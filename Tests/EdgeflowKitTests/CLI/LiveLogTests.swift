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

    @Test("--log-format json: promiscuous is a JSON boolean")
    func promiscuousBoolean() throws {
        let (r, _) = try Self.live(["--log-format", "json"])
        #expect(r.status == 0 && r.stderr.contains(#""promiscuous":true"#), "\(r.stderr)")
    }

    @Test("a write error ends the run with reason=write_error (not signal) and exit status 2")
    func writeError() throws {
        // /dev/full takes the open and refuses every write (ENOSPC).
        let r = try CommandLineTests.run(["live", "lo", "--duration", "5", "--interval", "0.2", "--out", "/dev/full", "--format", "ndjson"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("cannot write /dev/full") && r.stderr.contains(" reason=write_error"), "\(r.stderr)")
    }

    @Test("a restart keeps what the last run wrote: the old --out file is moved aside as a rotation would, and logged")
    func restartKeepsFile() throws {
        let dir = scratchPath("live-restart")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/flows.ndjson"
        try Data("{\"the\":\"last run\"}\n".utf8).write(to: URL(fileURLWithPath: out))
        let r = try CommandLineTests.run(["live", "lo", "--duration", "1", "--interval", "0.3", "--out", out, "--format", "ndjson"])
        #expect(r.status == 0, "\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files.count == 2 && files[0] == "flows.ndjson", "\(files)")
        let aside = dir + "/" + files[1]
        #expect(files[1].wholeMatch(of: try Regex(#"flows\.ndjson\.\d{8}T\d{6}Z"#)) != nil)
        #expect(try String(contentsOfFile: aside, encoding: .utf8) == "{\"the\":\"last run\"}\n")
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains(#""type":"summary""#))
        #expect(r.stderr.contains(#"msg="previous output moved aside""#) && r.stderr.contains("moved_to=\(aside)"), "\(r.stderr)")
    }

    @Test("a settings file's fail_on is ignored by live, with a warning naming the file and line")
    func failOnWarned() throws {
        let config = scratchPath("live-config") + ".toml"
        defer { try? FileManager.default.removeItem(atPath: config) }
        try Data("udp_timeout = 60\nfail_on = \"violation\"\n".utf8).write(to: URL(fileURLWithPath: config))
        let (r, _) = try Self.live(["--config", config])
        #expect(r.status == 0)
        #expect(r.stderr.contains("level=warning msg=\"\(config):2: fail_on is for analyze and is ignored by live"), "\(r.stderr)")
    }

    @Test("an unknown --log-level is refused with the levels named")
    func badLevel() throws {
        let r = try CommandLineTests.run(["live", "lo", "--log-level", "loud"])
        #expect(r.status == 2 && r.stderr.contains("trace") && r.stderr.contains("critical"), "\(r.stderr)")
    }
}

import Foundation
import Testing

/// Runs the built `edgeflow` binary as a user would.
@Suite("Command line", .serialized)
struct CommandLineTests {
    static let binary = repositoryRoot + "/.build/debug/edgeflow"
    static let sample = repositoryRoot + "/Captures/public/arkime-stun.pcap"

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// Runs the binary with its output in temporary files (pipes could be held open by
    /// children that other tests start at the same moment).
    static func run(_ args: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let base = scratchPath("run")
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        p.standardError = FileHandle(forWritingAtPath: base + ".err")
        p.standardInput = stdin.flatMap { FileHandle(forReadingAtPath: $0) } ?? FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let o = FileManager.default.contents(atPath: base + ".out") ?? Data()
        let e = FileManager.default.contents(atPath: base + ".err") ?? Data()
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
        let path = scratchPath("out") + ".json"
        let r = try Self.run(["analyze", Self.sample, "--format", "json", "--out", path])
        #expect(r.status == 0 && r.stdout.isEmpty)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        #expect((report["capture"] as! [String: Any])["packets"] as? Int == 8)
    }

    @Test("an unreadable capture is an error naming the file and what to do")
    func badInput() throws {
        let junk = scratchPath("junk") + ".pcap"
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

@Suite("Command line: topology, rules and ranges", .serialized)
struct TopologyCommandLineTests {
    static let sample = repositoryRoot + "/Captures/edge-sample.pcap"

    @Test("--fail-on gives exit status 1 when violations are found, 0 otherwise")
    func failOn() throws {
        let bad = try CommandLineTests.run(["analyze", Self.sample, "--format", "json", "--fail-on", "violation"])
        #expect(bad.status == 1)
        let clean = try CommandLineTests.run(["analyze", repositoryRoot + "/Captures/public/zeek-naptr.pcap", "--format", "json",
                                              "--fail-on", "violation", "--access-edge", "192.0.2.250"])
        #expect(clean.status == 0)
    }

    @Test("a config file sets the topology; a flag overrides it; errors name the line")
    func configFile() throws {
        let config = scratchPath("config") + ".toml"
        try Data("access_edge = \"203.0.113.10\"\nav_edge = [\"203.0.113.21\"]\n".utf8).write(to: URL(fileURLWithPath: config))
        let r = try CommandLineTests.run(["analyze", Self.sample, "--format", "json", "--config", config, "--av-edge", "203.0.113.20"])
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let topology = report["topology"] as! [String: Any]
        #expect(topology["access_edge"] as? [String] == ["203.0.113.10"])
        #expect(topology["av_edge"] as? [String] == ["203.0.113.20"])
        try Data("access_edge = 203.0.113.10\n".utf8).write(to: URL(fileURLWithPath: config))
        let bad = try CommandLineTests.run(["analyze", Self.sample, "--config", config])
        #expect(bad.status == 2 && bad.stderr.contains("\(config):1: access_edge: expected a quoted string"))
    }

    @Test("the table view: verdict first, then rules, findings, STUN/TURN and media sections, in 80 columns")
    func tableView() throws {
        let r = try CommandLineTests.run(["analyze", Self.sample, "--format", "table"])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.dropFirst().first == "Verdict: 3 violations, 8 error findings")
        #expect(r.stdout.contains("STUN/TURN (6 flows; the 6 busiest)") && r.stdout.contains("Media (8 RTP streams"))
        #expect(r.stdout.contains("0xdc9b834f") && r.stdout.contains("6.8%"))
        #expect(lines.allSatisfy { $0.count <= 80 })
        #expect(!r.stdout.contains("\u{1B}["))  // no colour when not on a terminal
    }

    @Test("edgeflow rules prints both tables and the ranges with their version")
    func rules() throws {
        let r = try CommandLineTests.run(["rules"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("stun-udp-out") && r.stdout.contains("edge-av-stun-tcp-in"))
        #expect(r.stdout.contains("Office 365 ranges: embedded 2025063000") && r.stdout.contains("52.122.0.0/15"))
    }

    @Test("edgeflow ranges update fetches version and endpoints from the web service (a local server here)")
    func rangesUpdate() throws {
        let server = try TinyHTTPServer(routes: [
            "/version/Worldwide": Data(#"{"instance":"Worldwide","latest":"2026110100"}"#.utf8),
            "/endpoints/Worldwide": Data(#"[{"id":11,"serviceArea":"Skype","ips":["52.112.0.0/14","52.122.0.0/15","2603:1063::/38"],"udpPorts":"3478,3479,3480,3481"}]"#.utf8),
        ])
        defer { server.stop() }
        let root = scratchPath("ranges")
        let port = server.port
        let dir = root + "/config"
        let r = try CommandLineTests.run(["ranges", "update", "--url", "http://127.0.0.1:\(port)", "--dir", dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("version 2026110100, 3 Skype prefixes"))
        let listing = try CommandLineTests.run(["rules", "--office365", dir + "/o365-endpoints.json"])
        #expect(listing.stdout.contains("(version 2026110100)"))
        let down = try CommandLineTests.run(["ranges", "update", "--url", "http://127.0.0.1:1", "--dir", dir])
        #expect(down.status == 2 && down.stderr.contains("127.0.0.1:1"))
    }
}

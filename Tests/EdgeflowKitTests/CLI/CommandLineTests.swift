import Foundation
import Testing

/// Runs the built `edgeflow` binary as a user would.
@Suite("Command line", .serialized)
struct CommandLineTests {
    static let binary = buildProductsDirectory + "/edgeflow"
    static let sample = repositoryRoot + "/Captures/public/arkime-stun.pcap"

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// Runs the binary (`runProcess`: its output in scratch files).
    static func run(_ args: [String], stdin: String? = nil, environment: [String: String] = [:], directory: String? = nil) throws -> Result {
        let r = try runProcess(binary, args, stdin: stdin, environment: environment, directory: directory)
        return Result(status: r.status, stdout: String(decoding: r.stdout, as: UTF8.self), stderr: String(decoding: r.stderr, as: UTF8.self))
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

    @Test("a named pipe (or a shell's <(...)) is read whole through libpcap: the same flows and packets as the file, and the format its header names")
    func namedPipe() throws {
        let fifo = scratchPath("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        for sample in [Self.sample, repositoryRoot + "/Captures/edge-sample.pcapng"] {
            let writer = Process()
            writer.executableURL = URL(fileURLWithPath: "/bin/sh")
            writer.arguments = ["-c", "cat '\(sample)' > '\(fifo)'"]
            try writer.run()
            let piped = try Self.run(["analyze", fifo, "--format", "json"])
            writer.waitUntilExit()
            let file = try Self.run(["analyze", sample, "--format", "json"])
            #expect(piped.status == 0 && file.status == 0, "\(piped.stderr)")
            let a = try JSONSerialization.jsonObject(with: Data(file.stdout.utf8)) as! [String: Any]
            let b = try JSONSerialization.jsonObject(with: Data(piped.stdout.utf8)) as! [String: Any]
            let fa = try JSONSerialization.data(withJSONObject: a["flows"]!, options: .sortedKeys)
            let fb = try JSONSerialization.data(withJSONObject: b["flows"]!, options: .sortedKeys)
            #expect(fa == fb)
            let captured = (b["capture"] as! [String: Any])
            #expect(captured["packets"] as? Int == (try TsharkView(path: sample)).frames)
            let files = captured["files"] as! [[String: Any]]
            #expect(files.first?["format"] as? String == (sample.hasSuffix("pcapng") ? "pcapng" : "pcap"))
        }
        let stdin = try Self.run(["analyze", "-", "--format", "json"], stdin: Self.sample)
        let report = try JSONSerialization.jsonObject(with: Data(stdin.stdout.utf8)) as! [String: Any]
        #expect(((report["capture"] as! [String: Any])["files"] as! [[String: Any]]).first?["format"] as? String == "pcap")
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
        // `capinfos -c Captures/public/arkime-stun.pcap`: "Number of packets: 8"; tshark's frames too.
        #expect((report["capture"] as! [String: Any])["packets"] as? Int == 8)
        #expect(try tsharkFields(Self.sample, ["-e", "frame.number"]).count == 8)
    }

    @Test("--out - writes the report to standard output, as with no --out, and makes no file named -; it cannot hold Zeek logs nor rotate")
    func outDash() throws {
        let dir = scratchPath("outdash")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = try Self.run(["analyze", Self.sample, "--format", "json"], directory: dir)
        let dash = try Self.run(["analyze", Self.sample, "--format", "json", "--out", "-"], directory: dir)
        #expect(plain.status == 0 && dash.status == 0, "\(dash.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(dash.stdout.utf8)) as! [String: Any]
        // `capinfos -c Captures/public/arkime-stun.pcap`: "Number of packets: 8".
        #expect((report["capture"] as! [String: Any])["packets"] as? Int == 8)
        #expect(dash.stdout == plain.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        try OptionErrorTests.refused(["--format", "zeek", "--out", "-"], "--format zeek writes several log files")
        try OptionErrorTests.refused(["--format", "ndjson", "--out", "-", "--rotate", "1M"], "--rotate needs --out FILE")
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

@Suite("Command line: options fail with status 2 and say what is wrong", .serialized)
struct OptionErrorTests {
    static let sample = repositoryRoot + "/Captures/edge-sample.pcap"

    /// Runs `analyze` on the sample with `args` and expects status 2 and `message` on stderr.
    static func refused(_ args: [String], _ message: String, usage: Bool = true,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try CommandLineTests.run(["analyze", sample] + args)
        #expect(r.status == 2, "\(args): status \(r.status)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(message), "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        if usage { #expect(r.stderr.contains("Usage: edgeflow analyze"), "\(args): \(r.stderr)", sourceLocation: sourceLocation) }
        #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test("negative and zero numbers are refused for their value, not taken as flags; parse errors exit 2 with the subcommand's usage")
    func numbers() throws {
        try Self.refused(["--udp-timeout", "-5"], "--udp-timeout must be a number of seconds above 0 and below 1000000000, not -5.0")
        try Self.refused(["--tcp-timeout", "0"], "--tcp-timeout must be a number of seconds above 0 and below 1000000000, not 0.0")
        try Self.refused(["--udp-timeout", "1000000000"], "--udp-timeout must be a number of seconds above 0 and below 1000000000, not 1000000000.0")
        try Self.refused(["--max-flows", "-1"], "--max-flows must be from 16 to 1073741824, not -1")
        try Self.refused(["--max-flows", "9223372036854775807"], "--max-flows must be from 16 to 1073741824, not 9223372036854775807")
        try Self.refused(["--max-inspected-flows", "0"], "--max-inspected-flows must be from 1 to 4194304")
        try Self.refused(["--max-inspected-flows", "100000000"], "--max-inspected-flows must be from 1 to 4194304")
        try Self.refused(["--max-inspected-flows", "9223372036854775807"], "--max-inspected-flows must be from 1 to 4194304")
        try Self.refused(["--reassembly-budget", "9223372036854775807"], "--reassembly-budget must be from 1024 bytes to 1073741824")
        try Self.refused(["--reassembly-memory", "2048G"], "--reassembly-memory must be from 4K")
        try Self.refused(["--reassembly-memory", "0"], "--reassembly-memory must be from 4K")
        try Self.refused(["--reassembly-memory", "-5M"], "The value '-5M' is invalid for '--reassembly-memory")
        try Self.refused(["--top", "-3"], "--top must not be negative, not -3")
        try Self.refused(["--threads", "0"], "--threads must be auto or between 1 and 64, not 0")
        try Self.refused(["--threads", "many"], "The value 'many' is invalid for '--threads")
        try Self.refused(["--top", "many"], "The value 'many' is invalid for '--top")
        try Self.refused(["--no-such-flag"], "Unknown option '--no-such-flag'")
        try Self.refused(["--rtp-clock", "96=0"], "--rtp-clock takes PT=HZ pairs")
        let live = try CommandLineTests.run(["live", "lo", "--interval", "-1"])
        #expect(live.status == 2 && live.stderr.contains("--interval must be a number of seconds above 0 and below 1000000000, not -1.0")
                && live.stderr.contains("Usage: edgeflow live"))
        let help = try CommandLineTests.run(["analyze", "--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: edgeflow analyze"))
    }

    @Test("the settings file goes through the flags' checks, names the line, and refuses a key set twice")
    func settingsFile() throws {
        let config = scratchPath("settings") + ".toml"
        defer { try? FileManager.default.removeItem(atPath: config) }
        func refusedWith(_ text: String, _ message: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: config))
            try Self.refused(["--config", config], message, usage: false)
        }
        try refusedWith("# limits\nudp_timeout = -5\n", "\(config):2: udp_timeout must be a number of seconds above 0 and below 1000000000, not -5.0")
        try refusedWith("max_flows = 8\n", "\(config):1: max_flows must be from 16 to 1073741824, not 8")
        try refusedWith("max_flows = 1e30\n", "\(config):1: max_flows: expected a whole number, found 1e30")
        try refusedWith("access_edge = \"203.0.113.10\"\n\naccess_edge = \"203.0.113.11\"\n",
                        "\(config):3: access_edge is set again (first on line 1)")
        try refusedWith("fail_on = \"always\"\n", "\(config):1: fail_on must be violation or warning, not \"always\"")
        try refusedWith("office365_vintage = \"yesterday\"\n", "\(config):1: office365_vintage takes auto, current or a date")
        // The flag overrides the file, and is checked itself.
        try Data("udp_timeout = -5\n".utf8).write(to: URL(fileURLWithPath: config))
        let overridden = try CommandLineTests.run(["analyze", Self.sample, "--format", "json", "--config", config, "--udp-timeout", "60"])
        #expect(overridden.status == 0, "\(overridden.stderr)")
    }

    @Test("one address in two roles is refused, from flags or the settings file")
    func addressInTwoRoles() throws {
        try Self.refused(["--access-edge", "203.0.113.10", "--av-edge", "203.0.113.0/24"],
                         "203.0.113.0/24 (--av-edge) and 203.0.113.10 (--access-edge) overlap", usage: false)
        let config = scratchPath("roles") + ".toml"
        defer { try? FileManager.default.removeItem(atPath: config) }
        try Data("webconf_edge = \"2001:db8::30\"\n".utf8).write(to: URL(fileURLWithPath: config))
        try Self.refused(["--config", config, "--av-edge", "2001:db8::30"], "the A/V Edge or the Web Conferencing Edge, not both", usage: false)
    }

    @Test("--office365-vintage before the oldest published list names that list's date (the 2015-07-01 XML list, reference notes)")
    func vintageTooOld() throws {
        try Self.refused(["--office365-vintage", "2014-06-30"],
                         "--office365-vintage 2014-06-30 is earlier than the oldest published Office 365 ranges (2015-07-01)", usage: false)
        let oldest = try CommandLineTests.run(["rules", "--office365-vintage", "2015-07-01"])
        #expect(oldest.status == 0 && oldest.stdout.contains("historic lists as of 2015-07-01"))
        // auto on a capture older than that: checked against the oldest list, with a warning.
        let old = repositoryRoot + "/Captures/public/zeek-tls-1.2-handshake-failure.pcap"
        let firstFrame = try tsharkFields(old, ["-e", "frame.time_epoch", "-c", "1"])[0][0]
        let day = TimeInterval(firstFrame)!
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let date = formatter.string(from: Date(timeIntervalSince1970: day))
        let r = try CommandLineTests.run(["analyze", old, "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect((report["topology"] as! [String: Any])["office365_source"] as? String == "historic lists as of 2015-07-01")
        let warning = (report["findings"] as! [[String: Any]]).first { $0["code"] as? String == "office365_ranges_after_capture" }
        #expect(warning?["severity"] as? String == "warning")
        #expect((warning?["message"] as? String)?.hasPrefix("the capture (\(date)) is older than the oldest published Office 365 ranges (2015-07-01)") == true)
    }

    @Test("--rotate is refused at start for a report that cannot be split, and without --out")
    func rotateRefused() throws {
        let out = scratchPath("rotate") + ".json"
        try Self.refused(["--rotate", "1M", "--out", out], "--rotate needs --format ndjson")
        try Self.refused(["--rotate", "1M", "--format", "csv", "--out", out], "--rotate needs --format ndjson")
        try Self.refused(["--rotate", "1M", "--format", "ndjson"], "--rotate needs --out FILE")
        try Self.refused(["--rotate", "soon", "--format", "ndjson", "--out", out], "--rotate takes a size")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}

@Suite("Command line: no output lost or faked", .serialized)
struct OutputFailureTests {
    static let sample = repositoryRoot + "/Captures/edge-sample.pcap"

    @Test("analyze --rotate keeps what FILE held: moved aside as a rotation would, and said on stderr")
    func rotatedKeepsFile() throws {
        let dir = scratchPath("analyze-rotate")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/flows.ndjson"
        try Data("{\"the\":\"last run\"}\n".utf8).write(to: URL(fileURLWithPath: out))
        let r = try CommandLineTests.run(["analyze", Self.sample, "--format", "ndjson", "--out", out, "--rotate", "1G"])
        #expect(r.status == 0, "\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files.count == 2 && files[0] == "flows.ndjson", "\(files)")
        let aside = dir + "/" + (files.last ?? "")
        #expect(files.last?.wholeMatch(of: try Regex(#"flows\.ndjson\.\d{8}T\d{6}Z"#)) != nil)
        #expect(try String(contentsOfFile: aside, encoding: .utf8) == "{\"the\":\"last run\"}\n")
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains(#""type":"summary""#))
        #expect(r.stderr == "edgeflow: note: \(out) held a previous report; it was moved to \(aside)\n", "\(r.stderr)")
    }

    @Test("a full disk (/dev/full: every write fails with ENOSPC) is an error naming the file and the reason")
    func diskFull() throws {
        let r = try CommandLineTests.run(["analyze", Self.sample, "--format", "json", "--out", "/dev/full"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write /dev/full: No space left on device"), "\(r.stderr)")
    }

    @Test("a closed pipe on standard output is an error (EPIPE), not a silent death by SIGPIPE")
    func closedPipe() throws {
        let pipe = Pipe()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        p.arguments = ["analyze", Self.sample, "--format", "json"]
        p.standardOutput = pipe.fileHandleForWriting
        let err = scratchPath("pipe") + ".err"
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: err) }
        p.standardError = FileHandle(forWritingAtPath: err)
        try pipe.fileHandleForReading.close()   // nobody will read
        try p.run()
        try pipe.fileHandleForWriting.close()
        p.waitUntilExit()
        let stderr = String(decoding: FileManager.default.contents(atPath: err) ?? Data(), as: UTF8.self)
        #expect(p.terminationReason == .exit && p.terminationStatus == 2)
        #expect(stderr.contains("cannot write standard output: Broken pipe"), "\(stderr)")
    }

    @Test("a run that fails leaves an existing --out file as it was, and no temporary file: missing input, bad option, port in use, nothing analysed with threads")
    func failedRunKeepsOut() throws {
        let dir = scratchPath("keep")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/report.json"
        let previous = "the previous report\n"
        try Data(previous.utf8).write(to: URL(fileURLWithPath: out))
        let busy = try TinyHTTPServer(routes: [:])   // holds a port on 127.0.0.1
        defer { busy.stop() }
        let runs: [[String]] = [
            ["analyze", dir + "/missing.pcap", "--out", out],
            ["analyze", Self.sample, "--out", out, "--udp-timeout", "-1"],
            ["analyze", Self.sample, "--out", out, "--access-edge", "not-an-address"],
            ["analyze", Self.sample, "--out", out, "--metrics-listen", "127.0.0.1:\(busy.port)"],
            ["analyze", repositoryRoot + "/Captures/malformed/tcp-data-offset-below-5.pcap", "--out", out],
            ["live", "nosuchif0", "--out", out],
        ]
        // With several threads the report writer's thread may still hold the stream when the
        // run fails: its temporary file went away only now and then before `abandon`.
        let threaded = [[String]](repeating: ["analyze", repositoryRoot + "/Captures/malformed/tcp-data-offset-below-5.pcap",
                                              "--out", out, "--threads", "2"], count: 8)
        for args in runs + threaded {
            let r = try CommandLineTests.run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(try String(contentsOfFile: out, encoding: .utf8) == previous, "\(args)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["report.json"])
        // A run that succeeds replaces it, with the file's permissions kept.
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: out)
        let ok = try CommandLineTests.run(["analyze", Self.sample, "--format", "json", "--out", out])
        #expect(ok.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [String: Any]
        #expect((report["capture"] as! [String: Any])["packets"] as? Int == (try TsharkView(path: Self.sample)).frames)
        #expect(try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int == 0o640)
    }

    @Test("live: a write error is reported at once, says what happens next, and ends the run with status 2",
          .enabled(if: getuid() == 0, "capturing on lo needs root"))
    func liveWriteError() throws {
        let r = try CommandLineTests.run(["live", "lo", "--out", "/dev/full", "--interval", "1", "--duration", "30"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write /dev/full: No space left on device; stopping the capture"), "\(r.stderr)")
    }

    @Test("a capture with nothing to analyse is an error naming why; one partly undecodable says how much in the verdict")
    func nothingAnalysed() throws {
        // A pcap of link type 147 (LINKTYPE_USER0, private use: no dissector by default) with one
        // 4-byte packet, written by hand: 24-byte global header, 16-byte record header, data.
        let user0 = scratchPath("user0") + ".pcap"
        defer { try? FileManager.default.removeItem(atPath: user0) }
        var bytes: [UInt8] = []
        for v: UInt32 in [0xA1B2_C3D4] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        for v: UInt16 in [2, 4] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        for v: UInt32 in [0, 0, 65535, 147, 1_700_000_000, 0, 4, 4] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        bytes += [0xDE, 0xAD, 0xBE, 0xEF]
        try Data(bytes).write(to: URL(fileURLWithPath: user0))
        // tshark reads the file and finds no IP in it.
        let protocols = try tsharkFields(user0, ["-e", "frame.protocols"])
        #expect(protocols.count == 1 && !protocols[0][0].contains("ip"))
        let r = try CommandLineTests.run(["analyze", user0, "--format", "table"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("nothing could be analysed: link type linktype-147 is not supported (1 packet)"), "\(r.stderr)")
        #expect(r.stdout.contains("Verdict: nothing analysed: link type linktype-147") && !r.stdout.contains("no violations"))
        // tshark: "Bogus TCP header length (12, must be at least 20)" on the only frame.
        let tcp = try CommandLineTests.run(["analyze", repositoryRoot + "/Captures/malformed/tcp-data-offset-below-5.pcap", "--format", "json"])
        #expect(tcp.status == 2 && tcp.stderr.contains("the capture's one packet could not be decoded to IPv4 or IPv6 and a transport (tcp_bad_data_offset 1"))
        // A pcap of a global header only names the file.
        let empty = scratchPath("empty") + ".pcap"
        defer { try? FileManager.default.removeItem(atPath: empty) }
        try Data(bytes.prefix(24)).write(to: URL(fileURLWithPath: empty))
        let none = try CommandLineTests.run(["analyze", empty, "--format", "json"])
        #expect(none.status == 2 && none.stderr.contains("nothing could be analysed: \(empty) holds no packets"), "\(none.stderr)")
        let twice = try CommandLineTests.run(["analyze", "-", "-", "--format", "json"], stdin: empty)
        #expect(twice.status == 2 && twice.stderr.contains("standard input (-) is given twice"), "\(twice.stderr)")
        // libpcap refusing standard input.
        let junk = scratchPath("junk") + ".bin"
        defer { try? FileManager.default.removeItem(atPath: junk) }
        try Data("not a capture".utf8).write(to: URL(fileURLWithPath: junk))
        let piped = try CommandLineTests.run(["analyze", "-"], stdin: junk)
        #expect(piped.status == 2 && piped.stderr.contains("-: libpcap: unknown file format"))
        // tshark marks frames 1 and 2 "Malformed Packet (Exception occurred)" (0 bytes) and decodes frame 3 to TCP.
        let zero = repositoryRoot + "/Captures/malformed/zero-length-packets.pcap"
        let malformed = try tsharkFields(zero, ["-e", "_ws.malformed"]).filter { !$0[0].isEmpty }.count
        let partial = try CommandLineTests.run(["analyze", zero, "--format", "table"])
        #expect(partial.status == 0)
        #expect(partial.stdout.contains(", \(malformed) of 3 packets could not be decoded\n"), "\(partial.stdout)")
    }

    @Test("a gzip-compressed capture (made by gzip) is recognised, with what to do")
    func gzipped() throws {
        let gz = scratchPath("gz") + ".pcap.gz"
        defer { try? FileManager.default.removeItem(atPath: gz) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "gzip -c '\(Self.sample)' > '\(gz)'"]
        try p.run()
        p.waitUntilExit()
        let r = try CommandLineTests.run(["analyze", gz])
        #expect(r.status == 2 && r.stderr.contains("\(gz): this file is gzip-compressed: run `gunzip` on it first"), "\(r.stderr)")
        let libpcap = try CommandLineTests.run(["analyze", gz, "--reader", "libpcap"])
        #expect(libpcap.status == 2 && libpcap.stderr.contains("this file is gzip-compressed: run `gunzip` on it first"), "\(libpcap.stderr)")
        let piped = try CommandLineTests.run(["analyze", "-"], stdin: gz)
        #expect(piped.status == 2 && piped.stderr.contains("a gzip-compressed one through `gunzip -c` first"), "\(piped.stderr)")
    }
}

@Suite("Command line: limits, words and listings", .serialized)
struct LimitsAndWordsTests {
    static let sample = repositoryRoot + "/Captures/edge-sample.pcap"

    @Test("a limit reached says so in the verdict block and as a limit_reached warning naming the flag")
    func limitReached() throws {
        let table = try CommandLineTests.run(["analyze", Self.sample, "--format", "table", "--max-inspected-flows", "1"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[2].hasPrefix("Incomplete: --max-inspected-flows was reached:"), "\(table.stdout)")
        let json = try CommandLineTests.run(["analyze", Self.sample, "--format", "json", "--max-inspected-flows", "1"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let findings = (report["findings"] as! [[String: Any]]).filter { $0["code"] as? String == "limit_reached" }
        #expect(findings.count == 1 && findings[0]["severity"] as? String == "warning")
        let message = findings[0]["message"] as? String ?? ""
        #expect(message.contains("findings may be missing") && message.contains("Raise --max-inspected-flows"))
        // With one inspection slot, at most all of tshark's conversations but one are left uninspected.
        let skipped = (report["capture"] as! [String: Any])["flows_not_inspected"] as! Int
        let conversations = try TsharkView(path: Self.sample).packets.count
        #expect(skipped > 0 && skipped < conversations && message.contains("\(skipped) flows only counted"))
        // All three limits at once, on one thread (each shard would have its own share).
        let all = try CommandLineTests.run(["analyze", Self.sample, "--format", "table", "--threads", "1",
                                            "--max-flows", "16", "--reassembly-memory", "4K", "--max-inspected-flows", "1"])
        let incomplete = all.stdout.split(separator: "\n").filter { $0.hasPrefix("Incomplete: ") }
        #expect(incomplete.map { $0.split(separator: " ")[1] } == ["--max-flows", "--max-inspected-flows", "--reassembly-memory"], "\(all.stdout)")
        let tight = try CommandLineTests.run(["analyze", Self.sample, "--format", "json", "--threads", "1",
                                              "--max-flows", "16", "--reassembly-memory", "4K"])
        let t = try JSONSerialization.jsonObject(with: Data(tight.stdout.utf8)) as! [String: Any]
        let capture = t["capture"] as! [String: Any]
        let evicted = capture["flows_evicted"] as! Int
        let stopped = (capture["reassembly"] as! [String: Any])["streams_out_of_memory"] as! Int
        let tcpConversations = try TsharkView(path: Self.sample).packets.keys.filter { $0.hasPrefix("tcp ") }.count
        // 18 conversations in tshark, 16 slots: some flow is evicted; at most both directions of each TCP conversation stop.
        #expect(evicted > 0 && stopped > 0 && stopped <= 2 * tcpConversations)
        let messages = (t["findings"] as! [[String: Any]]).filter { $0["code"] as? String == "limit_reached" }.map { $0["message"] as! String }
        #expect(messages.count == 2)
        #expect(messages.contains { $0.hasPrefix("--max-flows was reached: \(evicted) flow") && $0.hasSuffix("Raise --max-flows to follow them") })
        #expect(messages.contains { $0.hasPrefix("--reassembly-memory was reached: \(stopped) TCP stream") })
        let plain = try CommandLineTests.run(["analyze", Self.sample, "--format", "json"])
        #expect(!plain.stdout.contains("limit_reached"))
    }

    @Test("words: one flow is '1 flow', long spans in days and hours (capinfos: 227263.471064 s = 2 d 15 h)")
    func words() throws {
        // tshark: one UDP conversation, STUN.
        let stun = repositoryRoot + "/Captures/public/zeek-webrtc-stun.pcap"
        #expect(try TsharkView(path: stun).packets.count == 1)
        let one = try CommandLineTests.run(["analyze", stun, "--format", "table"])
        #expect(one.stdout.contains("STUN/TURN (1 flow;") && one.stdout.contains("Top 1 flow by bytes"))
        #expect(one.stdout.range(of: #"\b1 [a-zA-Z/-]+s\b"#, options: .regularExpression) == nil, "\(one.stdout)")
        // 227263 s = 2 × 86400 + 54463, and 54463 s = 15 h 7 min 43 s.
        let long = try CommandLineTests.run(["analyze", CommandLineTests.sample, "--format", "table"])
        #expect(long.stdout.contains("2017-01-02 04:35:43.573 UTC (2 d 15 h)\n"), "\(long.stdout)")
        // capinfos: 21.110256 s, to the millisecond (trailing zeros dropped).
        let short = try CommandLineTests.run(["analyze", repositoryRoot + "/Captures/public/arkime-stun-ice-testcall.pcap", "--format", "table"])
        #expect(short.stdout.contains(" UTC (21.11 s)\n"))
    }

    @Test("edgeflow rules: the Web Conferencing Edge is never inferred, columns line up, and --format json lists the same rules")
    func rulesListing() throws {
        let text = try CommandLineTests.run(["rules"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Web Conferencing Edge: not given (never inferred)"))
        #expect(text.stdout.contains("Access Edge: inferred from traffic"))
        // Every row's columns start where the header's do, with at least two spaces before each.
        for table in text.stdout.components(separatedBy: "\n\n").prefix(2) {
            let rows = table.split(separator: "\n").dropFirst()
            let header = String(rows.first!)
            let starts = ["PROTOCOL", "FROM", "TO", "SRC PORTS", "DST PORTS"].map { header.range(of: " " + $0)!.upperBound.utf16Offset(in: header) - $0.utf16.count }
            for row in rows.dropFirst() {
                let chars = Array(row)
                for s in starts {
                    #expect(chars.count > s && chars[s - 1] == " " && chars[s - 2] == " " && chars[s] != " ", "\(row)")
                }
            }
        }
        let json = try CommandLineTests.run(["rules", "--format", "json", "--av-edge", "203.0.113.20"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let hybrid = object["hybrid_rules"] as! [[String: Any]]
        #expect(hybrid.map { $0["id"] as! String } == ["sip-mtls-out", "sip-mtls-in", "stun-tcp-out", "stun-tcp-in", "stun-udp-out", "stun-udp-in"])
        #expect(hybrid[4]["transport"] as? String == "udp" && hybrid[4]["dst_ports"] as? String == "3478")
        #expect((object["edge_rules"] as! [[String: Any]]).count == text.stdout.components(separatedBy: "\n\n")[1].split(separator: "\n").count - 2)
        let edges = object["edges"] as! [String: [String: Any]]
        #expect(edges["av_edge"]?["prefixes"] as? [String] == ["203.0.113.20"])
        #expect(edges["webconf_edge"]?["inferred_when_not_given"] as? Bool == false)
        #expect((object["office365"] as! [String: Any])["version"] as? String == "2025063000")
    }

    @Test("ranges update: a URL that is not http(s) is refused; an unreachable service says what to do")
    func rangesUpdateErrors() throws {
        let dir = scratchPath("ranges-dir")
        let bad = try CommandLineTests.run(["ranges", "update", "--url", "ftp://example.com", "--dir", dir])
        #expect(bad.status == 2 && bad.stderr.contains("--url ftp://example.com is not an http(s) base URL"))
        // A port nothing listens on: bind one, note it, close it.
        let closed = try TinyHTTPServer(routes: [:])
        let port = closed.port
        closed.stop()
        let down = try CommandLineTests.run(["ranges", "update", "--url", "http://127.0.0.1:\(port)", "--dir", dir])
        #expect(down.status == 2)
        #expect(down.stderr.contains("127.0.0.1:\(port)") && down.stderr.contains("give the file with --office365 FILE"), "\(down.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir))
        // A service that answers, but not with the endpoints: curl's words for the HTTP status.
        let server = try TinyHTTPServer(routes: [:])
        defer { server.stop() }
        let missing = try CommandLineTests.run(["ranges", "update", "--url", "http://127.0.0.1:\(server.port)", "--dir", dir])
        #expect(missing.status == 2 && missing.stderr.contains("/version/Worldwide") && missing.stderr.contains("404"), "\(missing.stderr)")
        // No curl on the PATH: the error says to install it.
        let noCurl = try CommandLineTests.run(["ranges", "update", "--url", "http://127.0.0.1:\(server.port)", "--dir", dir],
                                              environment: ["PATH": "/nonexistent"])
        #expect(noCurl.status == 2 && noCurl.stderr.contains("curl, which is not installed; install it (apt-get install curl)"), "\(noCurl.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir))
    }
}

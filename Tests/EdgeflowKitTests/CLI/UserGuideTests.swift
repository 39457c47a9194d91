import Foundation
import Testing

/// What the user's guide (README.md) promises about messages and flags, run as a user would;
/// the expected words are the guide's or hand-written.
@Suite("User's guide: messages and flags", .serialized)
struct UserGuideTests {
    static let sample = repositoryRoot + "/Captures/edge-sample.pcap"
    static func run(_ args: [String], directory: String? = nil) throws -> CommandLineTests.Result {
        try CommandLineTests.run(args, directory: directory)
    }

    @Test("a missing file or a directory given as a capture is named plainly, whichever reader")
    func inputs() throws {
        for reader in ["auto", "mmap", "libpcap"] {
            let missing = try Self.run(["analyze", "/nonexistent/x.pcap", "--reader", reader])
            #expect(missing.status == 2 && missing.stderr == "edgeflow: error: /nonexistent/x.pcap: no such file; check the path\n", "\(missing.stderr)")
            let dir = try Self.run(["analyze", "/tmp", "--reader", reader])
            #expect(dir.status == 2 && dir.stderr.contains("/tmp: is a directory; name a capture file"), "\(dir.stderr)")
            #expect(!dir.stderr.contains("libpcap") && !dir.stderr.contains("pipes"))
        }
    }

    @Test("--out naming a directory or nothing, --config naming a directory, --office365 naming another file: what is wrong")
    func outputsAndFiles() throws {
        let dir = try Self.run(["analyze", Self.sample, "--out", "/tmp", "--format", "json"])
        #expect(dir.status == 2 && dir.stderr.contains("--out /tmp is a directory; name a file in it (e.g. /tmp/report.json)") && dir.stderr.contains("Usage:"), "\(dir.stderr)")
        let empty = try Self.run(["analyze", Self.sample, "--out", ""])
        #expect(empty.status == 2 && empty.stderr.contains("--out needs a path"), "\(empty.stderr)")
        let config = try Self.run(["analyze", Self.sample, "--config", "/tmp"])
        #expect(config.status == 2 && config.stderr.contains("config file /tmp is a directory"), "\(config.stderr)")
        let passwd = try Self.run(["analyze", Self.sample, "--office365", "/etc/passwd"])
        #expect(passwd.status == 2 && passwd.stderr.contains("/etc/passwd: not a JSON array of endpoint sets; expected Microsoft's Office 365 endpoints JSON, as `edgeflow ranges update` fetches it"), "\(passwd.stderr)")
    }

    @Test("a pcapng whose packets are all refused is not called empty: the verdict says it could not be read, and why")
    func refusedPackets() throws {
        let malformed = repositoryRoot + "/Captures/malformed/pcapng-packet-before-interface.pcapng"
        let a = try Self.run(["analyze", malformed, "--format", "table"])
        #expect(a.status == 2 && !a.stderr.contains("holds no packets"))
        #expect(a.stdout.contains("Verdict: nothing analysed: \(malformed) could not be read, no packet taken: packet 1, byte offset 28: packet on interface 0"), "\(a.stdout)")
        // libpcap reads one link type a file; this one has interfaces of several.
        let many = repositoryRoot + "/Captures/public/pcapplusplus-many_interfaces-1.pcapng"
        let b = try Self.run(["analyze", many, "--reader", "libpcap", "--format", "json"])
        #expect(b.status == 2 && b.stderr.contains("nothing could be analysed: \(many) could not be read, no packet taken: packet 1"), "\(b.stderr)")
        #expect(b.stderr.contains("--reader mmap reads a pcapng whose interfaces differ in link type"))
        #expect(try Self.run(["analyze", many, "--format", "json"]).status == 0)
    }

    @Test("a wrong flag value exits 2 with the subcommand's usage, as README says, for every flag")
    func usageForFlags() throws {
        for args in [["--access-edge", "nope"], ["--office365-vintage", "soon"], ["--metrics-listen", "nope"], ["--ipfix", "nope"],
                     ["--access-edge", "203.0.113.10/24"], ["--access-edge-name", "bad name!"], ["--rtp-clock", "0=16000"],
                     ["--reassembly-memory", "2T"]] {
            let r = try Self.run(["analyze", Self.sample] + args)
            #expect(r.status == 2 && r.stderr.contains("Usage: edgeflow analyze"), "\(args): \(r.stderr)")
        }
        let hold = try Self.run(["live", "lo", "--metrics-hold", "5"])
        #expect(hold.status == 2 && hold.stderr.contains("--metrics-hold keeps serving the final metrics after the report: it needs --metrics-listen"), "\(hold.stderr)")
    }

    @Test("host bits, a name that is no DNS name, a static payload type, impossible and future dates are refused; 1T is taken")
    func values() throws {
        let host = try Self.run(["analyze", Self.sample, "--access-edge", "203.0.113.10/24"])
        #expect(host.stderr.contains("203.0.113.10/24 has host bits set: give 203.0.113.0/24 for the network or 203.0.113.10/32 for the one address"), "\(host.stderr)")
        let name = try Self.run(["analyze", Self.sample, "--access-edge-name", "sip.contoso.com,bad name!"])
        #expect(name.stderr.contains(#""bad name!" is not a DNS name"#), "\(name.stderr)")
        let pt = try Self.run(["analyze", Self.sample, "--rtp-clock", "0=16000"])
        #expect(pt.stderr.contains("dynamic payload types (96-127"), "\(pt.stderr)")
        let day = try Self.run(["analyze", Self.sample, "--office365-vintage", "2025-02-30"])
        #expect(day.stderr.contains(#"not "2025-02-30" (no such day in the calendar)"#), "\(day.stderr)")
        let future = try Self.run(["analyze", Self.sample, "--office365-vintage", "2099-01-01"])
        #expect(future.status == 2 && future.stderr.contains("2099-01-01 is after today"), "\(future.stderr)")
        for ok in [["--office365-vintage", "2024-02-29"], ["--reassembly-memory", "1T"], ["--access-edge", "203.0.113.0/24", "--access-edge-name", "sip.contoso.com."]] {
            let r = try Self.run(["analyze", Self.sample, "--format", "json", "--out", "/dev/null"] + ok)
            #expect(r.status == 0, "\(ok): \(r.stderr)")
        }
    }

    @Test("a settings file's relative office365 is read beside the settings file, and its errors name the file and line")
    func settingsFilePaths() throws {
        let dir = scratchPath("settings")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(#"[{"id": 11, "serviceArea": "Skype", "ips": ["192.0.2.0/24"]}]"#.utf8).write(to: URL(fileURLWithPath: dir + "/o365.json"))
        try Data("# site\noffice365 = \"o365.json\"\n".utf8).write(to: URL(fileURLWithPath: dir + "/edgeflow.toml"))
        let r = try Self.run(["rules", "--format", "json", "--config", dir + "/edgeflow.toml"], directory: "/")
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let o365 = try #require(json["office365"] as? [String: Any])
        #expect(o365["source"] as? String == dir + "/o365.json" && o365["prefixes"] as? [String] == ["192.0.2.0/24"], "\(o365)")
        try Data("office365 = \"missing.json\"\n".utf8).write(to: URL(fileURLWithPath: dir + "/edgeflow.toml"))
        let missing = try Self.run(["rules", "--config", dir + "/edgeflow.toml"], directory: "/")
        #expect(missing.status == 2 && missing.stderr.contains("\(dir)/edgeflow.toml:1: office365: cannot read Office 365 endpoints file \(dir)/missing.json"), "\(missing.stderr)")
    }
}

import Foundation
import Testing

/// `analyze`'s progress line, with standard error on a pseudo-terminal (Python's `pty`
/// module) and the report on a file; `EDGEFLOW_PROGRESS_MS=0` draws it at every checkpoint
/// (every 4096 packets) instead of at most four times a second, so that a bundled capture,
/// given many times, shows it.
@Suite("Progress line", .serialized)
struct ProgressLineTests {
    static let sample = repositoryRoot + "/Captures/edge-sample.pcap"
    /// The sample given this many times: enough packets for a few checkpoints.
    static let copies = 40

    /// Runs edgeflow with standard output to a file and standard error to a pseudo-terminal
    /// (`terminal`) or a file; returns the exit status and both outputs' bytes.
    static func run(_ args: [String], terminal: Bool, stdin: String = "") throws -> (status: Int32, stdout: Data, stderr: Data) {
        let base = scratchPath("progress")
        defer { for s in [".out", ".err"] { try? FileManager.default.removeItem(atPath: base + s) } }
        let script = """
            import os, pty, subprocess, sys
            out, err, terminal, source = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
            env = dict(os.environ, EDGEFLOW_PROGRESS_MS="0")
            i = open(source, "rb") if source else subprocess.DEVNULL
            with open(out, "wb") as o:
                if not terminal:
                    with open(err, "wb") as e:
                        sys.exit(subprocess.call(sys.argv[5:], stdout=o, stderr=e, stdin=i, env=env))
                master, slave = pty.openpty()
                p = subprocess.Popen(sys.argv[5:], stdout=o, stderr=slave, stdin=i, env=env)
                os.close(slave)
                got = b""
                while True:
                    try:
                        chunk = os.read(master, 65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    got += chunk
                status = p.wait()
            with open(err, "wb") as e:
                e.write(got)
            sys.exit(status)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, base + ".out", base + ".err", terminal ? "1" : "0", stdin, CommandLineTests.binary] + args
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus,
                FileManager.default.contents(atPath: base + ".out") ?? Data(),
                FileManager.default.contents(atPath: base + ".err") ?? Data())
    }

    /// The lines drawn: the text between carriage returns, the erase sequence taken off.
    static func drawn(_ stderr: Data) -> [String] {
        String(decoding: stderr, as: UTF8.self).components(separatedBy: "\r")
            .map { $0.replacingOccurrences(of: "\u{1B}[K", with: "") }.filter { !$0.isEmpty }
    }

    @Test("on a terminal: bytes of the files' total, packets/s and time left, one line per checkpoint, erased at the end; the report is byte-identical without a terminal and with --quiet",
          arguments: [["--merge", "order", "--threads", "1"], ["--merge", "time", "--threads", "1"], ["--merge", "order", "--threads", "2"]])
    func terminal(_ mode: [String]) throws {
        let args = ["analyze"] + Array(repeating: Self.sample, count: Self.copies) + mode + ["--format", "json"]
        let shown = try Self.run(args, terminal: true)
        let plain = try Self.run(args, terminal: false)
        let quiet = try Self.run(args + ["--quiet"], terminal: true)
        #expect(shown.status == 0 && plain.status == 0 && quiet.status == 0)
        #expect(!shown.stdout.isEmpty && shown.stdout == plain.stdout && shown.stdout == quiet.stdout)
        #expect(plain.stderr.isEmpty, "\(String(decoding: plain.stderr, as: UTF8.self))")
        #expect(quiet.stderr.isEmpty, "\(String(decoding: quiet.stderr, as: UTF8.self))")

        let report = try JSONSerialization.jsonObject(with: shown.stdout) as! [String: Any]
        let packets = (report["capture"] as! [String: Any])["packets"] as! Int
        #expect(packets == Self.copies * (try TsharkView(path: Self.sample)).frames)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: Self.sample)[.size] as? Int)
        let total = Double(size * Self.copies) / 1e6
        let lines = Self.drawn(shown.stderr)
        #expect(lines.count == packets / 4096, "\(lines)")
        let pattern = try Regex(#"^edgeflow: ([0-9.]+) (kB|MB) of ([0-9.]+) MB \(([0-9]+)%\), [0-9.]+[kM]? packets/s, [0-9]+:[0-9]{2} left$"#)
        var lastPercent = 0
        for line in lines {
            let m = try #require(line.wholeMatch(of: pattern), "\(line)")
            #expect(Double(String(m.output[3].substring!)) == (total * 10).rounded() / 10)
            let percent = Int(String(m.output[4].substring!))!
            #expect(percent >= lastPercent && percent <= 100)
            lastPercent = percent
            #expect(line.count < 80)
        }
        // Erased at the end: the last thing written is a carriage return and erase-to-end-of-line.
        #expect(String(decoding: shown.stderr, as: UTF8.self).hasSuffix("\r\u{1B}[K"))
    }

    @Test("standard input has no total: bytes read and packets/s only; the report is the same as without a terminal")
    func standardInput() throws {
        let merged = scratchPath("merged") + ".pcap"
        defer { try? FileManager.default.removeItem(atPath: merged) }
        let mergecap = Process()
        mergecap.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        mergecap.arguments = ["mergecap", "-a", "-F", "pcap", "-w", merged] + Array(repeating: Self.sample, count: Self.copies)
        try mergecap.run()
        mergecap.waitUntilExit()
        #expect(mergecap.terminationStatus == 0)
        let args = ["analyze", "-", "--format", "json"]
        let shown = try Self.run(args, terminal: true, stdin: merged)
        let plain = try Self.run(args, terminal: false, stdin: merged)
        #expect(shown.status == 0 && plain.status == 0 && shown.stdout == plain.stdout && plain.stderr.isEmpty)
        let lines = Self.drawn(shown.stderr)
        #expect(lines.count == Self.copies * (try TsharkView(path: Self.sample)).frames / 4096, "\(lines)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: merged)[.size] as? Int)
        let pattern = try Regex(#"^edgeflow: ([0-9.]+) (kB|MB) read, [0-9.]+[kM]? packets/s$"#)
        for line in lines {
            let m = try #require(line.wholeMatch(of: pattern), "\(line)")
            let scale = m.output[2].substring == "kB" ? 1e3 : 1e6
            // libpcap gives no offset: the estimate (24-byte header, 16 bytes per record) is exact for pcap.
            #expect(Double(String(m.output[1].substring!))! * scale <= Double(size) + 50_000)
        }
    }
}

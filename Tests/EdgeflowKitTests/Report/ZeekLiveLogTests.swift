import Foundation
import Testing
@testable import EdgeflowKit

/// The Zeek logs of a live run (`live --format zeek --out DIR --rotate DURATION`), driven by the
/// sample capture with a clock the test sets: rows go to the file open at the time, and at each
/// boundary of the period every open log is closed and renamed `PATH.OPEN_CLOSE.log`.
/// Tests/Live/zeek_live_test.sh runs it on a real interface.
@Suite("Zeek logs, live")
struct ZeekLiveLogTests {
    let sample = repositoryRoot + "/Captures/edge-sample.pcap"
    /// 2026-12-03 18:59:58 UTC (python3: calendar.timegm((2026,12,3,18,59,58,0,0,0))).
    let start: Int64 = 1_796_324_398 * 1_000_000_000

    /// Runs the sample through a live writer whose clock starts at `start` and moves on 250 ms
    /// at each reading; returns the directory's files (name → lines).
    private func run(rotation: Int?, json: Bool = false) throws -> [String: [String]] {
        let dir = scratchPath("zeek-live")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var now = start - 250_000_000
        let writer = try ZeekLiveLogWriter(directory: dir, json: json, rotationSeconds: rotation) {
            now += 250_000_000
            return now
        }
        try AnalyzeJob(options: AnalyzeOptions(paths: [sample])).run(output: OutputStream(path: "/dev/null"), report: writer) { _ in }
        try writer.close()
        return try files(dir)
    }

    private func files(_ dir: String) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[name] = try String(contentsOfFile: dir + "/" + name, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        return out
    }

    /// The rows (not the `#` lines) of the files of log `path`.
    private func rows(_ all: [String: [String]], _ path: String) -> [String] {
        all.filter { $0.key == path + ".log" || $0.key.hasPrefix(path + ".") }.values.flatMap { $0.filter { !$0.hasPrefix("#") } }
    }

    /// The logs `analyze --format zeek` writes for the sample.
    private func offline() throws -> [String: [String]] {
        let dir = scratchPath("zeek-offline")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ZeekLogWriter(directory: dir, json: false)
        try AnalyzeJob(options: AnalyzeOptions(paths: [sample])).run(output: OutputStream(path: "/dev/null"), report: writer) { _ in }
        try writer.close()
        return try files(dir)
    }

    @Test("--rotate 1h: the logs open at 18:59:58 close at 19:00:00 and are renamed; the next rows start fresh files")
    func rotation() throws {
        let all = try run(rotation: 3600)
        // The clock is read once by the writer's init (18:59:58.00), then once per flow: the 8th
        // flow (19:00:00.00) meets the boundary, and the end of the run comes at 19:00:02.75.
        let first = "conn.2026-12-03-18-59-58_2026-12-03-19-00-00.log", second = "conn.2026-12-03-19-00-00_2026-12-03-19-00-02.log"
        #expect(Set(all.keys.filter { $0.hasPrefix("conn.") }) == [first, second])
        #expect(!all.keys.contains { !$0.contains("_2026-12-03-") })
        let before = try #require(all[first]), after = try #require(all[second])
        #expect(before.count == 8 + 7 + 1 && after.count == 8 + 11 + 1)
        #expect(before[4] == "#path\tconn" && before[5] == "#open\t2026-12-03-18-59-58" && before.last == "#close\t2026-12-03-19-00-00")
        #expect(after[5] == "#open\t2026-12-03-19-00-00" && after.last == "#close\t2026-12-03-19-00-02")
        #expect(before[6] == after[6] && before[7] == after[7] && before[6].hasPrefix("#fields\tts\tuid\t"))
        // The rules and findings are written at the end, in the last period's files.
        #expect(all["edge_rules.2026-12-03-19-00-02_2026-12-03-19-00-02.log"] != nil)
        // Together the files hold every row of the offline logs; x509.log's once per file.
        let reference = try offline()
        for path in ["conn", "dns", "ssl", "stun", "rtp", "edge_rules", "edge_findings"] {
            let expected = try #require(reference[path + ".log"]).filter { !$0.hasPrefix("#") }
            #expect(rows(all, path).sorted() == expected.sorted(), "\(path).log")
        }
        // A certificate a later period's sessions show again is logged again there (with that
        // session's time), so the certificates, not the rows, are the offline log's.
        let fingerprint = { (row: String) in row.split(separator: "\t", omittingEmptySubsequences: false)[1] }
        let certificates = try #require(reference["x509.log"]).filter { !$0.hasPrefix("#") }
        #expect(Set(rows(all, "x509").map(fingerprint)) == Set(certificates.map(fingerprint)))
        #expect(rows(all, "x509").count > certificates.count)
        // Each rotated ssl.log joins the x509.log of its own period: every fingerprint of its
        // chains (cert_chain_fps, client_cert_chain_fps) is there.
        for (name, lines) in all where name.hasPrefix("ssl.") {
            let period = name.dropFirst("ssl.".count)
            let x509 = Set((all["x509." + period] ?? []).filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t", omittingEmptySubsequences: false)[1] })
            for row in lines where !row.hasPrefix("#") {
                let fields = row.split(separator: "\t", omittingEmptySubsequences: false)
                for fp in (fields[12].split(separator: ",") + fields[13].split(separator: ",")) where fp != "-" {
                    #expect(x509.contains(fp), "\(name): \(fp) is not in x509.\(period)")
                }
            }
        }
    }

    @Test("without --rotate: one PATH.log per log, #open at the first row's wall-clock time, #close at the stop")
    func noRotation() throws {
        let all = try run(rotation: nil)
        #expect(Set(all.keys) == ["conn.log", "dns.log", "ssl.log", "x509.log", "stun.log", "rtp.log", "edge_rules.log", "edge_findings.log"])
        let conn = try #require(all["conn.log"])
        #expect(conn[5] == "#open\t2026-12-03-18-59-58" && conn.last == "#close\t2026-12-03-19-00-02")
        #expect(conn.count == 8 + 18 + 1)
    }

    @Test("--zeek-json: rows only, rotated the same way")
    func json() throws {
        let all = try run(rotation: 1, json: true)
        let conn = all.filter { $0.key.hasPrefix("conn.") }
        // A one-second period: a new file each four flows (the first: flows 1-3, from 18:59:58.25).
        #expect(conn.count == 5 && conn.values.allSatisfy { $0.allSatisfy { $0.hasPrefix("{\"ts\":") } })
        #expect(conn.values.map(\.count).reduce(0, +) == 18)
        #expect(all["conn.2026-12-03-18-59-58_2026-12-03-18-59-59.log"]?.count == 3)
    }
}

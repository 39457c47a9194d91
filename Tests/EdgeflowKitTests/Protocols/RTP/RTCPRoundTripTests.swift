import Foundation
import Testing
@testable import EdgeflowKit

/// RTCP round trips (RFC 3550 §6.4.1): hand-built reports whose round trip is worked out here,
/// and Captures/rtcp/rtcp-rtt.pcap (Scripts/record_rtcp_capture.sh: two rtcp_peer.py ends of a
/// PCMU call sending SRs with LSR/DLSR both ways) against tshark's `rtcp.roundtrip-delay`
/// (Fixtures/rtcp-rtt.tshark.txt, the command in its header).
@Suite("RTCP round trips")
struct RTCPRoundTripTests {
    /// An SR from `ssrc` with NTP timestamp `ntp` and, when `block` is given, one report block
    /// about `block.ssrc` with LSR and DLSR; `trailer` bytes are appended (an SRTCP index and tag).
    static func sr(_ ssrc: UInt32, ntp: UInt64, block: (ssrc: UInt32, lsr: UInt32, dlsr: UInt32)? = nil, trailer: Int = 0) -> [UInt8] {
        var b: [UInt8] = [block == nil ? 0x80 : 0x81, 200] + Frames.be16(block == nil ? 6 : 12) + Frames.be32(ssrc)
        b += Frames.be32(UInt32(ntp >> 32)) + Frames.be32(UInt32(ntp & 0xFFFF_FFFF)) + Frames.be32(0) + Frames.be32(0) + Frames.be32(0)
        if let block {
            b += Frames.be32(block.ssrc) + Frames.be32(0) + Frames.be32(0) + Frames.be32(0) + Frames.be32(block.lsr) + Frames.be32(block.dlsr)
        }
        return b + [UInt8](repeating: 0xAB, count: trailer)
    }

    static func feed(_ t: inout RTCPRoundTrips, _ bytes: [UInt8], fromOriginator: Bool, at ns: Int64) throws {
        try bytes.withUnsafeBytes { p in
            let c = try RTCPCompound.parse(p)
            t.record(c, p, fromOriginator: fromOriginator, arrival: ns)
        }
    }

    /// A's SR at t = 1 s carries NTP 0x0000_1234_5678_9ABC (middle 32 bits 0x1234_5678); B answers
    /// at t = 1.3 s with LSR 0x1234_5678 and DLSR 0x4000 (16384/65536 = 0.25 s): round trip
    /// 1.3 − 1.0 − 0.25 = 50 ms, for A's stream (sent by the originator).
    @Test func workedRoundTrip() throws {
        var t = RTCPRoundTrips()
        try Self.feed(&t, Self.sr(0xA, ntp: 0x0000_1234_5678_9ABC), fromOriginator: true, at: 1_000_000_000)
        try Self.feed(&t, Self.sr(0xB, ntp: 0x99, block: (0xA, 0x1234_5678, 0x4000)), fromOriginator: false, at: 1_300_000_000)
        let s = try #require(t.of(ssrc: 0xA, fromOriginator: true))
        #expect(s.count == 1 && abs(s.latest - 50) < 1e-9 && abs(s.median - 50) < 1e-6 && abs(s.max - 50) < 1e-9)
        #expect(t.of(ssrc: 0xA, fromOriginator: false) == nil && t.of(ssrc: 0xB, fromOriginator: false) == nil)
    }

    /// No round trip from LSR 0, from an LSR that is not the other side's last SR, from a block
    /// about another source, nor from the same direction's SR; SRTCP (trailing bytes after the
    /// compound) is counted as encrypted and its blocks are not read.
    @Test func noRoundTrip() throws {
        var t = RTCPRoundTrips()
        try Self.feed(&t, Self.sr(0xA, ntp: 0x0000_1234_5678_0000), fromOriginator: true, at: 1_000_000_000)
        try Self.feed(&t, Self.sr(0xB, ntp: 1, block: (0xA, 0, 0x4000)), fromOriginator: false, at: 1_300_000_000)
        try Self.feed(&t, Self.sr(0xB, ntp: 2, block: (0xA, 0x1234_5679, 0x4000)), fromOriginator: false, at: 1_300_000_000)
        try Self.feed(&t, Self.sr(0xB, ntp: 3, block: (0xC, 0x1234_5678, 0x4000)), fromOriginator: false, at: 1_300_000_000)
        try Self.feed(&t, Self.sr(0xA, ntp: 4, block: (0xA, 0x1234_5678, 0x4000)), fromOriginator: true, at: 1_300_000_000)
        try Self.feed(&t, Self.sr(0xB, ntp: 5, block: (0xA, 0x1234_5678, 0x4000), trailer: 14), fromOriginator: false, at: 1_300_000_000)
        #expect(t.streams == 0 && t.encrypted == 1)
    }

    /// The round trips in the tshark fixture, by reporter in report order: tshark's
    /// `rtcp.roundtrip-delay` (whole ms) and the exact value from tshark's own fields, the report's
    /// capture time minus that of the SR tshark matched (`rtcp.lsr-frame`) minus DLSR / 65536 s.
    static func tsharkRoundTrips() throws -> [(reporter: UInt32, tshark: Double, exact: Double)] {
        let text = try String(contentsOf: Fixtures.directory.appendingPathComponent("rtcp-rtt.tshark.txt"), encoding: .utf8)
        let rows = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        var time: [Substring: Double] = [:]
        for f in rows { time[f[0]] = Double(f[1]) }
        return rows.filter { !$0[6].isEmpty }.map { f in
            let exact = (time[f[0]]! - time[f[7]]!) * 1000 - Double(f[5])! * 1000 / 65536
            return (UInt32(f[2].dropFirst(2), radix: 16)!, Double(f[6])!, exact)
        }
    }

    /// Each stream's round trips come from the other peer's reports: as many as tshark computes,
    /// equal to the exact values from tshark's fields (to the report's 3 decimals; tshark itself
    /// truncates the seconds and nanoseconds of the report gap, and DLSR, to whole ms, so its
    /// figure is within (−1, 2) ms of the exact one); `rtt_ms` is the RTCP median.
    @Test(arguments: [(UInt32(0x1111_1111), UInt32(0x2222_2222)), (UInt32(0x2222_2222), UInt32(0x1111_1111))])
    func matchesTshark(stream: UInt32, reporter: UInt32) throws {
        let rows = try Self.tsharkRoundTrips().filter { $0.reporter == reporter }
        #expect(rows.count >= 8)
        for r in rows { #expect(r.tshark - r.exact > -1 && r.tshark - r.exact < 2, "tshark \(r.tshark) vs exact \(r.exact)") }
        let exact = rows.map(\.exact)
        let report = try analyzeJSON([repositoryRoot + "/Captures/rtcp/rtcp-rtt.pcap"])
        let flow = try #require(report.flows.first { $0["orig_p"] as? Int == 40100 || $0["resp_p"] as? Int == 40100 })
        let rtp = try #require(flow["rtp"] as? [[String: Any]])
        let entry = try #require(rtp.first { $0["ssrc"] as? String == "0x" + String(stream, radix: 16) })
        let r = try #require(entry["rtcp_rtt_ms"] as? [String: Any])
        let sorted = exact.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        #expect(r["samples"] as? Int == exact.count)
        #expect(abs((r["latest"] as? Double ?? -9) - exact.last!) < 0.002)
        #expect(abs((r["max"] as? Double ?? -9) - sorted.last!) < 0.002)
        #expect(abs((r["median"] as? Double ?? -9) - median) < 0.002)
        #expect(entry["rtt_source"] as? String == "rtcp" && entry["rtt_ms"] as? Double == r["median"] as? Double)
        let rtcp = try #require(flow["rtcp"] as? [String: Any])
        #expect(rtcp["encrypted"] as? Int == 0 && (rtcp["round_trips"] as? [[String: Any]])?.count == 2)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// Time slices of RTP streams: merging worked out here, and Captures/rtcp/rtcp-rtt.pcap's
/// stream 0x11111111 against tshark's per-slice frame counts (Fixtures/rtcp-rtt-slices.tshark.txt).
@Suite("RTP time slices")
struct RTPSlicesTests {
    /// 1 ms slices, a packet every 0.25 ms for 100 ms (400 packets; before every tenth one a
    /// sequence number is skipped, 40 lost): 100 slices of 1 ms overflow 64 once, so the width is
    /// 2 ms and the 50 slices hold 8 packets each; packets and loss sum to the stream's.
    @Test func mergesAndSums() {
        var s = RTPStreamStats(sliceWidth: 1_000_000)
        var seq: UInt16 = 0, sent = 0
        for k in 0..<400 {
            seq &+= k % 10 == 9 ? 2 : 1   // one number skipped in ten: lost
            s.record(sequence: seq, timestamp: UInt32(k) * 2, arrivalNanoseconds: Int64(k) * 250_000, payloadType: 0,
                     marker: false, clockRate: 8000)
            sent += 1
        }
        #expect(s.slices.width == 2_000_000)
        let all = s.slices.all(packets: s.packets, lost: s.lost, jitter: s.jitterSeconds)
        // Arrivals 0 ... 99.75 ms in 2 ms slices: 50 slices of 8 packets each.
        #expect(all.count == 50 && all.allSatisfy { $0.packets == 8 })
        #expect(all.reduce(0) { $0 + Int($1.packets) } == sent)
        #expect(all.reduce(0) { $0 + Int($1.lost) } == Int(s.lost) && s.lost == 40)
        #expect(all.allSatisfy { $0.maxGap == 250 })
    }

    /// A silence of 3 s in 1 s slices: the slices it spans are empty, the gap is on the slice the
    /// next packet opens, and that slice (the largest gap, no loss, same jitter) is the worst.
    @Test func emptySlicesAndWorst() {
        var s = RTPStreamStats(sliceWidth: 1_000_000_000)
        for (k, ms) in [0, 20, 40, 3_500, 3_520].enumerated() {
            s.record(sequence: UInt16(k), timestamp: UInt32(ms * 8), arrivalNanoseconds: Int64(ms) * 1_000_000, payloadType: 0,
                     marker: false, clockRate: 8000)
        }
        let all = s.slices.all(packets: s.packets, lost: s.lost, jitter: s.jitterSeconds)
        #expect(all.map(\.packets) == [3, 0, 0, 2])
        #expect(all.map(\.maxGap) == [20_000, 0, 0, 3_460_000])
        #expect(RTPSlices.worst(all) == 3)
    }

    /// `--slice 0.1` on the 12 s stream: 120 slices overflow 64 once, so 0.2 s slices, whose
    /// packet counts are tshark's for the same windows from the stream's first packet.
    @Test func matchesTshark() throws {
        let text = try String(contentsOf: Fixtures.directory.appendingPathComponent("rtcp-rtt-slices.tshark.txt"), encoding: .utf8)
        let expected = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { Int($0.split(separator: " ")[1])! }
        let report = try analyzeJSON([repositoryRoot + "/Captures/rtcp/rtcp-rtt.pcap"]) { $0.flow.rtpSliceWidth = 100_000_000 }
        let flow = try #require(report.flows.first { $0["orig_p"] as? Int == 40100 || $0["resp_p"] as? Int == 40100 })
        let entry = try #require((flow["rtp"] as? [[String: Any]])?.first { $0["ssrc"] as? String == "0x11111111" })
        #expect(entry["slice_s"] as? Double == 0.2)
        let slices = try #require(entry["slices"] as? [[String: Any]])
        #expect(slices.map { $0["packets"] as? Int ?? -1 } == expected)
        #expect(slices.reduce(0) { $0 + ($1["packets"] as? Int ?? 0) } == entry["packets"] as? Int)
        #expect(slices.first?["start"] as? String == flow["ts"] as? String)
        #expect(entry["worst_slice"] is Int)
    }
}

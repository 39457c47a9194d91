import Testing
@testable import EdgeflowKit

/// The one-thread path records a packet of a stream the flow already tracks with
/// `recordTracked` (its direction's last slot looked at first) and hands any other packet to
/// `record`: streams stay apart by SSRC and direction, as the full search kept them.
@Suite("RTP streams of one flow")
struct RTPFlowStatsTests {
    private func header(_ ssrc: UInt32, _ seq: UInt16) -> RTPHeader {
        let bytes: [UInt8] = [0x80, 0x00] + Frames.be16(seq) + Frames.be32(160 * UInt32(seq)) + Frames.be32(ssrc)
        return try! bytes.withUnsafeBytes { try RTPHeader.parse($0) }
    }

    /// One packet as `Dispatcher.rtp` takes it: `recordTracked`, else `record`.
    private func take(_ stats: inout RTPFlowStats, _ h: RTPHeader, fromOriginator: Bool, at t: Int64) -> Bool {
        if let confirmed = stats.recordTracked(ssrc: h.ssrc, fromOriginator: fromOriginator, sequence: h.sequence, timestamp: h.timestamp,
                                               payloadType: h.payloadType, marker: h.marker, arrival: t, clockRate: 8000) {
            return confirmed
        }
        return stats.record(h, fromOriginator: fromOriginator, arrival: t, clock: (8000, .pcmu))
    }

    @Test func interleavedStreamsInBothDirections() {
        var stats = RTPFlowStats()
        // SSRC 0x1111 from both ends (two streams), 0x2222 from the originator only, in turn
        // every 20 ms; 0x2222 skips sequence 75 (one lost).
        for k in 0..<10 as Range<UInt16> {
            let t = Int64(k) * 20_000_000
            let a = take(&stats, header(0x1111, 10 + k), fromOriginator: true, at: t)
            let b = take(&stats, header(0x1111, 500 + k), fromOriginator: false, at: t + 1_000_000)
            #expect(a == (k > 0) && b == (k > 0))
            if k != 5 { _ = take(&stats, header(0x2222, 70 + k), fromOriginator: true, at: t + 2_000_000) }
        }
        #expect(stats.streams == 3)
        #expect(stats.ssrc[0] == 0x1111 && stats.fromOriginator[0])
        #expect(stats.ssrc[1] == 0x1111 && !stats.fromOriginator[1])
        #expect(stats.ssrc[2] == 0x2222 && stats.fromOriginator[2])
        #expect(stats.stats[0].packets == 10 && stats.stats[0].lost == 0 && stats.stats[0].extendedHighestSequence == 19)
        #expect(stats.stats[1].packets == 10 && stats.stats[1].lost == 0 && stats.stats[1].extendedHighestSequence == 509)
        #expect(stats.stats[2].packets == 9 && stats.stats[2].lost == 1 && stats.stats[2].extendedHighestSequence == 79)
        #expect((0..<3).allSatisfy { stats.confirmed[$0] })
    }

    @Test func anUntrackedStreamIsLeftToRecord() {
        var stats = RTPFlowStats()
        _ = take(&stats, header(0x1111, 1), fromOriginator: true, at: 0)
        // The same SSRC from the other end is another stream: not tracked yet, nothing changes.
        let h = header(0x1111, 2)
        #expect(stats.recordTracked(ssrc: h.ssrc, fromOriginator: false, sequence: h.sequence, timestamp: h.timestamp,
                                    payloadType: 0, marker: false, arrival: 20_000_000, clockRate: 8000) == nil)
        #expect(stats.streams == 1 && stats.stats[0].packets == 1)
    }
}

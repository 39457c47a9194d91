import Testing
@testable import EdgeflowKit

/// The one-thread path records a packet of a stream the flow already tracks with
/// `recordTracked` (its direction's last slot looked at first) and hands any other packet to
/// `record`: streams stay apart by SSRC and direction, as the full search kept them.
@Suite("RTP streams of one flow")
struct RTPFlowStatsTests {
    private static let clocks = RTPClocks(configured: [:])

    private func header(_ ssrc: UInt32, _ seq: UInt16) -> RTPHeader {
        let bytes: [UInt8] = [0x80, 0x00] + Frames.be16(seq) + Frames.be32(160 * UInt32(seq)) + Frames.be32(ssrc)
        return try! bytes.withUnsafeBytes { try RTPHeader.parse($0) }
    }

    /// One packet as `Dispatcher.rtp` takes it: `recordTracked`, else `record`.
    private func take(_ stats: inout RTPFlowStats, _ h: RTPHeader, fromOriginator: Bool, at t: Int64) -> Bool {
        if let confirmed = stats.recordTracked(ssrc: h.ssrc, fromOriginator: fromOriginator, sequence: h.sequence, timestamp: h.timestamp,
                                               payloadType: h.payloadType, marker: h.marker, arrival: t, clocks: Self.clocks) {
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
                                    payloadType: 0, marker: false, arrival: 20_000_000, clocks: Self.clocks) == nil)
        #expect(stats.streams == 1 && stats.stats[0].packets == 1)
    }

    /// One packet as the one-thread datagram path takes it (`Dispatcher.rtpNaming`): its
    /// direction's known stream first, else `recordTracked` remembering a confirmed stream,
    /// else `record`; true when the known stream took it.
    private func takeNaming(_ stats: inout RTPFlowStats, _ bytes: [UInt8], fromOriginator: Bool, at t: Int64, sliceWidth: Int64) -> Bool {
        bytes.withUnsafeBytes { p in
            if let plain = PlainRTPHeader(p),
               withUnsafeMutablePointer(to: &stats, { RTPFlowStats.recordKnown($0, plain, fromOriginator: fromOriginator, arrival: t) }) {
                return true
            }
            let h = try! RTPHeader.parse(p)
            if stats.recordTracked(ssrc: h.ssrc, fromOriginator: fromOriginator, sequence: h.sequence, timestamp: h.timestamp,
                                   payloadType: h.payloadType, marker: h.marker, arrival: t, clocks: Self.clocks, remembering: true) == nil {
                stats.record(h, fromOriginator: fromOriginator, arrival: t, clock: Self.clocks.lookup(h.payloadType), sliceWidth: sliceWidth)
            }
            return false
        }
    }

    /// A stream of PCMU with comfort noise (PT 13) and telephone events (PT 101, no clock),
    /// markers, a duplicate, a loss, a late packet, a restart (a jump the next packet
    /// confirms), arrivals that wander and a slice every second: taken through its known slot
    /// (the payload type's clock kept from the packet before) it is the stream the public
    /// `RTPStreamStats.record`, given each packet's clock, makes: the same counts, slices and
    /// jitter to the bit. A packet of the same SSRC from the other end is another stream.
    @Test func aKnownStreamIsTheStreamRecordMakes() throws {
        let width: Int64 = 1_000_000_000
        var flow = RTPFlowStats()
        var reference = RTPStreamStats(sliceWidth: width)
        var seq: UInt16 = 40_000, known = 0
        for k in 0..<200 {
            let q: UInt16
            switch k {
            case 30: q = seq                         // a duplicate
            case 50: seq &+= 2; q = seq              // one lost...
            case 70: q = seq &- 20                   // ...and late
            case 120: seq &+= 5_000; q = seq         // a jump, confirmed by the next packet
            default: seq &+= 1; q = seq
            }
            let pt: UInt8 = (90..<96).contains(k) ? 13 : (k == 140 || k == 141 ? 101 : 0)
            let marker = k == 96 || k == 150
            let timestamp = UInt32(truncatingIfNeeded: 1_000_000 + k * 160)
            let arrival = Int64(k) * 20_000_000 + Int64((k * 7919) % 13) * 700_000
            let bytes: [UInt8] = [0x80, (marker ? 0x80 : 0) | pt] + Frames.be16(q) + Frames.be32(timestamp) + Frames.be32(0xA1B2_C3D4)
            if takeNaming(&flow, bytes, fromOriginator: true, at: arrival, sliceWidth: width) { known += 1 }
            reference.record(sequence: q, timestamp: timestamp, arrivalNanoseconds: arrival, payloadType: pt, marker: marker,
                             clockRate: RTPClock.rate(payloadType: pt))
        }
        #expect(known > 170)
        let other: [UInt8] = [0x80, 0x00] + Frames.be16(7) + Frames.be32(7) + Frames.be32(0xA1B2_C3D4)
        #expect(!takeNaming(&flow, other, fromOriginator: false, at: 4_000_000_000, sliceWidth: width))
        #expect(flow.streams == 2 && flow.stats[1].packets == 1 && flow.knownStream[0] == 64 && flow.knownStream[1] == 0)
        let s = flow.stats[0]
        #expect(s.packets == reference.packets && s.received == reference.received && s.expected == reference.expected)
        #expect(s.outOfOrder == reference.outOfOrder && s.restarts == 1 && reference.restarts == 1)
        #expect(s.jitterSeconds.bitPattern == reference.jitterSeconds.bitPattern && s.jitterSeconds > 0)
        #expect(s.maxJitterSeconds.bitPattern == reference.maxJitterSeconds.bitPattern && s.maxJitterSeconds > 0)
        #expect(s.jitter.bitPattern == reference.jitter.bitPattern)
        #expect(s.pattern.duplicates == 1 && s.pattern.reordered == 1 && reference.pattern.reordered == 1)
        #expect(s.pattern.spacingTicks == 160 && s.lost == reference.lost)
        #expect(s.slices.count == 3 && s.slices.closed == reference.slices.closed)
    }
}

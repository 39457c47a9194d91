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

    /// One packet as the one-thread datagram path takes it (`Dispatcher.rtpKnown`, `rtpNaming`):
    /// its direction's known stream in `known` first, else `recordNaming` remembering a
    /// confirmed stream there, else `record`; true when the known stream took it.
    private func takeNaming(_ stats: inout RTPFlowStats, _ known: inout RTPKnownStreams, _ bytes: [UInt8], fromOriginator: Bool,
                            at t: Int64, sliceWidth: Int64) -> Bool {
        bytes.withUnsafeBytes { p in
            let o = known[fromOriginator: fromOriginator]
            if o != 0, let plain = PlainRTPHeader(p),
               withUnsafeMutablePointer(to: &stats, { RTPFlowStats.recordKnown($0, stream: o, plain, arrival: t) }) {
                return true
            }
            let h = try! RTPHeader.parse(p)
            if stats.recordNaming(ssrc: h.ssrc, fromOriginator: fromOriginator, sequence: h.sequence, timestamp: h.timestamp,
                                  payloadType: h.payloadType, marker: h.marker, arrival: t, clocks: Self.clocks, known: &known) == nil {
                stats.record(h, fromOriginator: fromOriginator, arrival: t, clock: Self.clocks.lookup(h.payloadType), sliceWidth: sliceWidth)
            }
            return false
        }
    }

    /// A packet whose timestamp is before the first packet's moves no jitter, and the next
    /// packet's transit is from the last packet before it that moved it (Wireshark's
    /// `R_prev`), whichever path takes them: by hand, PCMU (8 kHz) at 0 and 20 ms, timestamps
    /// 1000 and 1160; the third (sequence in order, timestamp 500) at 40 ms; the fourth,
    /// timestamp 1320 at 45 ms, is 25 ms after the second for 20 ms of media (|D| 5 ms, J =
    /// 5/16 ms; 15 ms from the third would give 15/16); the fifth, 20 ms and 160 ticks later,
    /// D = 0 (J × 15/16). The known stream takes the first, third and fifth.
    @Test func aTimestampBeforeTheFirstMovesNoJitter() {
        var flow = RTPFlowStats(), knownStreams = RTPKnownStreams()
        let packets: [(UInt16, UInt32, Int64)] = [(1, 1000, 0), (2, 1160, 20), (3, 500, 40), (4, 1320, 45), (5, 1480, 65)]
        var known: [Bool] = [], jitters: [Double] = [], arrivals: [Int64] = []
        for (seq, timestamp, ms) in packets {
            let bytes: [UInt8] = [0x80, 0x00] + Frames.be16(seq) + Frames.be32(timestamp) + Frames.be32(0x5EED_0001)
            known.append(takeNaming(&flow, &knownStreams, bytes, fromOriginator: false, at: ms * 1_000_000, sliceWidth: RTPSlices.defaultWidth))
            jitters.append(flow.stats[0].jitterSeconds)
            arrivals.append(flow.stats[0].previousArrival)
        }
        #expect(known == [false, false, true, false, true])
        #expect(abs(jitters[1]) < 1e-12 && abs(jitters[2]) < 1e-12)
        #expect(abs(jitters[3] - 0.005 / 16) < 1e-12 && abs(jitters[4] - 0.005 / 16 * 15 / 16) < 1e-12)
        #expect(arrivals == [0, 20_000_000, 20_000_000, 45_000_000, 65_000_000])
        let s = flow.stats[0]
        #expect(s.packets == 5 && s.received == 5 && s.lost == 0 && s.lastClockRate == 8000)
        #expect(abs(s.jitter - 0.005 / 16 * 15 / 16 * 8000) < 1e-9 && knownStreams[fromOriginator: false] == 64
                && knownStreams[fromOriginator: true] == 0)
    }

    /// A media flow's RTP state is made beside its protocol enum (`FlowInspection.rtpState`)
    /// only for a flow that is or becomes a media flow, once, and goes with the flow's facts.
    @Test func aMediaFlowsRTPStateIsItsInspections() throws {
        var slab = InspectionSlab(capacity: 4)
        let dns = slab.add(), media = slab.add()
        slab[dns].pointee.state = .dns(nil)
        let none = slab[dns].pointee.rtp(), noneBeside = slab[dns].pointee.rtpState
        #expect(none == nil && noneBeside == nil)
        let first = slab[media].pointee.rtp()
        let made = try #require(first)
        var isMedia = false
        if case .media = slab[media].pointee.state { isMedia = true }
        let second = slab[media].pointee.rtp()?.address, beside = slab[media].pointee.rtpState?.address
        #expect(isMedia && second == made.address && beside == made.address)
        let facts = slab.remove(media).end()
        #expect(try #require(facts.rtp).withAddress { UnsafeRawPointer($0) } == made.address)
        let again = slab.add()
        let fresh = slab[again].pointee.rtpState
        #expect(again == media && fresh == nil)
    }

    /// A stream of PCMU with comfort noise (PT 13) and telephone events (PT 101, no clock),
    /// markers, a duplicate, a loss, a late packet, a restart (a jump the next packet
    /// confirms), arrivals that wander and a slice every second: taken through its known slot
    /// (the payload type's clock kept from the packet before) it is the stream the public
    /// `RTPStreamStats.record`, given each packet's clock, makes: the same counts, slices and
    /// jitter to the bit. A packet of the same SSRC from the other end is another stream.
    @Test func aKnownStreamIsTheStreamRecordMakes() throws {
        let width: Int64 = 1_000_000_000
        var flow = RTPFlowStats(), knownStreams = RTPKnownStreams()
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
            if takeNaming(&flow, &knownStreams, bytes, fromOriginator: true, at: arrival, sliceWidth: width) { known += 1 }
            reference.record(sequence: q, timestamp: timestamp, arrivalNanoseconds: arrival, payloadType: pt, marker: marker,
                             clockRate: RTPClock.rate(payloadType: pt))
        }
        // By hand: the known path (`RTPFlowStats.recordKnown`) takes a packet of the known
        // stream's SSRC whose payload type is the previous packet's; it looks at nothing else
        // (sequence and timestamp are the stream's to judge). Not taken: packet 0 (no stream
        // yet: it makes one), 1 (the stream's second, in sequence: confirmed, then made known),
        // 90 (PT 13 after 0), 96 (0 after 13), 140 (101 after 0), 142 (0 after 101). Taken: the
        // 194 others, the duplicate at 30, the loss at 50, the late packet at 70, the jump at 120
        // and its confirmation at 121 among them (all of PT 0 after PT 0), and 141 (101 after 101).
        #expect(known == 194)
        let other: [UInt8] = [0x80, 0x00] + Frames.be16(7) + Frames.be32(7) + Frames.be32(0xA1B2_C3D4)
        #expect(!takeNaming(&flow, &knownStreams, other, fromOriginator: false, at: 4_000_000_000, sliceWidth: width))
        #expect(flow.streams == 2 && flow.stats[1].packets == 1 && knownStreams[fromOriginator: true] == 64
                && knownStreams[fromOriginator: false] == 0)
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

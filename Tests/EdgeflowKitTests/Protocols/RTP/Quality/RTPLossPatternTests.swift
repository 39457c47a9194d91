import Testing
@testable import EdgeflowKit

/// Duplicates, late packets, loss runs and RFC 3611 burst/gap metrics on hand-built streams
/// (PCMU, 160 ticks = 20 ms a packet), with the expected values worked out here by hand.
@Suite("RTP loss pattern and RFC 3611 burst/gap metrics")
struct RTPLossPatternTests {
    /// Records the sequence numbers in arrival order, 20 ms apart, timestamps 160 per number.
    static func stream(_ seqs: [Int]) -> RTPStreamStats {
        var s = RTPStreamStats()
        for (i, q) in seqs.enumerated() {
            s.record(sequence: UInt16(truncatingIfNeeded: q), timestamp: UInt32(truncatingIfNeeded: q &* 160),
                     arrivalNanoseconds: Int64(i) * 20_000_000, payloadType: 0, marker: false, clockRate: 8000)
        }
        return s
    }

    /// Received runs and lost runs alternating, starting with received: [r, l, r, l, ...].
    static func pattern(_ runs: [Int]) -> [Int] {
        var seqs: [Int] = [], next = 1
        for (i, n) in runs.enumerated() {
            if i % 2 == 0 { seqs += next..<next + n }
            next += n
        }
        return seqs
    }

    static func metrics(_ s: RTPStreamStats) -> RTPBurstMetrics {
        RTPBurstMetrics(s.pattern, spacingMilliseconds: Double(s.pattern.spacingTicks) * 1000 / 8000)
    }

    /// 20 received, 1 lost, 20 received, 3 lost, 2 received, 1 lost, 30 received.
    /// By §4.7.2 (Gmin 16) the lone loss lies in a gap (16 or more received on both sides); the
    /// burst is "3 lost, 2 received, 1 lost": 6 packets, 4 lost, density 4/6, 120 ms. The gaps
    /// hold 71 packets, 1 lost: density 1/71.
    /// RFC 3611 A.2 by hand: loss 1 after 20 received → c13 = 1, c11 = 20, lost = 1; loss 2 after
    /// 20 → lost was 1 so c14 = 1, c11 = 40; two more losses with pkt = 0 → c33 = 2, lost = 3;
    /// loss after 2 received (< Gmin) → c23 = 1, c22 = 1; 30 received at the end join c11 = 70.
    /// c31 = c13 = 1, c32 = c23 = 1: p32 = 1/(1+1+2) = 0.25, p23 = 1 − 1/2 = 0.5,
    /// burst density 0.5/0.75 = 2/3; gap density 1/(70+1) = 1/71;
    /// gap = (70+1+1)·20/1 = 1440 ms; total = 70+1+1+1+1+1+1+2 = 78, burst = 78·20 − 1440 = 120 ms.
    @Test func burstAndGap() {
        let s = Self.stream(Self.pattern([20, 1, 20, 3, 2, 1, 30]))
        let m = Self.metrics(s)
        #expect(s.pattern.spacingTicks == 160)
        #expect(abs(m.burstDensity - 2.0 / 3) < 1e-12)
        #expect(abs(m.gapDensity - 1.0 / 71) < 1e-12)
        #expect(m.burstMilliseconds == 120 && m.gapMilliseconds == 1440)
        #expect(s.pattern.longestLossRun == 3 && s.pattern.lossRuns == 3)
        #expect(s.lost == 5 && s.expected == 77)
        // BurstR = 1/(p + q): 3 loss runs, 72 received, 5 lost.
        #expect(abs(s.pattern.burstRatio - 1 / (3.0 / 72 + 3.0 / 5)) < 1e-12)
    }

    /// Two bursts separated by a long gap: 16 received, 2 lost, 1 received, 2 lost, 40 received,
    /// 1 lost, 16 received. By §4.7.2 the bursts are "2 lost, 1 received, 2 lost" (5 packets,
    /// 4 lost) and the lone loss after 40 received (1 packet, 1 lost): 6 packets, 5 lost, 60 ms in
    /// all. A.2 counts the lone loss as a burst too, as the burst before it held more than one loss:
    /// A.2: loss after 16 → c13 = 1, c11 = 16; one more → c33 = 1 (lost 2); loss after 1 received
    /// → c23 = 1, c22 = 0, lost 3; one more → c33 = 2, lost 4; loss after 40 → lost ≠ 1 so
    /// c13 = 2, c11 = 56; 16 at the end → c11 = 72.
    /// p32 = c32/(c31+c32+c33) = 1/(2+1+2) = 0.2, p23 = 1 − 0/1 = 1: burst density 1/1.2 = 5/6;
    /// gap density 0; gap = (72+0+2)·20/2 = 740 ms; total = 72+2+0+1+2+1+2 = 80,
    /// burst = 80·20/2 − 740 = 60 ms.
    @Test func twoBursts() {
        let s = Self.stream(Self.pattern([16, 2, 1, 2, 40, 1, 16]))
        let m = Self.metrics(s)
        #expect(abs(m.burstDensity - 5.0 / 6) < 1e-12)
        #expect(m.gapDensity == 0)
        #expect(m.gapMilliseconds == 740 && m.burstMilliseconds == 60)
        #expect(s.pattern.longestLossRun == 2 && s.pattern.lossRuns == 3)
    }

    /// No loss: one gap as long as the stream (50 × 20 ms), densities 0. A loss before Gmin
    /// packets were received leaves A.2 without a gap-to-burst transition: no durations.
    @Test func noLossAndEarlyLoss() {
        let clean = Self.metrics(Self.stream(Array(1...50)))
        #expect(clean.burstDensity == 0 && clean.gapDensity == 0)
        #expect(clean.burstMilliseconds == 0 && clean.gapMilliseconds == 1000)
        let early = Self.stream(Self.pattern([5, 1, 40]))
        let m = Self.metrics(early)
        #expect(m.burstMilliseconds == nil && m.gapMilliseconds == nil)
        // Without a clock the spacing is unknown: densities still, durations nil.
        let noClock = RTPBurstMetrics(Self.stream(Array(1...50)).pattern, spacingMilliseconds: nil)
        #expect(noClock.gapMilliseconds == nil && noClock.burstDensity == 0)
    }

    /// 1 2 3 5 4 4 6 6 3 9 8: 4 comes late (out of order), then 4 again, 6 again and 3 again
    /// (duplicates); 8 comes late after 9. RFC 3550's counts are unchanged: 11 received of 9
    /// expected.
    @Test func duplicatesAndReordering() {
        let s = Self.stream([1, 2, 3, 5, 4, 4, 6, 6, 3, 9, 8])
        #expect(s.pattern.duplicates == 3)
        #expect(s.pattern.reordered == 2)
        // 5 skipped 4, 9 skipped 7 and 8 (the late 8 does not shorten the run).
        #expect(s.pattern.longestLossRun == 2 && s.pattern.lossRuns == 2)
        #expect(s.received == 11 && s.expected == 9 && s.lostForReport == 0)
    }

    /// A duplicate 127 numbers behind the highest is still known; a run of 300 lost packets is
    /// the longest run, and the window starts afresh after it.
    @Test func windowEdges() {
        var seqs = Array(1...200)
        seqs.append(200 - 99)        // 101, 99 behind: a duplicate
        seqs += Array(501...520)     // 300 lost (201...500)
        seqs.append(520 - 5)         // 515 again
        seqs.append(500)             // late, never seen: out of order
        let s = Self.stream(seqs)
        #expect(s.pattern.duplicates == 2 && s.pattern.reordered == 1)
        #expect(s.pattern.longestLossRun == 300 && s.pattern.lossRuns == 1)
    }

    /// Sequence numbers wrap at 65535 without a loss.
    @Test func wrap() {
        let s = Self.stream(Array(65530...65535) + Array(0...9))
        #expect(s.pattern.lossRuns == 0 && s.pattern.duplicates == 0 && s.lost == 0)
        #expect(s.pattern.spacingTicks == 160)
    }
}

import Testing
@testable import EdgeflowKit

/// Duplicates, late packets, loss runs and RFC 3611 §4.7.2 burst/gap metrics on hand-built
/// streams (PCMU, 160 ticks = 20 ms a packet), with the expected values worked out here by hand
/// from the section's definitions and its example.
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

    /// 20 received, 1 lost, 20 received, 3 lost, 2 received, 1 lost, 30 received (77 packets).
    /// By §4.7.2 (Gmin 16) the lone loss lies in a gap (16 or more received on both sides); the
    /// burst is "3 lost, 2 received, 1 lost": 6 packets, 4 lost, density 4/6, 6 × 20 = 120 ms.
    /// The two gaps (before and after the burst) hold 77 − 6 = 71 packets, 1 lost: density 1/71,
    /// mean 71 × 20 / 2 = 710 ms.
    @Test func burstAndGap() {
        let s = Self.stream(Self.pattern([20, 1, 20, 3, 2, 1, 30]))
        let m = Self.metrics(s)
        #expect(s.pattern.spacingTicks == 160)
        #expect(abs(m.burstDensity - 2.0 / 3) < 1e-12)
        #expect(abs(m.gapDensity - 1.0 / 71) < 1e-12)
        #expect(m.burstMilliseconds == 120 && m.gapMilliseconds == 710)
        #expect(s.pattern.longestLossRun == 3 && s.pattern.lossRuns == 3)
        #expect(s.lost == 5 && s.expected == 77)
        // BurstR = 1/(p + q): 3 loss runs, 72 received, 5 lost.
        #expect(abs(s.pattern.burstRatio - 1 / (3.0 / 72 + 3.0 / 5)) < 1e-12)
    }

    /// 16 received, 2 lost, 1 received, 2 lost, 40 received, 1 lost, 16 received (78 packets).
    /// By §4.7.2 the burst is "2 lost, 1 received, 2 lost" (5 packets, 4 lost: density 0.8,
    /// 100 ms); the lone loss after 40 received, with 16 received after it, is in the gap after
    /// the burst. Gaps: 78 − 5 = 73 packets, 1 lost: density 1/73, mean 73 × 20 / 2 = 730 ms.
    @Test func burstThenLoneLoss() {
        let s = Self.stream(Self.pattern([16, 2, 1, 2, 40, 1, 16]))
        let m = Self.metrics(s)
        #expect(abs(m.burstDensity - 0.8) < 1e-12)
        #expect(abs(m.gapDensity - 1.0 / 73) < 1e-12)
        #expect(m.burstMilliseconds == 100 && m.gapMilliseconds == 730)
        #expect(s.pattern.longestLossRun == 2 && s.pattern.lossRuns == 3)
    }

    /// Two bursts: 20 received, 1 lost, 3 received, 2 lost, 30 received, 1 lost, 15 received,
    /// 1 lost, 20 received (93 packets). Bursts "1 lost, 3 received, 2 lost" (6 packets, 3 lost)
    /// and "1 lost, 15 received, 1 lost" (17 packets, 2 lost): 23 packets, 5 lost, mean
    /// 23 × 20 / 2 = 230 ms. Three gaps of 20, 30 and 20 received: 70 packets, none lost, mean
    /// 70 × 20 / 3 ms.
    @Test func twoBursts() {
        let s = Self.stream(Self.pattern([20, 1, 3, 2, 30, 1, 15, 1, 20]))
        let m = Self.metrics(s)
        #expect(abs(m.burstDensity - 5.0 / 23) < 1e-12)
        #expect(m.gapDensity == 0)
        #expect(m.burstMilliseconds == 230)
        #expect(abs(m.gapMilliseconds! - 70.0 * 20 / 3) < 1e-9)
    }

    /// RFC 3611 §4.7.2's example (1 received, 0 lost, X discarded; here an X is a number skipped,
    /// which is how this analyzer sees a discard it cannot tell from a loss):
    /// `11110111111111111111111X111X1011110111111111111111111X111111111`: "The burst consists of
    /// the twelve packets indicated above, starting at a discarded packet and ending at a lost
    /// packet" (X111X1011110: 4 of 12 lost, 240 ms); the lone 0 and the last X are in the gaps,
    /// which hold the other 63 − 12 = 51 packets of this string.
    @Test func rfc3611Example() {
        let text = "11110111111111111111111X111X1011110111111111111111111X111111111"
        let seqs = text.enumerated().filter { $0.element == "1" }.map { $0.offset + 1 }
        let m = Self.metrics(Self.stream(seqs))
        #expect(abs(m.burstDensity - 4.0 / 12) < 1e-12)
        #expect(m.burstMilliseconds == 240)
        #expect(abs(m.gapDensity - 2.0 / 51) < 1e-12)
        #expect(m.gapMilliseconds == 51.0 * 20 / 2)
    }

    /// No loss: one gap as long as the stream (50 × 20 ms), densities 0. A lone loss after fewer
    /// than Gmin packets is still a gap loss (the stream counts as preceded by Gmin received).
    @Test func noLossAndEarlyLoss() {
        let clean = Self.metrics(Self.stream(Array(1...50)))
        #expect(clean.burstDensity == 0 && clean.gapDensity == 0)
        #expect(clean.burstMilliseconds == 0 && clean.gapMilliseconds == 1000)
        let early = Self.metrics(Self.stream(Self.pattern([5, 1, 40])))
        #expect(early.burstDensity == 0 && early.burstMilliseconds == 0)
        #expect(abs(early.gapDensity - 1.0 / 46) < 1e-12 && early.gapMilliseconds == 920)
        // Two losses 15 apart at the very end: the run closes as a burst when the stream ends.
        let late = Self.metrics(Self.stream(Self.pattern([30, 1, 15, 1, 2])))
        #expect(abs(late.burstDensity - 2.0 / 17) < 1e-12 && late.burstMilliseconds == 340)
        #expect(late.gapDensity == 0 && late.gapMilliseconds == 32.0 * 20 / 2)
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

    /// The spacing is the smallest forward step of the timestamp between consecutive sequence
    /// numbers: a step of 0 or of 2^31 ticks or more (backwards) is none, a larger one changes nothing.
    @Test func spacingTakesTheSmallestForwardStep() {
        var p = RTPLossPattern()
        p.start(timestamp: 1000, packets: 1)
        #expect(p.spacingTicks == 0)
        for (timestamp, spacing) in [(1000, 0), (1000 &+ 0x8000_0000, 0), (0x8000_03E7, 0), (0x8000_0467, 128),
                                     (0x8000_04E7, 128), (0x8000_0527, 64), (0x8000_0528, 1)] as [(UInt32, UInt32)] {
            p.advance(by: 1, timestamp: timestamp)
            #expect(p.spacingTicks == spacing, "\(timestamp)")
        }
    }
}

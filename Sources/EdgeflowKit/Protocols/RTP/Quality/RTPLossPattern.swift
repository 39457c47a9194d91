/// How one RTP stream's packets arrived beyond RFC 3550's counts, fed by `RTPStreamStats` in
/// fixed size: duplicates, packets that came late (out of order), the longest run of lost
/// packets, the runs of losses (for G.107's BurstR), the packet spacing, and the bursts and gaps
/// of RFC 3611 §4.7.2 (Gmin = 16), counted by its definitions as losses arrive.
///
/// Events are taken in the order the highest sequence number advances: the numbers it skips are
/// lost, each packet that advances it is received. A packet that comes late was already taken as
/// lost here (a jitter buffer discards it; RFC 3611 counts "lost or discarded" alike), while
/// RFC 3550's `lost` counts it received; the longest loss run is likewise the most numbers
/// skipped at once.
public struct RTPLossPattern: Sendable, BitwiseCopyable {
    /// RFC 3611 §4.7.2's Gmin: a burst ends at 16 packets received in a row.
    public static let gmin: Int64 = 16

    /// Bit k: sequence number `highest - k` was received (the 128 up to the highest; MAX_MISORDER is 100).
    var seen: UInt128 = 1
    /// Timestamp of the packet with the highest sequence number.
    var highestTimestamp: UInt32 = 0
    /// The smallest step taken as spacing so far, less one (`spacingTicks`); 0x7FFF_FFFF until
    /// one is: a step `t` is smaller, and forward (below 2^31), when `t - 1` (wrapping) is below
    /// it, one comparison.
    var spacingBelow: UInt32 = 0x7FFF_FFFF
    /// Packets received since the last loss (RFC 3611's counters below). With `seen`,
    /// `highestTimestamp` and `spacingBelow`, what every packet reads: declared first, in 32 bytes.
    var pkt: Int64 = 0

    /// Packets whose sequence number had been received before.
    public private(set) var duplicates: Int64 = 0
    /// Packets that came after a higher sequence number and were not duplicates.
    public private(set) var reordered: Int64 = 0
    /// Most sequence numbers skipped at once.
    public private(set) var longestLossRun: Int64 = 0
    /// Times sequence numbers were skipped (runs of losses).
    public private(set) var lossRuns: Int64 = 0

    // RFC 3611 §4.7.2 with Gmin = 16. A loss with Gmin or more received packets on each side is
    // in a gap (the stream counts as preceded and followed by Gmin received packets); losses
    // with fewer than Gmin received between them form a burst, from its first loss to its last.
    // The losses since the last Gmin received packets are the open run: a burst if it holds
    // more than one loss, a gap loss if one, decided when Gmin packets have followed it.
    /// Packets received before the last loss.
    var received: Int64 = 0
    /// Packets lost (skipped numbers, late packets included).
    var losses: Int64 = 0
    /// The open run: its losses (0: none open) and its packets from its first loss to its last.
    var runLosses: Int64 = 0
    var runPackets: Int64 = 0
    /// The bursts closed so far, the packets they span and the losses they hold.
    var bursts: Int64 = 0
    var burstPackets: Int64 = 0
    var burstLosses: Int64 = 0

    public init() {}

    /// Smallest positive timestamp step between consecutive sequence numbers: the packet spacing
    /// in clock ticks (0 until two consecutive packets were seen).
    public var spacingTicks: UInt32 { spacingBelow == 0x7FFF_FFFF ? 0 : spacingBelow &+ 1 }

    /// The stream's first packet, or the one that confirmed a restart (with the jump before it).
    @inline(__always)
    mutating func start(timestamp: UInt32, packets: Int64) {
        seen = 1
        highestTimestamp = timestamp
        pkt &+= packets
    }

    /// A packet `step` numbers past the highest (0: the highest again, a duplicate).
    @inline(__always)
    mutating func advance(by step: UInt16, timestamp: UInt32) {
        if step == 0 { duplicates &+= 1; return }
        if step == 1 {
            seen = seen &<< 1 | 1   // the usual step: a constant shift, not a variable 128-bit one
            // A step of 1 ..< 2^31 ticks below the smallest so far.
            let below = timestamp &- highestTimestamp &- 1
            if below < spacingBelow { spacingBelow = below }
        } else {
            seen = step >= 128 ? 1 : (seen &<< UInt128(step)) | 1
            lose(Int64(step) &- 1)
        }
        highestTimestamp = timestamp
        pkt &+= 1
    }

    /// A packet `behind` numbers under the highest (1...MAX_MISORDER).
    @inline(__always)
    mutating func late(behind: UInt16) {
        let bit: UInt128 = 1 &<< UInt128(behind & 0x7F)
        if seen & bit != 0 { duplicates &+= 1 } else { seen |= bit; reordered &+= 1 }
    }

    /// `n` (≥ 1) consecutive losses after `pkt` received: they join the open run when fewer
    /// than Gmin packets came between, else the open run is closed and they open the next.
    @inline(__always)
    private mutating func lose(_ n: Int64) {
        if runLosses > 0 && pkt < Self.gmin {
            runPackets &+= pkt &+ n
            runLosses &+= n
        } else {
            if runLosses > 1 {
                bursts &+= 1
                burstPackets &+= runPackets
                burstLosses &+= runLosses
            }
            runPackets = n
            runLosses = n
        }
        received &+= pkt
        losses &+= n
        pkt = 0
        lossRuns &+= 1
        if n > longestLossRun { longestLossRun = n }
    }
}

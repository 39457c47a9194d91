/// RFC 3611 §4.7.2's burst and gap metrics of a stream, from its Appendix A.2 counters.
public struct RTPBurstMetrics: Sendable, Equatable {
    /// Fraction of the packets within bursts that were lost or discarded (RFC 3611 reports it ×256).
    public var burstDensity: Double
    /// Fraction of the packets within gaps that were lost or discarded.
    public var gapDensity: Double
    /// Mean burst and gap durations in milliseconds; nil without the packet spacing (no clock, or
    /// no two consecutive packets).
    public var burstMilliseconds: Double?
    public var gapMilliseconds: Double?

    /// A.2's final computation. The packets received after the last loss belong to the final gap
    /// (§4.7.2, gap definition (b)). With no loss the whole stream is one gap; when every burst
    /// began before Gmin packets had been received (A.2's `c13` = 0) A.2 gives no durations (nil).
    /// - Parameter spacingMilliseconds: the stream's packet spacing (A.2's `m`), nil when unknown.
    public init(_ p: RTPLossPattern, spacingMilliseconds: Double?) {
        let c11 = Double(p.c11 &+ p.pkt), c13 = Double(p.c13), c14 = Double(p.c14)
        let c22 = Double(p.c22), c23 = Double(p.c23), c33 = Double(p.c33)
        let c31 = c13, c32 = c23
        let p32 = c31 + c32 + c33 > 0 ? c32 / (c31 + c32 + c33) : 0
        let p23 = c22 + c23 < 1 ? 1 : 1 - c22 / (c22 + c23)
        let lossEvents = c13 + c14 + c23 + c33
        burstDensity = lossEvents == 0 ? 0 : p23 / (p23 + p32)
        gapDensity = c11 + c14 > 0 ? c14 / (c11 + c14) : 0
        guard let m = spacingMilliseconds else { burstMilliseconds = nil; gapMilliseconds = nil; return }
        if lossEvents == 0 {
            burstMilliseconds = 0
            gapMilliseconds = c11 * m
        } else if c13 == 0 {
            burstMilliseconds = nil
            gapMilliseconds = nil
        } else {
            let total = c11 + c14 + c13 + c22 + c23 + c31 + c32 + c33
            let gap = (c11 + c14 + c13) * m / c13
            gapMilliseconds = gap
            burstMilliseconds = total * m / c13 - gap
        }
    }
}

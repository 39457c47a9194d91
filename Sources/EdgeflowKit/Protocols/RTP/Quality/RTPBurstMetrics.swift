/// RFC 3611 §4.7.2's burst and gap metrics of a stream, by the section's definitions (Gmin 16).
public struct RTPBurstMetrics: Sendable, Equatable {
    /// Fraction of the packets within bursts that were lost or discarded (RFC 3611 reports it ×256).
    public var burstDensity: Double
    /// Fraction of the packets within gaps that were lost or discarded.
    public var gapDensity: Double
    /// Mean burst and gap durations in milliseconds; nil without the packet spacing (no clock, or
    /// no two consecutive packets).
    public var burstMilliseconds: Double?
    public var gapMilliseconds: Double?

    /// The metrics at the end of the stream. The open run of losses closes as if Gmin received
    /// packets followed it (§4.7.2: the session is taken as followed by at least Gmin received
    /// packets): a burst if it holds more than one loss, else a loss in a gap. The gaps are the
    /// stretches before the first burst, between bursts and after the last one, so one more than
    /// the bursts (a burst starts and ends with a loss, and a loss is seen only when a later
    /// packet arrives). A duration is packets × the spacing (§4.7.2: the end packet's timestamp
    /// plus its duration minus the first packet's). With no burst, `burstDensity` and
    /// `burstMilliseconds` are 0 and the whole stream is one gap.
    /// - Parameter spacingMilliseconds: the stream's packet spacing, nil when unknown.
    public init(_ p: RTPLossPattern, spacingMilliseconds: Double?) {
        var bursts = p.bursts, burstPackets = p.burstPackets, burstLosses = p.burstLosses
        if p.runLosses > 1 {
            bursts &+= 1
            burstPackets &+= p.runPackets
            burstLosses &+= p.runLosses
        }
        let gapPackets = p.received &+ p.pkt &+ p.losses &- burstPackets
        burstDensity = burstPackets > 0 ? Double(burstLosses) / Double(burstPackets) : 0
        gapDensity = gapPackets > 0 ? Double(p.losses &- burstLosses) / Double(gapPackets) : 0
        guard let m = spacingMilliseconds else { burstMilliseconds = nil; gapMilliseconds = nil; return }
        burstMilliseconds = bursts > 0 ? Double(burstPackets) * m / Double(bursts) : 0
        gapMilliseconds = Double(gapPackets) * m / Double(bursts &+ 1)
    }
}

/// When a flow table sweeps its idle flows (`FlowTracker.sweep`), by capture time: at the first
/// packet, then at the first packet an interval past the last sweep, and also at a packet more
/// than an interval before it (the clock went back: a future outlier was read, or files merged
/// newest first), so that expiry follows the packets again rather than waiting for the clock to
/// catch up. Times in `from ..< from + span` (an interval either side of the last sweep) are not
/// due: one unsigned compare per packet, with no overflow near Int64's ends.
///
/// A due time that does not move the clock on (an interval past the latest sweep) sweeps only
/// once enough packets have passed since the last sweep (`allows`): packets alternating between
/// two clocks far apart (two interfaces stamping different time scales, captures merged with a
/// skew) would otherwise sweep the whole table at every packet.
struct SweepClock {
    let interval: Int64
    private var from: Int64 = 0
    /// 0 until the first sweep: every time is due.
    private var span: UInt64 = 0
    /// The time at and after which a sweep moves the clock on: an interval past the latest sweep.
    private var onwardFrom = Int64.min
    /// The packet of the last sweep `allows` let through.
    private var lastIndex = 0

    init(interval: Int64) { self.interval = interval }

    @inline(__always)
    func isDue(_ now: Int64) -> Bool { UInt64(bitPattern: now &- from) >= span }

    /// Whether due time `now`, at packet `index` of a table of `liveFlows`, sweeps: always when
    /// it moves the clock on; when the clock went back, only once the larger of 64 packets and a
    /// sixteenth of the live flows have passed since the last sweep, so that sweeps walk at most
    /// about 16 table entries per packet however the times alternate.
    mutating func allows(_ now: Int64, index: Int, liveFlows: Int) -> Bool {
        if now < onwardFrom && index &- lastIndex < max(64, liveFlows >> 4) { return false }
        lastIndex = index
        return true
    }

    /// Notes a sweep at `now`.
    mutating func swept(at now: Int64) {
        let (low, under) = now.subtractingReportingOverflow(interval)
        let (high, over) = now.addingReportingOverflow(interval)
        from = under ? .min : low
        span = over ? UInt64(bitPattern: Int64.max &- from) &+ 1 : UInt64(bitPattern: high &- from)
        if now >= onwardFrom { onwardFrom = over ? .max : high }
    }
}

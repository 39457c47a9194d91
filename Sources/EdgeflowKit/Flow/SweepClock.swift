/// When a flow table sweeps its idle flows (`FlowTracker.sweep`), by capture time: at the first
/// packet, then at the first packet an interval past the last sweep, and also at a packet more
/// than an interval before it (the clock went back: a future outlier was read, or files merged
/// newest first), so that expiry follows the packets again rather than waiting for the clock to
/// catch up. Times in `from ..< from + span` (an interval either side of the last sweep) are not
/// due: one unsigned compare per packet, with no overflow near Int64's ends.
struct SweepClock {
    let interval: Int64
    private var from: Int64 = 0
    /// 0 until the first sweep: every time is due.
    private var span: UInt64 = 0

    init(interval: Int64) { self.interval = interval }

    @inline(__always)
    func isDue(_ now: Int64) -> Bool { UInt64(bitPattern: now &- from) >= span }

    /// Notes a sweep at `now`.
    mutating func swept(at now: Int64) {
        let (low, under) = now.subtractingReportingOverflow(interval)
        let (high, over) = now.addingReportingOverflow(interval)
        from = under ? .min : low
        span = over ? UInt64(bitPattern: Int64.max &- from) &+ 1 : UInt64(bitPattern: high &- from)
    }
}

/// A stream's time slices: packets, loss, jitter and the largest gap between packets, per
/// `width` of capture time from its first packet, in bounded memory.
///
/// At most `capacity` slices are kept: when they are full, adjacent pairs are merged (packets and
/// loss added, the later jitter, the larger gap) and the width doubles, so a long stream ends with
/// between `capacity / 2` and `capacity` slices of the width `width` reports. Slice `k` starts at
/// `origin + k · width`. Each packet costs a comparison with the open slice's end and a gap
/// update; slices are closed when a packet arrives past that end (empty slices too).
///
/// The closed slices live out of line, so a stream costs its 64 bytes of open-slice state until
/// its first slice closes: that makes one allocation (room for `capacity` slices, 1 KB), freed
/// with the stream; streams shorter than one width never allocate.
public struct RTPSlices: Sendable {
    public static let capacity = 64
    /// The `--slice` default, 10 s.
    public static let defaultWidth: Int64 = 10_000_000_000

    /// One closed slice. `lost` is the growth of RFC 3550's lost over the slice (negative when a
    /// packet counted lost in an earlier slice arrived late in this one); `maxGap` in µs.
    public struct Slice: Sendable, BitwiseCopyable, Equatable {
        public var packets: UInt32 = 0
        public var lost: Int32 = 0
        /// RFC 3550 jitter at the slice's end, in seconds.
        public var jitter: Float = 0
        public var maxGap: UInt32 = 0
    }

    // What every packet reads (`end`, `lastArrival`, `openMaxGap`) is declared last, 24 bytes
    // that `RTPStreamStats` puts on one cache line with the loss pattern's first 32.
    /// The closed slices, reserved for `capacity` at the first.
    var closed: [Slice] = []
    /// Slices closed.
    public var count: Int { closed.count }
    /// Slice width in ns (`defaultWidth` or `--slice`, doubled at each merge).
    public private(set) var width: Int64
    /// Arrival of the stream's first packet: the start of slice 0.
    public private(set) var origin: Int64 = 0
    /// The stream's packets and loss when the open slice opened.
    var openPackets: Int64 = 0
    var openLost: Int64 = 0
    /// End of the open slice.
    var end: Int64 = .max
    var lastArrival: Int64 = 0
    /// The open slice's largest gap (ns).
    var openMaxGap: Int64 = 0

    public init(width: Int64 = RTPSlices.defaultWidth) { self.width = max(1_000_000, width) }

    /// The stream's first packet, at `arrival` ns.
    @inline(__always)
    mutating func start(_ arrival: Int64) {
        origin = arrival
        lastArrival = arrival
        end = arrival > Int64.max &- width ? .max : arrival &+ width
    }

    /// A later packet at `arrival` ns: its gap since the stream's previous packet. Close the
    /// slices it is past (`close`) first.
    @inline(__always)
    mutating func gap(_ arrival: Int64) {
        let gap = arrival &- lastArrival
        if gap > openMaxGap { openMaxGap = gap }
        lastArrival = arrival
    }

    /// Closes the open slice and any empty ones up to the one `arrival` falls in (`arrival >= end`);
    /// `packets`, `lost` and `jitter` are the stream's before the packet at `arrival`.
    @inline(never)
    mutating func close(before arrival: Int64, packets: Int64, lost: Int64, jitter: Double) {
        while arrival >= end && end != .max {
            append(current(packets: packets, lost: lost, jitter: jitter))
            openPackets = packets
            openLost = lost
            openMaxGap = 0
            end = end > Int64.max &- width ? .max : end &+ width
        }
    }

    /// The open slice as it stands.
    func current(packets: Int64, lost: Int64, jitter: Double) -> Slice {
        Slice(packets: UInt32(clamping: packets &- openPackets), lost: Int32(clamping: lost &- openLost),
              jitter: Float(jitter), maxGap: UInt32(clamping: openMaxGap / 1000))
    }

    private mutating func append(_ s: Slice) {
        if closed.capacity < Self.capacity { closed.reserveCapacity(Self.capacity) }
        closed.append(s)
        guard closed.count == Self.capacity else { return }
        for i in 0..<Self.capacity / 2 {
            let a = closed[2 &* i], b = closed[2 &* i &+ 1]
            closed[i] = Slice(packets: a.packets &+ b.packets, lost: a.lost &+ b.lost, jitter: b.jitter, maxGap: max(a.maxGap, b.maxGap))
        }
        closed.removeLast(Self.capacity / 2)   // keeps the storage
        // The slice opened next begins at origin + capacity · width: slice capacity / 2 at twice the width.
        width = width > Int64.max / 4 ? width : width &* 2
    }

    /// The closed slices, then the open one (from the stream's current counts).
    func all(packets: Int64, lost: Int64, jitter: Double) -> [Slice] {
        var out: [Slice] = []
        out.reserveCapacity(count &+ 1)
        out.append(contentsOf: closed)
        out.append(current(packets: packets, lost: lost, jitter: jitter))
        return out
    }

    /// Index of the worst of `slices`: the largest loss fraction, then the highest jitter, then
    /// the longest gap; nil when none has packets or loss.
    static func worst(_ slices: [Slice]) -> Int? { worst(count: slices.count) { slices[$0] } }

    /// `worst` of the `count` slices `slice` gives by index.
    @inline(__always)
    static func worst(count: Int, _ slice: (Int) -> Slice) -> Int? {
        var best: Int?
        var key = (0.0, Float(0), UInt32(0))
        for i in 0..<count {
            let s = slice(i)
            guard s.packets > 0 || s.lost > 0 else { continue }
            let lost = max(0, Int(s.lost))
            let k = (Double(lost) / Double(lost + Int(s.packets)), s.jitter, s.maxGap)
            if best == nil || k > key { best = i; key = k }
        }
        return best
    }
}

extension RTPStreamStats {
    /// Writes a stream's `slice_s` (the width used), `slices [{start, packets, lost, jitter_ms,
    /// max_gap_ms}]` (lost clamped at 0) and `worst_slice` (an index into `slices`, or null).
    /// The closed slices are read where they are and the open one beside them: no array is made.
    /// Each slice object is written through one cursor, its keys as literal runs.
    func writeSlices(to w: inout JSONWriter) {
        let open = slices.current(packets: packets, lost: lost, jitter: jitterSeconds)
        let closed = slices.closed, n = closed.count
        func slice(_ k: Int) -> RTPSlices.Slice { k < n ? closed[k] : open }
        w.value("slice_s", Double(slices.width) / 1e9)
        w.beginArray("slices")
        for k in 0...n {
            let s = slice(k)
            let (second, micros) = TimeFormat.isoParts(slices.origin &+ Int64(k) &* slices.width, &w)
            w.separate()
            var c = w.cursor(room: Self.sliceRoom)
            c.literal("{\"start\":\"")
            c.iso8601(second, micros: micros)
            c.literal("\",\"packets\":")
            c.integer(Int(s.packets))
            c.literal(",\"lost\":")
            c.integer(max(0, Int(s.lost)))
            c.literal(",\"jitter_ms\":")
            c.decimal(Double(s.jitter) * 1000, decimals: 3)
            // The largest gap in µs, written in ms as `decimal(Double(gap) / 1000, decimals: 3)` would.
            c.literal(",\"max_gap_ms\":")
            c.milliseconds(Int64(s.maxGap) &* 1000)
            c.byte(0x7D)
            w.commit(c)
        }
        w.endArray()
        if let worst = RTPSlices.worst(count: n &+ 1, slice) { w.value("worst_slice", worst) } else { w.null("worst_slice") }
    }

    /// Room a slice object may take: its keys and punctuation (70 bytes), a time (27), two
    /// integers (10 digits and a sign each) and two decimals (`JSONCursor.decimalRoom` each).
    static let sliceRoom = 70 &+ 27 &+ 22 &+ 2 &* JSONCursor.decimalRoom
}

/// RTP streams (SSRC and direction) and RTCP packets seen in one flow, fixed-size.
struct RTPFlowStats: Sendable {
    /// Streams tracked per flow; more are counted in `untracked`.
    static let streamSlots = 6
    /// How long the slot taken last is kept for its stream's next packet (streams send every
    /// 20-60 ms).
    static let probation: Int64 = 100_000_000
    /// A new flow's state, built once and copied for each flow, from where it lies into the
    /// state's block (building the 2 KB state field by field, six streams' worth, took about
    /// 2,300 instructions a flow).
    nonisolated(unsafe) static let fresh = UnsafePointer.kept(RTPFlowStats())

    var ssrc = InlineArray<6, UInt32>(repeating: 0)
    var fromOriginator = InlineArray<6, Bool>(repeating: false)
    var payloadType = InlineArray<6, UInt8>(repeating: 0)
    /// The codec of the slot's first payload type (`RTPClocks.codec`, else the SDP's).
    var codec = InlineArray<6, RTPCodec>(repeating: .unknown)
    /// The slot of the stream each direction's last tracked packet belonged to (originator,
    /// responder): the next packet's stream is looked for there first.
    var lastOriginatorSlot: Int8 = 0
    var lastResponderSlot: Int8 = 0
    /// The slot's stream has shown sequence continuity: a packet numbered one past the highest
    /// before it (RFC 3550 A.1's probation with MIN_SEQUENTIAL = 2; its packets from the first
    /// on are counted). Only confirmed streams are reported: a lone datagram that merely looks
    /// like RTP (encrypted or other traffic) is not a stream, and gives its slot to a new SSRC
    /// when all are taken.
    var confirmed = InlineArray<6, Bool>(repeating: false)
    var streams = 0
    // Everything a packet of a stream not known (`RTPKnownStreams`) reads before its stream is
    // in the 64 bytes above (the state is allocated on a cache line, `StateArena.rtp`), so that
    // the streams start on one too and a packet touches the fewest lines (`LayoutTests`).
    var stats = InlineArray<6, RTPStreamStats>(repeating: RTPStreamStats())
    /// The slot given to a new SSRC last.
    var newest = -1
    /// Packets of streams not tracked: beyond the slots, or of an unconfirmed slot given away.
    var untracked = 0
    var senderReports = 0
    var receiverReports = 0
    var otherRTCP = 0
    /// Round trips from the RTCP report blocks, and the SRTCP packets that hide them.
    var roundTrips = RTCPRoundTrips()

    /// Accounts one RTP packet; returns whether its stream is confirmed.
    /// - Parameters:
    ///   - clock: the payload type's RTP clock and codec (`RTPClocks.lookup`).
    ///   - source: where `clock` came from (`RTPClocks.source`), kept at a new stream's first
    ///     packet (a value, not an autoclosure, whose context copied `RTPClocks` per packet).
    ///   - sliceWidth: a new stream's time slice width in ns (`RTPClocks.sliceWidth`).
    ///   - described: asked at a new stream's first packet whose payload type is dynamic
    ///     (96-127) and has no `clock`: the clock and codec an SDP gave that type (`SDPBook`).
    @discardableResult
    mutating func record(_ h: RTPHeader, fromOriginator dir: Bool, arrival: Int64, clock: (rate: UInt32?, codec: RTPCodec),
                         source: RTPClockSource = .none, sliceWidth: Int64 = RTPSlices.defaultWidth,
                         described: (UInt8) -> (rate: UInt32, codec: RTPCodec)? = { _ in nil }) -> Bool {
        var i = slot(ssrc: h.ssrc, fromOriginator: dir) ?? streams
        if i == streams {
            if streams < Self.streamSlots {
                streams &+= 1
            } else {
                // The unconfirmed slot heard from longest ago gives way, but not the one taken last
                // while it is on probation: two new streams arriving together then cannot take
                // one slot from each other for ever (the first keeps it until its next packet).
                i = streams
                for j in 0..<streams where !confirmed[j] && (j != newest || arrival &- stats[j].previousArrival >= Self.probation)
                    && (i == streams || stats[j].previousArrival < stats[i].previousArrival) { i = j }
                guard i < streams else { untracked &+= 1; return false }
                untracked &+= Int(stats[i].packets)
            }
            ssrc[i] = h.ssrc
            fromOriginator[i] = dir
            payloadType[i] = h.payloadType
            codec[i] = clock.codec
            stats[i] = RTPStreamStats(sliceWidth: sliceWidth)
            if clock.rate != nil {
                stats[i].clockSource = source
            } else if h.payloadType >= 96, let sdp = described(h.payloadType) {
                stats[i].describe(h.payloadType, clockRate: sdp.rate)
                codec[i] = sdp.codec
            }
            confirmed[i] = false
            newest = i
            stats[i].record(sequence: h.sequence, timestamp: h.timestamp, arrivalNanoseconds: arrival,
                            payloadType: h.payloadType, marker: h.marker, clock: clock.rate ?? 0)
            return false
        }
        return record(at: i, sequence: h.sequence, timestamp: h.timestamp, payloadType: h.payloadType, marker: h.marker,
                      arrival: arrival, clockRate: clock.rate ?? 0)
    }

    /// The slot of the stream of `ssrc` sent by the originator (`fromOriginator`) or the
    /// responder, or nil when it has none. (By subscript: a span of the arrays here made the
    /// optimizer copy the whole 2 KB state first.)
    @_transparent
    func slot(ssrc s: UInt32, fromOriginator dir: Bool) -> Int? {
        var i = 0
        while i < min(streams, Self.streamSlots) {
            if ssrc[unchecked: i] == s && fromOriginator[unchecked: i] == dir { return i }
            i &+= 1
        }
        return nil
    }

    /// Accounts one RTP packet of a stream the flow has a slot for (looked for in the slot of
    /// its direction's last packet first), its clock from `clocks` (`RTPStreamStats.recordNext(...clocks:)`);
    /// returns whether the stream is confirmed, or nil when it has no slot (the packet
    /// is then `record(_:fromOriginator:arrival:clock:source:sliceWidth:described:)`'s).
    /// Transparent: the one-thread RTP path has it in place, on the flow's state where it lies
    /// (`@inline(__always)` left it a call).
    @_transparent
    mutating func recordTracked(ssrc s: UInt32, fromOriginator dir: Bool, sequence: UInt16, timestamp: UInt32, payloadType: UInt8,
                                marker: Bool, arrival: Int64, clocks: borrowing RTPClocks) -> Bool? {
        trackedSlot(ssrc: s, fromOriginator: dir, sequence: sequence, timestamp: timestamp, payloadType: payloadType, marker: marker,
                    arrival: arrival, clocks: clocks)?.confirmed
    }

    /// `recordTracked` for a caller that names the flow RTP when the stream is confirmed: the
    /// stream then becomes its direction's known one in `known` (the flow's inspection's), whose
    /// next packets are `recordKnown`'s.
    @inline(__always)
    mutating func recordNaming(ssrc s: UInt32, fromOriginator dir: Bool, sequence: UInt16, timestamp: UInt32, payloadType: UInt8,
                               marker: Bool, arrival: Int64, clocks: borrowing RTPClocks, known: inout RTPKnownStreams) -> Bool? {
        guard let (i, confirmed) = trackedSlot(ssrc: s, fromOriginator: dir, sequence: sequence, timestamp: timestamp,
                                               payloadType: payloadType, marker: marker, arrival: arrival, clocks: clocks) else { return nil }
        if confirmed { remember(i, ssrc: s, fromOriginator: dir, in: &known) }
        return confirmed
    }

    /// `recordTracked`'s work: the stream's slot and whether it is confirmed, or nil when it has none.
    @_transparent
    private mutating func trackedSlot(ssrc s: UInt32, fromOriginator dir: Bool, sequence: UInt16, timestamp: UInt32,
                                      payloadType: UInt8, marker: Bool, arrival: Int64,
                                      clocks: borrowing RTPClocks) -> (slot: Int, confirmed: Bool)? {
        // The last slots are always below `streams` (at most `streamSlots`): the arrays are read unchecked.
        var i = Int(dir ? lastOriginatorSlot : lastResponderSlot)
        if !(i < streams && ssrc[unchecked: i] == s && fromOriginator[unchecked: i] == dir) {
            guard let found = slot(ssrc: s, fromOriginator: dir) else { return nil }
            i = found
            if dir { lastOriginatorSlot = Int8(truncatingIfNeeded: i) } else { lastResponderSlot = Int8(truncatingIfNeeded: i) }
        }
        assert(i >= 0 && i < min(streams, Self.streamSlots), "slot \(i) of \(streams) streams")
        if !confirmed[unchecked: i] { confirmed[unchecked: i] = sequence == stats[unchecked: i].maxSeq &+ 1 }
        stats[unchecked: i].recordNext(sequence: sequence, timestamp: timestamp, arrivalNanoseconds: arrival,
                                       payloadType: payloadType, marker: marker, clocks: clocks)
        return (i, confirmed[unchecked: i])
    }

    /// Accounts RTP packet `h` on the state at `state` when it is of the known stream at byte
    /// offset `o` there (`RTPKnownStreams`, not 0) and of the payload type of the stream's
    /// previous packet, settled (`RTPStreamStats.recordSameType`); false, having changed nothing,
    /// for any other. Transparent, for the one-thread RTP path: the header's fields are read only
    /// here. (On the state's address: a closure given `self`'s, which `withUnsafeMutablePointer`
    /// takes, was left a call when the caller changed.)
    @_transparent
    static func recordKnown(_ state: UnsafeMutablePointer<RTPFlowStats>, stream o: Int, _ h: PlainRTPHeader, arrival: Int64) -> Bool {
        let stream = (UnsafeMutableRawPointer(state) + o).assumingMemoryBound(to: RTPStreamStats.self)
        let pt = h.payloadType
        guard stream.pointee.knownSSRC == h.ssrcInPlace, stream.pointee.previousPayloadType == pt else { return false }
        stream.pointee.recordSameType(sequence: h.sequence, timestamp: h.timestamp, arrivalNanoseconds: arrival, payloadType: pt,
                                      marker: h.marker)
        return true
    }

    /// The byte offset in the state of slot `i`'s stream (`RTPKnownStreams`).
    static func streamOffset(_ i: Int) -> Int {
        MemoryLayout<RTPFlowStats>.offset(of: \.stats).unsafelyUnwrapped &+ i &* MemoryLayout<RTPStreamStats>.stride
    }

    /// Makes the confirmed stream in slot `i`, of `ssrc` sent by the originator (`dir`) or the
    /// responder, its direction's known one in `known`. Out of line: a stream is made known once.
    @inline(never)
    mutating func remember(_ i: Int, ssrc s: UInt32, fromOriginator dir: Bool, in known: inout RTPKnownStreams) {
        let o = Self.streamOffset(i)
        guard known[fromOriginator: dir] != o else { return }
        stats[unchecked: i].knownSSRC = s.bigEndian
        known[fromOriginator: dir] = o
    }

    /// Accounts one RTP packet of the stream in slot `i` (below `streams`, which has its first
    /// packet) whose payload type's clock is `clockRate` Hz (0: unknown); returns whether the
    /// stream is confirmed. The stream is changed where it lies, through the unchecked
    /// subscript's address (`stats[i]` copied the 320-byte stream out and back).
    private mutating func record(at i: Int, sequence: UInt16, timestamp: UInt32, payloadType: UInt8, marker: Bool,
                         arrival: Int64, clockRate: UInt32) -> Bool {
        assert(i >= 0 && i < min(streams, Self.streamSlots), "slot \(i) of \(streams) streams")
        if !confirmed[unchecked: i] { confirmed[unchecked: i] = sequence == stats[unchecked: i].maxSeq &+ 1 }
        stats[unchecked: i].recordNext(sequence: sequence, timestamp: timestamp, arrivalNanoseconds: arrival,
                                       payloadType: payloadType, marker: marker, clock: clockRate)
        return confirmed[unchecked: i]
    }

    /// Accounts one compound RTCP packet `p` (parsed as `c`), sent in direction `dir` and
    /// captured at `arrival` ns.
    mutating func record(_ c: RTCPCompound, _ p: UnsafeRawBufferPointer, fromOriginator dir: Bool, arrival: Int64) {
        roundTrips.record(c, p, fromOriginator: dir, arrival: arrival)
        senderReports &+= Int(c.senderReports)
        receiverReports &+= Int(c.receiverReports)
        otherRTCP &+= Int(c.sourceDescriptions) + Int(c.byes) + Int(c.apps) + Int(c.feedback) + Int(c.extendedReports) + Int(c.other)
    }
}

/// Clock rates and codecs by payload type: RFC 3551's static types, with `lync` the dynamic
/// types of Lync / Skype for Business (`RTPCodec.lync`), then the rates the user gives (a given
/// rate that is not the table's codec's makes that type's codec unknown; rates are at most 2^24 - 1 Hz). One word per type (the
/// codec in the top byte, the rate below), so a packet's lookup is one load. The 512-byte table
/// is made once and shared (`Table`): passing the clocks down to a flow's state moves two words,
/// where the table inline was copied at every call that passed it; not copyable, so it is passed
/// borrowed from the dispatcher, with no retain of the table per STUN message or TCP segment. It
/// also carries the run's time slice width for new streams.
struct RTPClocks: ~Copyable, Sendable {
    private let table: Table
    /// Time slice width of new streams in ns (`--slice`).
    let sliceWidth: Int64

    /// The table, immutable once made, with where each type's clock came from.
    private final class Table: Sendable {
        /// Each type's clock rate in Hz (0: unknown), codec and the rate's source.
        let rates: InlineArray<128, UInt32>
        let codecs: InlineArray<128, RTPCodec>
        let sources: InlineArray<128, RTPClockSource>
        init(_ rates: InlineArray<128, UInt32>, _ codecs: InlineArray<128, RTPCodec>, _ sources: InlineArray<128, RTPClockSource>) {
            self.rates = rates
            self.codecs = codecs
            self.sources = sources
        }
    }

    init(configured: [UInt8: UInt32], lync: Bool = false, sliceWidth: Int64 = RTPSlices.defaultWidth) {
        self.sliceWidth = sliceWidth
        var codecs = InlineArray<128, RTPCodec>(repeating: .unknown)
        var rates = InlineArray<128, UInt32>(repeating: 0)
        var sources = InlineArray<128, RTPClockSource>(repeating: .none)
        for pt in 0..<128 {
            codecs[pt] = lync ? RTPCodec.lync(UInt8(pt)) : RTPCodec.staticType(UInt8(pt))
            if let r = RTPClock.rate(payloadType: UInt8(pt)) {
                rates[pt] = r
                sources[pt] = .rfc3551
            } else {
                rates[pt] = codecs[pt].clockRate
                sources[pt] = rates[pt] == 0 ? .none : .lync
            }
        }
        for (pt, hz) in configured where pt < 128 {
            rates[Int(pt)] = min(hz, 0xFF_FFFF)
            sources[Int(pt)] = hz == 0 ? .none : .option
            if codecs[Int(pt)].clockRate != hz { codecs[Int(pt)] = .unknown }
        }
        table = Table(rates, codecs, sources)
    }

    /// Where the payload type's clock came from (`.none` when it has none).
    func source(_ pt: UInt8) -> RTPClockSource { table.sources[Int(pt & 0x7F)] }

    /// The payload type's clock rate (nil when unknown) and codec.
    @inline(__always) func lookup(_ pt: UInt8) -> (rate: UInt32?, codec: RTPCodec) {
        let i = Int(pt & 0x7F)
        let r = table.rates[i]
        return (r == 0 ? nil : r, table.codecs[i])
    }

    @inline(__always) func rate(_ pt: UInt8) -> UInt32? { lookup(pt).rate }

    /// The payload type's clock rate in Hz, 0 when unknown.
    @inline(__always) func clockRate(_ pt: UInt8) -> UInt32 { table.rates[Int(pt & 0x7F)] }

    func codec(_ pt: UInt8) -> RTPCodec { lookup(pt).codec }
}

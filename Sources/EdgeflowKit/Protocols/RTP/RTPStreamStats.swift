/// Loss and jitter of one RTP stream (one SSRC in one direction), fed packet by packet.
///
/// Sequence numbers follow RFC 3550 A.1 without probation: the extended highest sequence
/// number counts 16-bit wraps; a forward step under MAX_DROPOUT (3000) advances it; a packet
/// within MAX_MISORDER (100) behind, or a duplicate, does not; a jump outside both is taken as
/// a restart only when the next packet follows it (as A.1's `bad_seq`). Loss is RFC 3550 A.3:
/// `expected = highest extended seq - base + 1` (summed over restarts), `lost = expected - received`.
///
/// Jitter is RFC 3550 §6.4.1 / A.8, `J += (|D| - J) / 16`, with `D` taken the way Wireshark's
/// RTP stream analysis (tap-rtp-analysis.c, 4.0) takes it, so figures match `tshark -z rtp,streams`:
/// - the nominal time of a packet is `(timestamp - first timestamp) mod 2^32` over its clock rate;
///   packets whose timestamp is before the first packet's (serial arithmetic) are out of order
///   and change nothing;
/// - `D = (R_i - R_prev) - (nominal_i - nominal_prev)`, where `R_prev` is the arrival of the last
///   in-order packet and `nominal_prev` that of the last in-order packet with a known clock;
///   packets without a clock rate (dynamic types such as telephone-event) move `R_prev` only;
/// - the maximum is taken after packets other than the first, without the marker bit, that are
///   not comfort noise (PT 13/19) nor right after it, and have a clock rate.
public struct RTPStreamStats: Sendable {
    /// RFC 3550 A.1 constants.
    public static let maxDropout: UInt16 = 3000
    public static let maxMisorder: UInt16 = 100

    // Laid out by cache line: what every packet reads and writes comes first (64 bytes); then
    // what only sequence jumps and the report read, so that the open slice's end and gap (the
    // slices' last 24 bytes) and the loss pattern's bits (its first 32) fill the stream's third
    // line (bytes 128-191); the rest is last, then padding to 320 bytes, so that every stream of a
    // flow's state starts on a cache line and a packet touches two lines of its stream, where it
    // touched three, and all five before (`LayoutTests`).

    /// Packets recorded.
    public private(set) var packets: Int64 = 0
    var previousNominal: Double = 0
    /// Current jitter in seconds.
    public private(set) var jitterSeconds: Double = 0
    /// Largest jitter seen, in seconds (see the rules above).
    public private(set) var maxJitterSeconds: Double = 0
    /// The clock of `previousPayloadType` in Hz (SDP's or the table's, 0 when unknown), as the
    /// jitter divides by it: a packet of the previous packet's type, nearly every one, takes it
    /// with no lookup and no conversion (`recordNext(...clocks:)`).
    var previousClockHz: Double = 0
    var firstTimestamp: UInt32 = 0
    /// The SSRC as its four bytes load in place (`PlainRTPHeader.ssrcInPlace`), set when the
    /// stream becomes its direction's known one (`RTPFlowStats.knownStream`), else 0.
    var knownSSRC: UInt32 = 0
    var maxSeq: UInt16 = 0
    /// The payload type of the previous packet, its top bit set (`unsettled`) when that packet's
    /// timestamp was before the first packet's: it then moved no jitter, and the last arrival in
    /// order is kept apart (`arrivalInOrder`). The same-type path (`recordSameType`), which takes
    /// the previous packet's arrival (`slices.lastArrival`) and clock as the jitter's last, is
    /// then taken by no packet (no type has the bit).
    var previousPayloadType: UInt8 = 0
    // Written rarely, they fill the line:
    /// The clock of the last packet that moved the jitter.
    var lastClockRate: UInt32 = 0
    /// Packets not counted for loss (`packets - received`): lone jumps, less the restarts that
    /// confirmed them. Changed at jumps only, so that a packet counts itself once.
    var uncounted: Int64 = 0
    /// Packets that did not advance the highest sequence number (late, duplicated or reordered).
    public private(set) var outOfOrder: Int64 = 0
    /// Restarts taken (sequence jumps followed by a sequential packet).
    public private(set) var restarts: Int64 = 0
    var baseSeq: Int64 = 0
    var cycles: Int64 = 0
    /// Packets, loss, jitter and gaps per slice of time.
    public private(set) var slices: RTPSlices
    /// Duplicates, late packets, loss runs and RFC 3611 burst/gap counters.
    public private(set) var pattern = RTPLossPattern()

    var priorExpected: Int64 = 0
    var badSeq: UInt32 = 0x1_0001
    var sdpClockRate: UInt32 = 0
    /// Where the clock of the stream's first payload type came from.
    public internal(set) var clockSource = RTPClockSource.none
    /// The payload type whose clock an SDP gave the stream (`describe`), 0xFF when none.
    var sdpPayloadType: UInt8 = 0xFF
    /// While the previous packet is unsettled (`previousPayloadType`), the arrival of the last
    /// packet whose timestamp was not before the first's (`previousArrival`).
    var arrivalInOrder: Int64 = 0
    /// Pads the stride from 312 to 320 bytes, a multiple of the 64-byte line.
    private var padding: Int64 = 0

    /// - Parameter sliceWidth: the time slices' width in ns (`--slice`).
    public init(sliceWidth: Int64 = RTPSlices.defaultWidth) { slices = RTPSlices(width: sliceWidth) }

    /// Packets counted for loss: all but a lone jump that no sequential packet confirmed (A.1 `bad_seq`).
    public var received: Int64 { packets &- uncounted }

    /// The top bit of `previousPayloadType`: the previous packet is unsettled.
    static let unsettled: UInt8 = 0x80

    /// The arrival of the last packet whose timestamp was not before the first packet's: the
    /// last packet's (`slices.lastArrival`) unless that one was unsettled.
    var previousArrival: Int64 {
        previousPayloadType & Self.unsettled != 0 ? arrivalInOrder : slices.lastArrival
    }

    /// Extended highest sequence number received (RFC 3550 A.1), in the current run.
    public var extendedHighestSequence: Int64 { cycles &+ Int64(maxSeq) }

    /// Packets expected (RFC 3550 A.3).
    public var expected: Int64 {
        packets == 0 ? 0 : priorExpected &+ extendedHighestSequence &- baseSeq &+ 1
    }

    /// Packets lost: expected - received. Negative when duplicates outnumber losses.
    public var lost: Int64 { expected &- received }

    /// Lost, clamped at 0 for reporting.
    public var lostForReport: Int64 { max(0, lost) }

    /// Current jitter in RTP timestamp units of the last packet's clock (RFC 3550 A.8).
    public var jitter: Double { jitterSeconds * Double(lastClockRate) }

    /// Current and maximum jitter in milliseconds.
    public var jitterMilliseconds: Double { jitterSeconds * 1000 }
    public var maxJitterMilliseconds: Double { maxJitterSeconds * 1000 }

    /// Takes `clockRate` for the packets of payload type `pt` (a dynamic type an SDP described
    /// before the stream's first packet), over the `clockRate` `record` is given.
    mutating func describe(_ pt: UInt8, clockRate: UInt32) {
        sdpPayloadType = pt
        sdpClockRate = clockRate
        clockSource = .sdp
    }

    /// Records one packet.
    /// - Parameters:
    ///   - arrivalNanoseconds: capture time in nanoseconds (any epoch, the same for the stream).
    ///   - clockRate: the payload type's RTP clock in Hz (`RTPClock.rate`, or SDP for dynamic
    ///     types); nil or 0 when unknown, which leaves jitter untouched for this packet.
    public mutating func record(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64,
                                payloadType: UInt8, marker: Bool, clockRate: UInt32?) {
        record(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType,
               marker: marker, clock: clockRate ?? 0)
    }

    /// `record(sequence:timestamp:arrivalNanoseconds:payloadType:marker:clockRate:)` with the
    /// clock rate 0 when unknown.
    @inline(__always)
    mutating func record(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64,
                         payloadType: UInt8, marker: Bool, clock clockRate: UInt32) {
        if packets == 0 {
            let clock = payloadType == sdpPayloadType ? sdpClockRate : clockRate
            return first(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType, clock: clock)
        }
        recordNext(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType,
                   marker: marker, clock: clockRate)
    }

    /// `record(sequence:timestamp:arrivalNanoseconds:payloadType:marker:clock:)` of a stream that
    /// has its first packet (a flow's stream slot, `RTPFlowStats.record(at:...)`, is taken with
    /// one). Transparent (the one-thread RTP path has it in place, with no call); a jump in
    /// sequence and a closed slice are not.
    @_transparent
    mutating func recordNext(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64,
                             payloadType: UInt8, marker: Bool, clock clockRate: UInt32) {
        assert(packets > 0, "a stream's first packet is recorded by record(sequence:...)")
        let clock = payloadType == sdpPayloadType ? sdpClockRate : clockRate
        let unsettled = previousPayloadType & Self.unsettled != 0
        let followsCN = RTPClock.isComfortNoise(payloadType: previousPayloadType & ~Self.unsettled)
        previousPayloadType = payloadType
        previousClockHz = Double(clock)
        advance(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType, marker: marker,
                clockHz: Double(clock), followsCN: followsCN, settled: false, unsettled: unsettled)
    }

    /// `recordNext(sequence:timestamp:arrivalNanoseconds:payloadType:marker:clock:)` with the
    /// clock of the run's table `clocks` (or the stream's SDP): a packet of the previous
    /// packet's payload type is `recordSameType`'s, another type's is out of line. Exact for a
    /// stream whose clocks never change (one table for the run, the SDP's given before the
    /// first packet).
    @_transparent
    mutating func recordNext(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64,
                             payloadType: UInt8, marker: Bool, clocks: borrowing RTPClocks) {
        guard payloadType == previousPayloadType else {
            return recordNewType(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType,
                                 marker: marker, clocks: clocks)
        }
        recordSameType(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType,
                       marker: marker)
    }

    /// `recordNext(...clocks:)` for a packet of the previous packet's payload type (which was
    /// settled: `previousPayloadType` without its top bit): it takes that type's clock
    /// (`previousClockHz`), which is the jitter's last clock already, the previous packet's
    /// arrival as the last in order, and follows comfort noise only when it is comfort noise itself.
    @_transparent
    mutating func recordSameType(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64, payloadType: UInt8, marker: Bool) {
        assert(payloadType == previousPayloadType, "a packet of the previous packet's type, settled")
        advance(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType, marker: marker,
                clockHz: previousClockHz, followsCN: false, settled: true, unsettled: false)
    }

    /// `recordNext(...clocks:)` for a packet whose payload type is not the previous packet's.
    @inline(never)
    mutating func recordNewType(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64,
                                payloadType: UInt8, marker: Bool, clocks: borrowing RTPClocks) {
        recordNext(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType,
                   marker: marker, clock: clocks.clockRate(payloadType))
    }

    /// A later packet's slices, sequence, loss pattern and jitter, its clock `clockHz` (0:
    /// unknown); `followsCN`: the packet before it was comfort noise, whose jitter is then no
    /// maximum (a packet of the previous one's type passes false: it is tested for comfort
    /// noise itself). `settled`: the previous packet was of this packet's type and clock and
    /// settled (`recordSameType`); `unsettled`: the previous packet was unsettled
    /// (`previousPayloadType`'s top bit, before this packet's type was stored). The commonest
    /// packet, in the open slice and a step forward under MAX_DROPOUT, makes no call but for a
    /// new maximum jitter, its last step, so that no value of it is kept across one; any other
    /// is out of line.
    @_transparent
    mutating func advance(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64, payloadType: UInt8, marker: Bool,
                          clockHz: Double, followsCN: Bool, settled: Bool, unsettled: Bool) {
        guard arrivalNanoseconds < slices.end, seq &- maxSeq < Self.maxDropout else {
            return advanceAcross(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType,
                                 marker: marker, clockHz: clockHz, followsCN: followsCN, settled: settled, unsettled: unsettled)
        }
        account(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType, marker: marker,
                clockHz: clockHz, followsCN: followsCN, settled: settled, unsettled: unsettled)
    }

    /// `advance` for a packet past the open slice or a jump in sequence.
    @inline(never)
    private mutating func advanceAcross(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64, payloadType: UInt8,
                                        marker: Bool, clockHz: Double, followsCN: Bool, settled: Bool, unsettled: Bool) {
        account(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType, marker: marker,
                clockHz: clockHz, followsCN: followsCN, settled: settled, unsettled: unsettled)
    }

    /// `advance`'s work, for any later packet.
    @_transparent
    private mutating func account(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64, payloadType: UInt8,
                                  marker: Bool, clockHz: Double, followsCN: Bool, settled: Bool, unsettled: Bool) {
        if arrivalNanoseconds >= slices.end {
            slices.close(before: arrivalNanoseconds, packets: packets, lost: lost, jitter: jitterSeconds)
        }
        // The previous packet's arrival, the last in order unless that packet was unsettled.
        let last = slices.lastArrival
        slices.gap(arrivalNanoseconds)
        packets &+= 1

        // Sequence (RFC 3550 A.1, no probation).
        let udelta = seq &- maxSeq
        if udelta < Self.maxDropout {
            if seq < maxSeq { cycles &+= 0x1_0000 }
            maxSeq = seq
            pattern.advance(by: udelta, timestamp: timestamp)
        } else {
            jump(sequence: seq, by: udelta, timestamp: timestamp)
        }

        // Jitter (RFC 3550 A.8, Wireshark's packet choice).
        let offset = timestamp &- firstTimestamp
        guard offset < 0x8000_0000 else { return unsettle(lastInOrder: unsettled ? arrivalInOrder : last) }
        let elapsed = arrivalNanoseconds &- (unsettled ? arrivalInOrder : last)
        // A clock of 0 Hz (unknown) has the bit pattern 0.
        guard clockHz.bitPattern != 0 else { return }
        if !settled { lastClockRate = UInt32(clockHz) }
        let nominal = Double(offset) / clockHz
        let d = Double(elapsed) / 1e9 - (nominal - previousNominal)
        jitterSeconds += (abs(d) - jitterSeconds) / 16
        previousNominal = nominal
        // The comparison first: a new maximum is rare, and the other tests are made only then, out of line.
        if jitterSeconds > maxJitterSeconds { maximum(marker: marker, payloadType: payloadType, followsCN: followsCN) }
    }

    /// A packet whose timestamp is before the first packet's: the last in order arrived at
    /// `lastInOrder`, and the stream is unsettled until a packet in order comes.
    @inline(never)
    private mutating func unsettle(lastInOrder: Int64) {
        arrivalInOrder = lastInOrder
        previousPayloadType |= Self.unsettled
    }

    /// The jitter, above the maximum, is the maximum when the packet has no marker, is not
    /// comfort noise (PT 13/19) and does not follow it.
    @inline(never)
    private mutating func maximum(marker: Bool, payloadType: UInt8, followsCN: Bool) {
        if !marker, !RTPClock.isComfortNoise(payloadType: payloadType), !followsCN { maxJitterSeconds = jitterSeconds }
    }

    /// The stream's first packet.
    @inline(never)
    private mutating func first(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64, payloadType: UInt8, clock: UInt32) {
        baseSeq = Int64(seq)
        maxSeq = seq
        firstTimestamp = timestamp
        previousNominal = 0
        previousPayloadType = payloadType
        previousClockHz = Double(clock)
        if clock != 0 { lastClockRate = clock }
        packets = 1
        pattern.start(timestamp: timestamp, packets: 1)
        slices.start(arrivalNanoseconds)
    }

    /// A packet `udelta` (MAX_DROPOUT or more) past the highest sequence number: late, or a
    /// jump that the next packet confirms as a restart (RFC 3550 A.1).
    @inline(never)
    private mutating func jump(sequence seq: UInt16, by udelta: UInt16, timestamp: UInt32) {
        if udelta <= UInt16.max &- Self.maxMisorder {
            if UInt32(seq) == badSeq {
                priorExpected &+= extendedHighestSequence &- baseSeq &+ 1
                restarts &+= 1
                baseSeq = Int64(seq) &- 1
                cycles = 0
                maxSeq = seq
                badSeq = 0x1_0001
                uncounted &-= 1   // this packet counts itself; the jump it confirms is counted now
                pattern.start(timestamp: timestamp, packets: 2)
            } else {
                badSeq = UInt32(seq &+ 1)
                uncounted &+= 1
                outOfOrder &+= 1
            }
        } else {
            outOfOrder &+= 1
            pattern.late(behind: maxSeq &- seq)
        }
    }
}

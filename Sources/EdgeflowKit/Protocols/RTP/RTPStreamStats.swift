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

    // Declared in the order a packet reads them: what every packet reads and writes comes
    // first (64 bytes), then the open slice's end and gap, then the loss pattern's bits; what
    // only sequence jumps and the report read is last, then padding to 320 bytes, so that every
    // stream of a flow's state starts on a cache line and a packet touches three lines of its
    // stream, where it touched all five (`LayoutTests`).

    /// Packets recorded.
    public private(set) var packets: Int64 = 0
    /// Packets counted for loss: all but a lone jump that no sequential packet confirmed (A.1 `bad_seq`).
    public private(set) var received: Int64 = 0
    var previousArrival: Int64 = 0
    var previousNominal: Double = 0
    /// Current jitter in seconds.
    public private(set) var jitterSeconds: Double = 0
    /// Largest jitter seen, in seconds (see the rules above).
    public private(set) var maxJitterSeconds: Double = 0
    var firstTimestamp: UInt32 = 0
    /// The clock of `previousPayloadType` (SDP's or the table's, 0 when unknown): a packet of
    /// the previous packet's type, nearly every one, takes it with no lookup (`recordNext(...clocks:)`).
    var previousClock: UInt32 = 0
    var lastClockRate: UInt32 = 0
    var maxSeq: UInt16 = 0
    var previousPayloadType: UInt8 = 0
    /// Packets, loss, jitter and gaps per slice of time.
    public private(set) var slices: RTPSlices
    /// Duplicates, late packets, loss runs and RFC 3611 burst/gap counters.
    public private(set) var pattern = RTPLossPattern()

    /// Packets that did not advance the highest sequence number (late, duplicated or reordered).
    public private(set) var outOfOrder: Int64 = 0
    /// Restarts taken (sequence jumps followed by a sequential packet).
    public private(set) var restarts: Int64 = 0
    var baseSeq: Int64 = 0
    var cycles: Int64 = 0
    var priorExpected: Int64 = 0
    var badSeq: UInt32 = 0x1_0001
    var sdpClockRate: UInt32 = 0
    /// Where the clock of the stream's first payload type came from.
    public internal(set) var clockSource = RTPClockSource.none
    /// The payload type whose clock an SDP gave the stream (`describe`), 0xFF when none.
    var sdpPayloadType: UInt8 = 0xFF
    /// Pads the stride from 312 to 320 bytes, a multiple of the 64-byte line.
    private var padding: Int64 = 0

    /// - Parameter sliceWidth: the time slices' width in ns (`--slice`).
    public init(sliceWidth: Int64 = RTPSlices.defaultWidth) { slices = RTPSlices(width: sliceWidth) }

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
        let followsCN = RTPClock.isComfortNoise(payloadType: previousPayloadType)
        previousPayloadType = payloadType
        previousClock = clock
        advance(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType, marker: marker,
                clock: clock, followsCN: followsCN)
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

    /// `recordNext(...clocks:)` for a packet of the previous packet's payload type: it takes that
    /// type's clock (`previousClock`), and follows comfort noise only when it is comfort noise itself.
    @_transparent
    mutating func recordSameType(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64, payloadType: UInt8, marker: Bool) {
        assert(payloadType == previousPayloadType, "a packet of the previous packet's type")
        advance(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType, marker: marker,
                clock: previousClock, followsCN: false)
    }

    /// `recordNext(...clocks:)` for a packet whose payload type is not the previous packet's.
    @inline(never)
    mutating func recordNewType(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64,
                                payloadType: UInt8, marker: Bool, clocks: borrowing RTPClocks) {
        recordNext(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType,
                   marker: marker, clock: clocks.clockRate(payloadType))
    }

    /// A later packet's slices, sequence, loss pattern and jitter, its clock `clock` (0:
    /// unknown); `followsCN`: the packet before it was comfort noise, whose jitter is then no
    /// maximum (a packet of the previous one's type passes false: it is tested for comfort
    /// noise itself). The commonest packet, in the open slice and a step forward under
    /// MAX_DROPOUT, makes no call but for a new maximum jitter, its last step, so that no value
    /// of it is kept across one; any other is out of line.
    @_transparent
    mutating func advance(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64, payloadType: UInt8, marker: Bool,
                          clock: UInt32, followsCN: Bool) {
        guard arrivalNanoseconds < slices.end, seq &- maxSeq < Self.maxDropout else {
            return advanceAcross(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType,
                                 marker: marker, clock: clock, followsCN: followsCN)
        }
        account(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType, marker: marker,
                clock: clock, followsCN: followsCN)
    }

    /// `advance` for a packet past the open slice or a jump in sequence.
    @inline(never)
    private mutating func advanceAcross(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64, payloadType: UInt8,
                                        marker: Bool, clock: UInt32, followsCN: Bool) {
        account(sequence: seq, timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, payloadType: payloadType, marker: marker,
                clock: clock, followsCN: followsCN)
    }

    /// `advance`'s work, for any later packet.
    @_transparent
    private mutating func account(sequence seq: UInt16, timestamp: UInt32, arrivalNanoseconds: Int64, payloadType: UInt8,
                                  marker: Bool, clock: UInt32, followsCN: Bool) {
        if arrivalNanoseconds >= slices.end {
            slices.close(before: arrivalNanoseconds, packets: packets, lost: lost, jitter: jitterSeconds)
        }
        slices.gap(arrivalNanoseconds)
        packets &+= 1

        // Sequence (RFC 3550 A.1, no probation).
        let udelta = seq &- maxSeq
        if udelta < Self.maxDropout {
            if seq < maxSeq { cycles &+= 0x1_0000 }
            maxSeq = seq
            received &+= 1
            pattern.advance(by: udelta, timestamp: timestamp)
        } else {
            jump(sequence: seq, by: udelta, timestamp: timestamp)
        }

        // Jitter (RFC 3550 A.8, Wireshark's packet choice).
        let offset = timestamp &- firstTimestamp
        guard offset < 0x8000_0000 else { return }
        let elapsed = arrivalNanoseconds &- previousArrival
        previousArrival = arrivalNanoseconds
        guard clock != 0 else { return }
        lastClockRate = clock
        let nominal = Double(offset) / Double(clock)
        let d = Double(elapsed) / 1e9 - (nominal - previousNominal)
        jitterSeconds += (abs(d) - jitterSeconds) / 16
        previousNominal = nominal
        // The comparison first: a new maximum is rare, and the other tests are made only then, out of line.
        if jitterSeconds > maxJitterSeconds { maximum(marker: marker, payloadType: payloadType, followsCN: followsCN) }
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
        previousArrival = arrivalNanoseconds
        previousNominal = 0
        previousPayloadType = payloadType
        previousClock = clock
        if clock != 0 { lastClockRate = clock }
        packets = 1
        received = 1
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
                received &+= 2   // this packet and the jump it confirms
                pattern.start(timestamp: timestamp, packets: 2)
            } else {
                badSeq = UInt32(seq &+ 1)
                outOfOrder &+= 1
            }
        } else {
            outOfOrder &+= 1
            received &+= 1
            pattern.late(behind: maxSeq &- seq)
        }
    }
}

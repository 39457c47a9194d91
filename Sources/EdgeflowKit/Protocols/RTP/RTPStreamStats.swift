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
    var sdpClockRate: UInt32 = 0
    var lastClockRate: UInt32 = 0
    var maxSeq: UInt16 = 0
    /// The payload type whose clock an SDP gave the stream (`describe`), 0xFF when none.
    var sdpPayloadType: UInt8 = 0xFF
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
    /// Where the clock of the stream's first payload type came from.
    public internal(set) var clockSource = RTPClockSource.none
    /// Pads the stride from 304 to 320 bytes, a multiple of the 64-byte line.
    private var padding: (Int64, Int64) = (0, 0)

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
        let inOrder = offset < 0x8000_0000
        let followsCN = RTPClock.isComfortNoise(payloadType: previousPayloadType)
        previousPayloadType = payloadType
        guard inOrder else { return }
        if clock != 0 {
            lastClockRate = clock
            let nominal = Double(offset) / Double(clock)
            let d = Double(arrivalNanoseconds &- previousArrival) / 1e9 - (nominal - previousNominal)
            jitterSeconds += (abs(d) - jitterSeconds) / 16
            previousNominal = nominal
            // The comparison first: a new maximum is rare, and the other tests are then not made.
            if jitterSeconds > maxJitterSeconds, !marker, !RTPClock.isComfortNoise(payloadType: payloadType), !followsCN {
                maxJitterSeconds = jitterSeconds
            }
        }
        previousArrival = arrivalNanoseconds
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

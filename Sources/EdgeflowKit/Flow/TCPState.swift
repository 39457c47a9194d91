/// Per-endpoint TCP states, as Zeek's TCP analyzer names them; `conn_state` is derived
/// from the pair.
public enum TCPEndpointState: UInt8, Sendable, BitwiseCopyable {
    case inactive, synSent, synAckSent, partial, established, closed, reset
}

/// Zeek-style history: one letter per event kind and direction, in order of first
/// occurrence; upper case for the originator, lower case for the responder.
public struct FlowHistory: Sendable, BitwiseCopyable {
    private var letters: (UInt64, UInt64) = (0, 0)
    /// One bit per event and direction (bits 0-19), and `flippedBit`.
    private var seen: UInt32 = 0
    private var count: UInt8 = 0
    private static let flippedBit: UInt32 = 1 << 31

    /// The originator was swapped because the first packet seen was a SYN-ACK.
    public var flipped: Bool {
        get { seen & Self.flippedBit != 0 }
        set { if newValue { seen |= Self.flippedBit } else { seen &= ~Self.flippedBit } }
    }

    public init() {}

    /// The stored bytes (21: `FloodTests.recordSize`), zero-padded to three words, each read from
    /// where it lies (`FlowSummary.historyWords`).
    @inline(__always)
    var words: (UInt64, UInt64, UInt64) {
        withUnsafeBytes(of: self) { b in
            (b.loadUnaligned(as: UInt64.self), b.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
             UInt64(b.loadUnaligned(fromByteOffset: 16, as: UInt32.self)) | UInt64(b[20]) << 32)
        }
    }

    /// Event letters, lower-case form.
    public enum Event: UInt8, Sendable {
        case syn = 0, synAck, ack, data, fin, rst, retransmit, zeroWindow, inconsistent, multiFlag
        var letter: UInt8 {
            switch self {
            case .syn: 0x73; case .synAck: 0x68; case .ack: 0x61; case .data: 0x64; case .fin: 0x66
            case .rst: 0x72; case .retransmit: 0x74; case .zeroWindow: 0x77; case .inconsistent: 0x69; case .multiFlag: 0x71
            }
        }
    }

    @inline(__always)
    public mutating func note(_ event: Event, fromOriginator: Bool) {
        let bit: UInt32 = 1 << (UInt32(event.rawValue) &* 2 &+ (fromOriginator ? 0 : 1))
        guard seen & bit == 0 else { return }
        seen |= bit
        guard count < 16 else { return }
        let ch = UInt64(fromOriginator ? event.letter &- 0x20 : event.letter)
        if count < 8 { letters.0 |= ch << (UInt64(count) &* 8) } else { letters.1 |= ch << (UInt64(count &- 8) &* 8) }
        count &+= 1
    }

    /// Whether an event was seen from one side.
    public func has(_ event: Event, fromOriginator: Bool) -> Bool {
        seen & (1 << (UInt32(event.rawValue) &* 2 &+ (fromOriginator ? 0 : 1))) != 0
    }

    /// The history string, with `^` first when the direction was flipped.
    public var text: String {
        // At most 17 ASCII bytes, written in place (up to 15 make a small string: no allocation).
        let n = Int(count) &+ (flipped ? 1 : 0)
        return n == 0 ? "" : String(unsafeUninitializedCapacity: n) { copyText(to: $0.baseAddress!) }
    }

    /// The most bytes `text` holds: `^` and 16 letters.
    public static let maximumLength = 17

    /// Writes `text`'s ASCII bytes (at most `maximumLength`) at `out`; returns how many.
    @inline(__always)
    public func copyText(to out: UnsafeMutablePointer<UInt8>) -> Int {
        var at = 0
        if flipped { out[0] = 0x5E; at = 1 }
        for i in 0..<Int(count) {
            let word = i < 8 ? letters.0 : letters.1
            out[at &+ i] = UInt8(truncatingIfNeeded: word >> (UInt64(i % 8) &* 8))
        }
        return at &+ Int(count)
    }
}

/// TCP facts kept per flow.
public struct TCPFlowState: Sendable, BitwiseCopyable {
    // The one-byte fields first: 24 bytes, not 30 with padding.
    public var orig: TCPEndpointState = .inactive
    public var resp: TCPEndpointState = .inactive
    public var synSeen = false
    public var synAckSeen = false
    public var origNextKnown = false
    public var respNextKnown = false
    /// Sequence number of the originator's first SYN, to tell a retransmitted SYN from port reuse.
    public var synSeq: UInt32 = 0
    /// Sequence number of the responder's SYN-ACK: where its byte stream starts.
    public var synAckSeq: UInt32 = 0
    /// Next expected sequence number per direction, for retransmission detection.
    public var origNext: UInt32 = 0
    public var respNext: UInt32 = 0

    public init() {}

    /// The connection ended by FIN or RST from either side.
    @inline(__always) public var isClosing: Bool {
        orig == .closed || orig == .reset || resp == .closed || resp == .reset
    }

    /// Zeek's `conn_state` for this TCP connection.
    public func connState(origBytes: Int, respBytes: Int, history: FlowHistory, sawOrigSyn: Bool) -> StaticString {
        let oInactive = orig == .inactive || orig == .partial
        let rInactive = resp == .inactive || resp == .partial
        if resp == .reset {
            if orig == .synSent || orig == .synAckSent || (orig == .reset && origBytes == 0 && respBytes == 0) { return "REJ" }
            return oInactive ? "RSTRH" : "RSTR"
        }
        if orig == .reset {
            if rInactive { return sawOrigSyn ? "RSTOS0" : "OTH" }
            return "RSTO"
        }
        if resp == .closed && orig == .closed { return "SF" }
        if orig == .closed { return rInactive ? "SH" : "S2" }
        if resp == .closed { return oInactive ? "SHR" : "S3" }
        if orig == .synSent && resp == .inactive { return "S0" }
        if orig == .established && resp == .established { return "S1" }
        return "OTH"
    }
}

/// Where an RTP stream's clock came from: the clock that its first payload type's jitter is
/// measured with (`RTPClocks`, `SDPBook`). One byte, kept in the stream's `RTPStreamStats`.
public enum RTPClockSource: UInt8, Sendable, BitwiseCopyable {
    /// No clock: packets and loss only.
    case none
    /// RFC 3551's rate of a static payload type.
    case rfc3551
    /// `--rtp-clock PT=HZ`.
    case option
    /// `--rtp-clock lync`: the Lync / Skype for Business table (`RTPCodec.lync`).
    case lync
    /// The `a=rtpmap` of a plaintext SDP seen before the stream's first packet.
    case sdp

    /// The report's `clock_source` (nil for `none`, written as null).
    public var name: String? {
        switch self {
        case .none: nil
        case .rfc3551: "static"
        case .option: "option"
        case .lync: "lync"
        case .sdp: "sdp"
        }
    }
}

/// Why a buffer is not a well-formed RTP packet or compound RTCP packet.
public enum RTPFailureReason: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// Fewer bytes than the fixed header (12 for RTP, RFC 3550 §5.1; 8 for RTCP, §6.4.1).
    case truncatedHeader
    /// The version bits are not 2 (RFC 3550 §5.1).
    case badVersion
    /// The CSRC list (CC × 4 bytes) runs past the end (RFC 3550 §5.1).
    case csrcOverrun
    /// The header extension's 4-byte header or its words run past the end (RFC 3550 §5.3.1).
    case extensionOverrun
    /// The P bit is set but the padding count is 0 or larger than what follows the header (RFC 3550 §5.1).
    case badPadding
    /// The first packet's payload type is not RTCP's 192-223 (RFC 5761 §4).
    case notRTCP
    /// An RTCP packet's `(Length + 1) * 4` runs past the end (RFC 3550 §6.4.1).
    case lengthOverrun
}

/// An RTP or RTCP decode failure: the reason and the byte offset where it was found.
public typealias RTPFailure = DecodeFailure<RTPFailureReason>

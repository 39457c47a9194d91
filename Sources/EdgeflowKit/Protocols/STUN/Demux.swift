/// What one UDP payload on a media/TURN 5-tuple holds, by its first byte (RFC 7983 §7,
/// repeated in RFC 8656 §12 Table 3; RFC 5761 §4 for RTP vs RTCP; MS-TURN §2.2.3 for 0xFF10).
public enum UDPPayloadKind: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    case stun, dtls, channelData, rtp, rtcp, zrtp, msMultiplexedTURN, unknown
    /// STUN's first bits and magic cookie, but a Length that does not fill the datagram.
    case stunMalformed
    /// A DTLS 1.3 record with the unified header (RFC 9147 §4, first bits 001): it has no
    /// version field to confirm it, so it counts only on a flow already seen doing DTLS.
    case dtlsUnified

    /// Display name for reports (cold path).
    public var name: String {
        switch self {
        case .stun: "stun"
        case .dtls: "dtls"
        case .channelData: "channel-data"
        case .rtp: "rtp"
        case .rtcp: "rtcp"
        case .zrtp: "zrtp"
        case .msMultiplexedTURN: "ms-multiplexed-turn"
        case .unknown: "unknown"
        case .stunMalformed: "stun-malformed"
        case .dtlsUnified: "dtls-unified"
        }
    }
}

/// RFC 7983 first-byte demultiplexer for one UDP payload, with cheap confirmations (a few
/// byte compares, no attribute walk).
public enum UDPDemux {
    /// Whether `classify(p)` is `.rtp`, without the rest of its switch.
    @inline(__always)
    static func isRTP(_ p: UnsafeRawBufferPointer) -> Bool {
        guard p.count >= 12 else { return false }
        let b1 = p.u8(1)
        return p.u8(0) & 0xC0 == 0x80 && (b1 < 192 || b1 > 223)
    }

    /// `classify(p)` for a payload whose first byte is 0-3 (`mayBeSTUN`): `.stun`, `.stunMalformed`
    /// or `.unknown`, without the rest of its switch.
    @inline(__always)
    static func classifySTUN(_ p: UnsafeRawBufferPointer) -> UDPPayloadKind {
        let n = p.count
        if n >= 20 && Int(p.be16(2)) &+ 20 == n { return .stun }
        return n >= 8 && p.be32(4) == stunMagicCookie ? .stunMalformed : .unknown
    }

    /// Whether `classify(p)` is `.channelData` (a first byte 64-79, 4 + Length within the
    /// datagram and its padding), without the rest of its switch.
    @inline(__always)
    static func isChannelData(_ p: UnsafeRawBufferPointer) -> Bool {
        p.count >= 4 && p.u8(0) &- 64 < 16 && channelDataFits(p)
    }

    /// A ChannelData message's 4 + Length fits a datagram of `p.count` bytes, padded or not.
    @inline(__always)
    private static func channelDataFits(_ p: UnsafeRawBufferPointer) -> Bool {
        let exact = 4 &+ Int(p.be16(2))
        return exact <= p.count && p.count <= ((exact &+ 3) & ~3)
    }

    /// Whether the payload's first byte is STUN's (0-3, RFC 7983), so that `classify(p)` is
    /// `classifySTUN(p)`: at least four bytes.
    @inline(__always)
    static func mayBeSTUN(_ p: UnsafeRawBufferPointer) -> Bool { p.count >= 4 && p.u8(0) < 4 }

    /// Classifies one UDP payload.
    /// - 0-3: STUN when 20 + Length fills the datagram (cookie not required: RFC 3489 and
    ///   MS-TURN Data Indications have none); with the magic cookie but a Length that does
    ///   not fill the datagram, `stunMalformed`.
    /// - 16-19: ZRTP (at least 12 bytes). 20-63: DTLS when the version is 0xFEFF/0xFEFD/0xFEFC;
    ///   otherwise 32-63 is `dtlsUnified` when the datagram can hold a header and an 8-byte tag.
    /// - 64-79: ChannelData when 4 + Length fits the datagram (padded or not).
    /// - 128-191: RTCP when the second byte is 192-223 (RFC 5761 §4), else RTP (12+ bytes).
    /// - 0xFF 0x10: MS-TURN multiplexed TURN (MS-TURN §2.2.3). Anything else is `unknown`.
    public static func classify(_ p: UnsafeRawBufferPointer) -> UDPPayloadKind {
        let n = p.count
        guard n >= 4 else { return .unknown }
        let b0 = p.u8(0)
        switch b0 {
        case 0...3:
            return classifySTUN(p)
        case 16...19:
            return n >= 12 ? .zrtp : .unknown
        case 20...63:
            if n >= 13, p.u8(1) == 0xFE {
                let minor = p.u8(2)
                if minor == 0xFF || minor == 0xFD || minor == 0xFC { return .dtls }
            }
            return b0 >= 32 && n >= 12 ? .dtlsUnified : .unknown
        case 64...79:
            return channelDataFits(p) ? .channelData : .unknown
        case 128...191:
            let b1 = p.u8(1)
            if b1 >= 192 && b1 <= 223 { return n >= 8 ? .rtcp : .unknown }
            return n >= 12 ? .rtp : .unknown
        case 0xFF:
            return p.u8(1) == 0x10 && n >= 12 ? .msMultiplexedTURN : .unknown
        default:
            return .unknown
        }
    }
}

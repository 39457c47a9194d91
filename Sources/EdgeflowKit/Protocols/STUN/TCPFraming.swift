/// How a TCP connection frames its STUN/TURN/media messages (protocols.md §4.4, §6, §2.3).
public enum TCPFramingMode: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// Decide per PDU from the first bytes.
    case auto
    /// MS-TURN over TCP/TLS 443: optional pseudo-TLS opening, then 4-byte `type(0x02/0x03) | 0x00 |
    /// length(2)` frames (MS-TURN §2.1.1, §2.1.4).
    case msTURN
    /// RFC 4571 2-byte length before each STUN/RTP/RTCP packet (ICE-TCP, RFC 6544 §3; MS-ICE2).
    case rfc4571
    /// Plain TURN over TCP: STUN and padded ChannelData back to back, self-delimiting
    /// (RFC 8489 §6.2.2; RFC 8656 §12.5).
    case plain
}

/// What the next PDU of a TCP byte stream is.
public enum TCPPDUKind: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// Not enough bytes yet; `TCPPDU.length` is how many the chunk must hold to go on.
    case needMore
    /// MS-TURN pseudo-TLS ClientHello: 50 bytes, one suite 0x0018, no extensions (MS-TURN §2.1.1).
    case pseudoTLSClientHello
    /// MS-TURN pseudo-TLS ServerHello + ServerHelloDone in one 83-byte record (MS-TURN §2.1.1).
    case pseudoTLSServerHello
    /// MS-TURN frame type 0x02: a TURN control message follows (MS-TURN §2.1.4).
    case msTURNControl
    /// MS-TURN frame type 0x03: end-to-end data follows (MS-TURN §2.1.4).
    case msTURNData
    /// RFC 4571 frame (2-byte length).
    case rfc4571
    /// An unframed STUN message (20 + Length).
    case stun
    /// An unframed ChannelData message, padded to 4 (RFC 8656 §12.5).
    case channelData
    /// An unframed MS-TURN multiplexed TURN message 0xFF10 (MS-TURN §2.2.3).
    case msMultiplexedTURN
    /// The bytes fit no framing: the stream cannot be followed from here.
    case unrecognised

    /// The connection framing this PDU implies, to pass as `mode` for the PDUs after it.
    public var impliedMode: TCPFramingMode {
        switch self {
        case .pseudoTLSClientHello, .pseudoTLSServerHello, .msTURNControl, .msTURNData: .msTURN
        case .rfc4571: .rfc4571
        case .stun, .channelData, .msMultiplexedTURN: .plain
        case .needMore, .unrecognised: .auto
        }
    }
}

/// The next PDU in a stream chunk: its kind, the bytes it takes (`length`, framing included),
/// and where the inner message sits (`payloadOffset`, `payloadLength`, from the chunk start).
public struct TCPPDU: Sendable, BitwiseCopyable, Equatable {
    public var kind: TCPPDUKind
    public var length: Int
    public var payloadOffset: Int
    public var payloadLength: Int

    public init(_ kind: TCPPDUKind, length: Int, payloadOffset: Int = 0, payloadLength: Int = 0) {
        self.kind = kind; self.length = length; self.payloadOffset = payloadOffset; self.payloadLength = payloadLength
    }

    static func needMore(_ n: Int) -> TCPPDU { TCPPDU(.needMore, length: n) }
    static var unrecognised: TCPPDU { TCPPDU(.unrecognised, length: 0) }
}

/// Cuts a TCP byte stream into STUN/TURN/media PDUs (protocols.md §4.4, §6; MS-TURN §2.1;
/// RFC 4571 §2; RFC 8489 §6.2.2; RFC 8656 §12.5).
public enum TCPFraming {
    /// Given a contiguous chunk that starts at a PDU boundary, returns the next PDU's kind and
    /// length, or `.needMore` with the number of bytes needed. Never reads past `chunk`.
    public static func next(_ chunk: UnsafeRawBufferPointer, mode: TCPFramingMode = .auto) -> TCPPDU {
        let n = chunk.count
        guard n >= 1 else { return .needMore(4) }
        let b0 = chunk.u8(0)
        if b0 == 0x16 && mode != .rfc4571 && mode != .plain { return pseudoTLS(chunk) }
        switch mode {
        case .rfc4571:
            guard n >= 2 else { return .needMore(2) }
            return frame(.rfc4571, header: 2, length: Int(chunk.be16(0)), n)
        case .msTURN:
            guard n >= 4 else { return .needMore(4) }
            guard b0 == 2 || b0 == 3, chunk.u8(1) == 0 else { return .unrecognised }
            return frame(b0 == 2 ? .msTURNControl : .msTURNData, header: 4, length: Int(chunk.be16(2)), n)
        case .plain:
            return unframed(chunk, b0)
        case .auto:
            return automatic(chunk, b0)
        }
    }

    static func frame(_ kind: TCPPDUKind, header: Int, length: Int, _ n: Int) -> TCPPDU {
        let total = header &+ length
        return total <= n ? TCPPDU(kind, length: total, payloadOffset: header, payloadLength: length) : .needMore(total)
    }

    static func unframed(_ c: UnsafeRawBufferPointer, _ b0: UInt8) -> TCPPDU {
        let n = c.count
        guard n >= 4 else { return .needMore(4) }
        if b0 & 0xC0 == 0 {
            return frame(.stun, header: 0, length: 20 &+ Int(c.be16(2)), n)
        }
        if b0 >= 0x40 && b0 <= 0x7F {
            let total = (4 &+ Int(c.be16(2)) &+ 3) & ~3
            return total <= n ? TCPPDU(.channelData, length: total, payloadOffset: 0, payloadLength: total) : .needMore(total)
        }
        if b0 == 0xFF && c.u8(1) == 0x10 {
            return frame(.msMultiplexedTURN, header: 0, length: 4 &+ Int(c.be16(2)), n)
        }
        return .unrecognised
    }

    static func automatic(_ c: UnsafeRawBufferPointer, _ b0: UInt8) -> TCPPDU {
        let n = c.count
        guard n >= 4 else { return .needMore(4) }
        if b0 <= 3 {
            guard n >= 10 else {
                // A short MS-TURN frame that is complete already (type 0x02/0x03, reserved 0).
                if (b0 == 2 || b0 == 3) && c.u8(1) == 0 && 4 &+ Int(c.be16(2)) <= n {
                    return frame(b0 == 2 ? .msTURNControl : .msTURNData, header: 4, length: Int(c.be16(2)), n)
                }
                return .needMore(10)
            }
            if c.be32(4) == stunMagicCookie { return unframed(c, b0) }
            if (b0 == 2 || b0 == 3) && c.u8(1) == 0 {
                if (n >= 12 && c.be32(8) == stunMagicCookie) || c.be32(6) != stunMagicCookie {
                    return frame(b0 == 2 ? .msTURNControl : .msTURNData, header: 4, length: Int(c.be16(2)), n)
                }
            }
            if c.be32(6) == stunMagicCookie { return frame(.rfc4571, header: 2, length: Int(c.be16(0)), n) }
            guard n >= 28 else { return .needMore(28) }
            if c.be32(20) == 0x000F_0004 && c.be32(24) == msTURNMagicCookie { return unframed(c, b0) }
            if c.u8(2) & 0xC0 == 0x80 { return frame(.rfc4571, header: 2, length: Int(c.be16(0)), n) }
            return .unrecognised
        }
        if b0 >= 0x40 && b0 <= 0x7F { return unframed(c, b0) }
        if b0 == 0xFF && c.u8(1) == 0x10 { return unframed(c, b0) }
        // A 2-byte length of 1024 or more before RTP/RTCP (RFC 4571).
        if b0 < 0x40 && c.u8(2) & 0xC0 == 0x80 { return frame(.rfc4571, header: 2, length: Int(c.be16(0)), n) }
        return .unrecognised
    }

    /// The MS-TURN pseudo-TLS opening (MS-TURN §2.1.1; bytes as in protocols.md §4.4).
    static func pseudoTLS(_ c: UnsafeRawBufferPointer) -> TCPPDU {
        let n = c.count
        guard n >= 6 else { return .needMore(6) }
        guard c.be16(1) == 0x0301 else { return .unrecognised }
        let recordLength = Int(c.be16(3))
        let handshakeType = c.u8(5)
        if recordLength == 0x2D && handshakeType == 1 {
            guard n >= 50 else { return .needMore(50) }
            // session id length 0, one suite 0x0018, one null compression method.
            guard c.u8(43) == 0, c.be16(44) == 2, c.be16(46) == 0x0018, c.u8(48) == 1, c.u8(49) == 0 else { return .unrecognised }
            return TCPPDU(.pseudoTLSClientHello, length: 50, payloadOffset: 5, payloadLength: 45)
        }
        if recordLength == 0x4E && handshakeType == 2 {
            guard n >= 83 else { return .needMore(83) }
            // 32-byte session id, suite 0x0018, null compression, then ServerHelloDone.
            guard c.u8(43) == 0x20, c.be16(76) == 0x0018, c.u8(78) == 0, c.be32(79) == 0x0E00_0000 else { return .unrecognised }
            return TCPPDU(.pseudoTLSServerHello, length: 83, payloadOffset: 5, payloadLength: 78)
        }
        return .unrecognised
    }
}

/// Why bytes are not a ChannelData or multiplexed-TURN message.
public enum ChannelDataFailure: UInt8, Error, Sendable, BitwiseCopyable, CaseIterable {
    /// Fewer than 4 bytes (12 for multiplexed TURN).
    case truncated
    /// Channel number outside 0x4000-0x7FFF (RFC 5766 §11; RFC 8656 §12), or not 0xFF10.
    case badChannel
    /// Length does not match the bytes: over UDP the datagram must be 4 + Length or that
    /// rounded up to 4 (RFC 8656 §12.5); over TCP the padded message must fit.
    case lengthMismatch
}

/// A TURN ChannelData message: `channel(2) | length(2) | data` (RFC 8656 §12.4).
public struct ChannelData: Sendable, BitwiseCopyable, Equatable {
    public var channel: UInt16
    /// The Length field (data bytes, padding not counted).
    public var length: UInt16
    /// The application data.
    public var data: ByteRange
    /// Bytes the message takes on the wire, padding included.
    public var wireLength: Int
    /// Channel in 0x5000-0x7FFF: valid in RFC 5766 §11, reserved (MUST be dropped) in RFC 8656 §12.
    public var outsideRFC8656Range: Bool { channel >= 0x5000 }

    /// Decodes a ChannelData message at the start of `p`. Over UDP, `p` is the datagram and must
    /// be 4 + Length bytes, or that rounded up to a multiple of 4. Over TCP (`overTCP`), `p` may
    /// hold more than one message; the message is padded to 4 (RFC 8656 §12.5) and `wireLength`
    /// says how far it goes.
    public static func decode(_ p: UnsafeRawBufferPointer, overTCP: Bool = false) throws(ChannelDataFailure) -> ChannelData {
        let n = p.count
        guard n >= 4 else { throw .truncated }
        let channel = p.be16(0)
        guard channel >= 0x4000, channel <= 0x7FFF else { throw .badChannel }
        let length = p.be16(2)
        let exact = 4 &+ Int(length)
        let padded = (exact &+ 3) & ~3
        let wire: Int
        if overTCP {
            guard padded <= n else { throw .lengthMismatch }
            wire = padded
        } else {
            guard n == exact || n == padded else { throw .lengthMismatch }
            wire = n
        }
        return ChannelData(channel: channel, length: length, data: ByteRange(offset: 4, length: Int(length)), wireLength: wire)
    }
}

/// An MS-TURN multiplexed TURN message: `0xFF10 | length(2) | session ID(8) | data`, Length
/// counting the bytes after the Length field (MS-TURN §2.2.3). The session ID also appears in
/// attribute 0x8095.
public struct MultiplexedTURN: Sendable, BitwiseCopyable, Equatable {
    /// The channel value that marks multiplexed TURN (MS-TURN §2.2.3).
    public static let channel: UInt16 = 0xFF10

    public var length: UInt16
    public var sessionID: UInt64
    /// The data after the session ID.
    public var data: ByteRange
    /// Bytes the message takes: 4 + Length.
    public var wireLength: Int { 4 &+ Int(length) }

    /// Decodes a multiplexed TURN message at the start of `p`; over UDP (`exact`) it must fill the datagram.
    public static func decode(_ p: UnsafeRawBufferPointer, exact: Bool = true) throws(ChannelDataFailure) -> MultiplexedTURN {
        let n = p.count
        guard n >= 12 else { throw .truncated }
        guard p.be16(0) == channel else { throw .badChannel }
        let length = p.be16(2)
        let total = 4 &+ Int(length)
        guard length >= 8, exact ? total == n : total <= n else { throw .lengthMismatch }
        return MultiplexedTURN(length: length, sessionID: p.be64(4), data: ByteRange(offset: 12, length: Int(length) &- 8))
    }
}

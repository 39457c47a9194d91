/// A decoded RTP fixed header (RFC 3550 §5.1, §5.3.1). SRTP leaves it in clear (RFC 3711 §3.1).
public struct RTPHeader: Sendable, BitwiseCopyable, Equatable {
    public var hasPadding: Bool
    public var hasExtension: Bool
    public var csrcCount: UInt8
    public var marker: Bool
    public var payloadType: UInt8
    public var sequence: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Header extension profile and length in 32-bit words, when `hasExtension` (RFC 3550 §5.3.1).
    public var extensionProfile: UInt16
    public var extensionWords: UInt16
    /// Where the payload starts and how long it is (padding excluded).
    public var payload: ByteRange
    /// Padding bytes at the end (the last byte's value when `hasPadding`).
    public var paddingLength: UInt8

    /// The header at the start of `p` when it is the usual one, first byte 0x80 (version 2, no
    /// padding, extension or CSRC) and 12 bytes or more; nil otherwise. `parse` gives the same
    /// header for it; this one is read in the caller, with no call and no error path.
    @inline(__always)
    static func plain(_ p: UnsafeRawBufferPointer) -> RTPHeader? {
        let n = p.count
        guard n >= 12, p.u8(0) == 0x80 else { return nil }
        let b1 = p.u8(1)
        return RTPHeader(hasPadding: false, hasExtension: false, csrcCount: 0, marker: b1 & 0x80 != 0, payloadType: b1 & 0x7F,
                         sequence: p.be16(2), timestamp: p.be32(4), ssrc: p.be32(8), extensionProfile: 0, extensionWords: 0,
                         payload: ByteRange(offset: 12, length: n &- 12), paddingLength: 0)
    }

    /// Decodes the RTP header at the start of `p` (one RTP packet). Throws when the version
    /// is not 2 or a length (CSRCs, extension, padding) does not fit, with the offset of the
    /// field at fault.
    public static func parse(_ p: UnsafeRawBufferPointer) throws(RTPFailure) -> RTPHeader {
        let n = p.count
        guard n >= 12 else { throw RTPFailure(.truncatedHeader, at: n) }
        let b0 = p.u8(0), b1 = p.u8(1)
        guard b0 >> 6 == 2 else { throw RTPFailure(.badVersion, at: 0) }
        let cc = b0 & 0x0F
        var off = 12 &+ 4 &* Int(cc)
        guard off <= n else { throw RTPFailure(.csrcOverrun, at: 12) }
        var profile: UInt16 = 0, words: UInt16 = 0
        let hasExtension = b0 & 0x10 != 0
        if hasExtension {
            guard n &- off >= 4 else { throw RTPFailure(.extensionOverrun, at: off) }
            profile = p.be16(off)
            words = p.be16(off &+ 2)
            guard Int(words) &* 4 <= n &- off &- 4 else { throw RTPFailure(.extensionOverrun, at: off) }
            off &+= 4
            off &+= Int(words) &* 4
        }
        var pad: UInt8 = 0
        let hasPadding = b0 & 0x20 != 0
        if hasPadding {
            guard n > off else { throw RTPFailure(.badPadding, at: n) }
            pad = p.u8(n &- 1)
            guard pad >= 1, Int(pad) <= n &- off else { throw RTPFailure(.badPadding, at: n &- 1) }
        }
        return RTPHeader(hasPadding: hasPadding, hasExtension: hasExtension, csrcCount: cc, marker: b1 & 0x80 != 0,
                         payloadType: b1 & 0x7F, sequence: p.be16(2), timestamp: p.be32(4), ssrc: p.be32(8),
                         extensionProfile: profile, extensionWords: words,
                         payload: ByteRange(offset: off, length: n &- off &- Int(pad)), paddingLength: pad)
    }
}

/// The usual RTP header (`RTPHeader.plain`'s: first byte 0x80, 12 bytes or more) read where it
/// lies, each field when asked: a caller that reads some of its fields late keeps no copy of
/// them across what it does first.
struct PlainRTPHeader {
    let bytes: UnsafeRawBufferPointer

    /// `p`'s header when it is the usual one, else nil.
    @inline(__always) init?(_ p: UnsafeRawBufferPointer) {
        guard p.count >= 12, p.u8(0) == 0x80 else { return nil }
        bytes = p
    }

    var marker: Bool { @inline(__always) get { bytes.u8(1) & 0x80 != 0 } }
    var payloadType: UInt8 { @inline(__always) get { bytes.u8(1) & 0x7F } }
    var sequence: UInt16 { @inline(__always) get { bytes.be16(2) } }
    var timestamp: UInt32 { @inline(__always) get { bytes.be32(4) } }
    var ssrc: UInt32 { @inline(__always) get { bytes.be32(8) } }
    /// The SSRC's four bytes loaded as they lie (`ssrc.bigEndian`): compared with a copy stored
    /// so (`RTPStreamStats.knownSSRC`), with no byte swap.
    var ssrcInPlace: UInt32 {
        @inline(__always) get { bytes.baseAddress.unsafelyUnwrapped.loadUnaligned(fromByteOffset: 8, as: UInt32.self) }
    }
}

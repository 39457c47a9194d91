/// One RTCP report block (RFC 3550 §6.4.1).
public struct RTCPReportBlock: Sendable, BitwiseCopyable, Equatable {
    public var ssrc: UInt32
    /// Fraction lost since the last report, in 1/256.
    public var fractionLost: UInt8
    /// Cumulative packets lost (24-bit signed).
    public var cumulativeLost: Int32
    public var extendedHighestSequence: UInt32
    /// Interarrival jitter in RTP timestamp units.
    public var jitter: UInt32
    /// Last SR (middle 32 bits of its NTP timestamp) and delay since it, in 1/65536 s.
    public var lastSR: UInt32
    public var delaySinceLastSR: UInt32
}

/// Sender info of the first SR in a compound packet (RFC 3550 §6.4.1).
public struct RTCPSenderInfo: Sendable, BitwiseCopyable, Equatable {
    public var ssrc: UInt32
    public var ntpTimestamp: UInt64
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
}

/// What a compound RTCP packet holds (RFC 3550 §6.1, §6.4-6.7; RFC 4585 §6.1; RFC 3611).
public struct RTCPCompound: Sendable, BitwiseCopyable, Equatable {
    public var senderReports: UInt16 = 0      // PT 200
    public var receiverReports: UInt16 = 0    // PT 201
    public var sourceDescriptions: UInt16 = 0 // PT 202
    public var byes: UInt16 = 0               // PT 203
    public var apps: UInt16 = 0               // PT 204
    public var feedback: UInt16 = 0           // PT 205 RTPFB, 206 PSFB
    public var extendedReports: UInt16 = 0    // PT 207
    public var other: UInt16 = 0
    /// Sender info of the first SR.
    public var senderInfo: RTCPSenderInfo?
    /// First report block of the first SR or RR that has one. In SRTCP it is encrypted noise (RFC 3711 §3.4).
    public var firstReportBlock: RTCPReportBlock?
    /// SSRC of the first packet's sender.
    public var firstSSRC: UInt32 = 0
    /// Bytes walked: the whole input when well formed.
    public var length: Int = 0

    public init() {}

    /// Packets counted.
    public var packets: Int {
        Int(senderReports) + Int(receiverReports) + Int(sourceDescriptions) + Int(byes) + Int(apps)
            + Int(feedback) + Int(extendedReports) + Int(other)
    }

    /// Walks a compound RTCP packet by `(Length + 1) * 4` (RFC 3550 §6.4.1). Throws if the
    /// first header is not RTCP (version 2, PT 192-223) or a length runs past the end, with
    /// the offset of the header at fault. Trailing bytes that are not an RTCP header (an
    /// SRTCP trailer) end the walk.
    public static func parse(_ p: UnsafeRawBufferPointer) throws(RTPFailure) -> RTCPCompound {
        let n = p.count
        guard n >= 8 else { throw RTPFailure(.truncatedHeader, at: n) }
        var c = RTCPCompound()
        var off = 0
        while n &- off >= 4 {
            let b0 = p.u8(off), pt = p.u8(off &+ 1)
            guard b0 >> 6 == 2, pt >= 192, pt <= 223 else {
                if off == 0 { throw RTPFailure(b0 >> 6 == 2 ? .notRTCP : .badVersion, at: b0 >> 6 == 2 ? 1 : 0) }
                break   // SRTCP's E-flag/index and auth tag follow the (encrypted) compound
            }
            let size = (Int(p.be16(off &+ 2)) &+ 1) &* 4
            guard size <= n &- off else { throw RTPFailure(.lengthOverrun, at: off &+ 2) }
            let count = Int(b0 & 0x1F)
            if off == 0, size >= 8 { c.firstSSRC = p.be32(4) }
            switch pt {
            case 200:
                c.senderReports &+= 1
                if c.senderInfo == nil, size >= 28 {
                    c.senderInfo = RTCPSenderInfo(ssrc: p.be32(off &+ 4), ntpTimestamp: p.be64(off &+ 8),
                                                  rtpTimestamp: p.be32(off &+ 16), packetCount: p.be32(off &+ 20),
                                                  octetCount: p.be32(off &+ 24))
                }
                if count > 0, size >= 52, c.firstReportBlock == nil { c.firstReportBlock = block(p, off &+ 28) }
            case 201:
                c.receiverReports &+= 1
                if count > 0, size >= 32, c.firstReportBlock == nil { c.firstReportBlock = block(p, off &+ 8) }
            case 202: c.sourceDescriptions &+= 1
            case 203: c.byes &+= 1
            case 204: c.apps &+= 1
            case 205, 206: c.feedback &+= 1
            case 207: c.extendedReports &+= 1
            default: c.other &+= 1
            }
            off &+= size
        }
        c.length = off
        return c
    }

    /// Calls `body` with each report block of each SR and RR of a compound RTCP packet, as far
    /// as the packets' lengths hold them (at most 31 per packet; RFC 3550 §6.4.1-6.4.2).
    static func forEachReportBlock(_ p: UnsafeRawBufferPointer, _ body: (RTCPReportBlock) -> Void) {
        let n = p.count
        var off = 0
        while n &- off >= 4 {
            let b0 = p.u8(off), pt = p.u8(off &+ 1)
            guard b0 >> 6 == 2, pt >= 192, pt <= 223 else { return }
            let size = (Int(p.be16(off &+ 2)) &+ 1) &* 4
            guard size <= n &- off else { return }
            let first = pt == 200 ? 28 : pt == 201 ? 8 : size
            var o = first, k = Int(b0 & 0x1F)
            while k > 0, o &+ 24 <= size {
                body(block(p, off &+ o))
                o &+= 24
                k &-= 1
            }
            off &+= size
        }
    }

    static func block(_ p: UnsafeRawBufferPointer, _ o: Int) -> RTCPReportBlock {
        let lost24 = p.be32(o &+ 4) & 0x00FF_FFFF
        let lost = Int32(bitPattern: lost24 << 8) >> 8
        return RTCPReportBlock(ssrc: p.be32(o), fractionLost: p.u8(o &+ 4), cumulativeLost: lost,
                               extendedHighestSequence: p.be32(o &+ 8), jitter: p.be32(o &+ 12),
                               lastSR: p.be32(o &+ 16), delaySinceLastSR: p.be32(o &+ 20))
    }
}

/// The commonest TCP frame, read in place: Ethernet II, untagged or with one 802.1Q tag, IPv4
/// neither fragmented nor cut short, a TCP header whose data offset lies within the IP
/// length. Where `PacketDecoder.plainSegment` gives one, `PacketDecoder.decode` gives a `.transport` packet
/// with these fields, no anomaly and no tunnel (`PlainSegmentTests`): a one-thread run tracks it
/// without the general decode (`FlowTracker.trackSegment`).
struct PlainSegment {
    var src: UInt32
    var dst: UInt32
    var srcPort: UInt16
    var dstPort: UInt16
    var seq: UInt32
    var flags: UInt8
    var window: UInt16
    /// The IPv4 total length.
    var ipLength: Int32
    /// Where the TCP payload starts in the frame, and its length (all of it captured).
    var payloadOffset: Int32
    var payloadLength: Int32

    /// The fields the flow's TCP state and stream read.
    @inline(__always)
    var header: TCPHeaderFields {
        TCPHeaderFields(srcPort: srcPort, dstPort: dstPort, seq: seq, flags: flags, window: window)
    }
}

/// What a flow's TCP state and byte stream take from a segment's header.
struct TCPHeaderFields {
    var srcPort: UInt16
    var dstPort: UInt16
    var seq: UInt32
    var flags: UInt8
    var window: UInt16
}

extension DecodedPacket {
    /// The TCP header's fields (of a `.transport` TCP packet).
    @inline(__always)
    var tcpHeader: TCPHeaderFields {
        TCPHeaderFields(srcPort: srcPort, dstPort: dstPort, seq: seq, flags: tcpFlags, window: tcpWindow)
    }
}

extension PacketDecoder {
    /// The frame's `PlainSegment`, or nil when it is any other frame (which `decode` handles).
    @inline(__always)
    static func plainSegment(_ bytes: UnsafeRawBufferPointer, linkType: LinkType) -> PlainSegment? {
        if let header = plainIPv4(bytes, linkType: linkType) { return plainSegment(bytes, at: 14, header) }
        // One 802.1Q tag puts the IPv4 header 4 bytes on, where `decode` finds it (after the tag).
        guard linkType == .ethernet, bytes.count >= 38, bytes.be16(12) == 0x8100, bytes.be16(16) == 0x0800,
              let header = plainIPv4(bytes, at: 18) else { return nil }
        return plainSegment(bytes, at: 18, header)
    }

    /// The TCP segment in the IPv4 datagram at `l` that `plainIPv4` accepted (as `header`).
    /// Inlined at each offset, so that an untagged frame's fields are read at constant offsets.
    @inline(__always)
    private static func plainSegment(_ bytes: UnsafeRawBufferPointer, at l: Int, _ header: (ihl: Int, total: Int)) -> PlainSegment? {
        guard bytes.u8(l &+ 9) == IPProtocol.tcp else { return nil }
        let (ihl, total) = header
        let off = l &+ ihl
        // `plainIPv4` keeps the datagram within the captured bytes, so the IP length bounds
        // the TCP header as `decode` bounds it: a header in the frame's padding is none.
        let length = total &- ihl
        guard length >= 20 else { return nil }
        let dataOffset = Int(bytes.u8(off &+ 12) >> 4) &* 4
        guard dataOffset >= 20, dataOffset <= length else { return nil }
        return PlainSegment(src: bytes.be32(l &+ 12), dst: bytes.be32(l &+ 16), srcPort: bytes.be16(off), dstPort: bytes.be16(off &+ 2),
                            seq: bytes.be32(off &+ 4), flags: bytes.u8(off &+ 13),
                            window: bytes.be16(off &+ 14), ipLength: Int32(truncatingIfNeeded: total),
                            payloadOffset: Int32(truncatingIfNeeded: off &+ dataOffset),
                            payloadLength: Int32(truncatingIfNeeded: length &- dataOffset))
    }
}

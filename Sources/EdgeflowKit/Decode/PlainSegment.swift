/// The commonest TCP frame, read in place: Ethernet II without VLAN tags, IPv4 neither
/// fragmented nor cut short, a TCP header whose data offset lies within the IP length. Where
/// `PacketDecoder.plainSegment` gives one, `PacketDecoder.decode` gives a `.transport` packet
/// with these fields, no anomaly and no tunnel (`decoded`): a one-thread run tracks it without
/// the general decode (`FlowTracker.trackSegment`).
struct PlainSegment {
    var src: UInt32
    var dst: UInt32
    var srcPort: UInt16
    var dstPort: UInt16
    var seq: UInt32
    var ack: UInt32
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

    /// The packet as `PacketDecoder.decode` describes it.
    @inline(__always)
    var decoded: DecodedPacket {
        var d = DecodedPacket()
        d.kind = .transport
        d.ipVersion = 4
        d.proto = IPProtocol.tcp
        d.src = IPAddress(ipv4: src)
        d.dst = IPAddress(ipv4: dst)
        d.srcPort = srcPort
        d.dstPort = dstPort
        d.seq = seq
        d.ack = ack
        d.tcpFlags = flags
        d.tcpWindow = window
        d.l3Offset = 14
        d.ipLength = ipLength
        d.payloadOffset = payloadOffset
        d.payloadLength = payloadLength
        return d
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
        guard let header = plainIPv4(bytes, linkType: linkType), bytes.u8(23) == IPProtocol.tcp else { return nil }
        let (ihl, total) = header
        let off = 14 &+ ihl
        // `plainIPv4` keeps the datagram within the captured bytes, so the IP length bounds
        // the TCP header as `decode` bounds it: a header in the frame's padding is none.
        let length = total &- ihl
        guard length >= 20 else { return nil }
        let dataOffset = Int(bytes.u8(off &+ 12) >> 4) &* 4
        guard dataOffset >= 20, dataOffset <= length else { return nil }
        return PlainSegment(src: bytes.be32(26), dst: bytes.be32(30), srcPort: bytes.be16(off), dstPort: bytes.be16(off &+ 2),
                            seq: bytes.be32(off &+ 4), ack: bytes.be32(off &+ 8), flags: bytes.u8(off &+ 13),
                            window: bytes.be16(off &+ 14), ipLength: Int32(truncatingIfNeeded: total),
                            payloadOffset: Int32(truncatingIfNeeded: off &+ dataOffset),
                            payloadLength: Int32(truncatingIfNeeded: length &- dataOffset))
    }
}

/// The commonest frame of all, read in place: Ethernet II without VLAN tags, IPv4 neither
/// fragmented nor cut short, UDP with a valid length and not to the VXLAN port. Where
/// `PacketDecoder.plainDatagram` gives one, `PacketDecoder.decode` gives a `.transport`
/// packet with these fields, no anomaly and no tunnel (`decoded`): a one-thread run tracks
/// it without the general decode (`FlowTracker.trackDatagram`).
struct PlainDatagram {
    var src: UInt32
    var dst: UInt32
    var srcPort: UInt16
    var dstPort: UInt16
    /// The IPv4 total length.
    var ipLength: Int32
    /// Where the UDP payload starts in the frame, and its length on the wire: all of it is in
    /// the frame (the IP total length is captured, and bounds the UDP length).
    var payloadOffset: Int32
    var payloadLength: Int32

    /// The packet as `PacketDecoder.decode` describes it.
    @inline(__always)
    var decoded: DecodedPacket {
        var d = DecodedPacket()
        d.kind = .transport
        d.ipVersion = 4
        d.proto = IPProtocol.udp
        d.src = IPAddress(ipv4: src)
        d.dst = IPAddress(ipv4: dst)
        d.srcPort = srcPort
        d.dstPort = dstPort
        d.l3Offset = 14
        d.ipLength = ipLength
        d.payloadOffset = payloadOffset
        d.payloadLength = payloadLength
        return d
    }
}

extension PacketDecoder {
    /// The frame's `PlainDatagram`, or nil when it is any other frame (which `decode` handles).
    @inline(__always)
    static func plainDatagram(_ bytes: UnsafeRawBufferPointer, linkType: LinkType) -> PlainDatagram? {
        // UDP with its 8-byte header captured, in a plain IPv4 frame.
        guard let header = plainIPv4(bytes, linkType: linkType), bytes.u8(23) == IPProtocol.udp else { return nil }
        let (ihl, total) = header
        let n = bytes.count
        let off = 14 &+ ihl
        guard n &- off >= 8 else { return nil }
        let udpLength = Int(bytes.be16(off &+ 4))
        let dstPort = bytes.be16(off &+ 2)
        // The IP length bounds the datagram: a UDP header in the frame's padding is none.
        let datagram = min(udpLength, total &- ihl)
        guard datagram >= 8, dstPort != 4789 else { return nil }
        return PlainDatagram(src: bytes.be32(26), dst: bytes.be32(30), srcPort: bytes.be16(off), dstPort: dstPort,
                             ipLength: Int32(truncatingIfNeeded: total), payloadOffset: Int32(truncatingIfNeeded: off &+ 8),
                             payloadLength: Int32(truncatingIfNeeded: max(0, datagram &- 8)))
    }
}

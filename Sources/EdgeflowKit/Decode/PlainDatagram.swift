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
    /// A 20-byte IPv4 header (nearly every frame's) is read with its fields at fixed offsets and
    /// two pairs of checks made with one load each; any other header goes through the general
    /// ladder (`plainDatagramAnyHeader`), which gives the same answer for this one too.
    @inline(__always)
    static func plainDatagram(_ bytes: UnsafeRawBufferPointer, linkType: LinkType) -> PlainDatagram? {
        let n = bytes.count
        // Ethernet, 14 + 20 + 8 bytes at least: no UDP header is captured in fewer.
        guard linkType == .ethernet, n >= 42 else { return nil }
        // Bytes 12-14 in one load: the type 0x0800, then version 4 with a 20-byte header (0x45).
        guard bytes.le32(12) & 0x00FF_FFFF == 0x0045_0008 else { return plainDatagramAnyHeader(bytes) }
        let total = Int(bytes.be16(16))
        // Bytes 20-23 in one load: no fragment offset or more-fragments flag, and UDP.
        guard total <= n &- 14, bytes.le32(20) & 0xFF00_FF3F == 0x1100_0000 else { return nil }
        let dstPort = bytes.be16(36)
        // The IP length bounds the datagram; 8 or more also holds the total length above the header.
        let datagram = min(Int(bytes.be16(38)), total &- 20)
        guard datagram >= 8, dstPort != 4789 else { return nil }
        return PlainDatagram(src: bytes.be32(26), dst: bytes.be32(30), srcPort: bytes.be16(34), dstPort: dstPort,
                             ipLength: Int32(truncatingIfNeeded: total), payloadOffset: 42,
                             payloadLength: Int32(truncatingIfNeeded: datagram &- 8))
    }

    /// `plainDatagram` of a frame whose bytes 12-14 are not those of IPv4 with a 20-byte header:
    /// the whole ladder (`plainIPv4`), any header length. Out of line: such frames are rare.
    @inline(never)
    static func plainDatagramAnyHeader(_ bytes: UnsafeRawBufferPointer) -> PlainDatagram? {
        // UDP with its 8-byte header captured, in a plain IPv4 frame.
        guard let header = plainIPv4(bytes, linkType: .ethernet), bytes.u8(23) == IPProtocol.udp else { return nil }
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

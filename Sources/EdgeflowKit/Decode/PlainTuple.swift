/// The 5-tuple of the commonest frame, read without decoding it: Ethernet II, untagged or
/// with one 802.1Q tag (which `decode` steps over), IPv4 neither fragmented nor cut short,
/// UDP (not to the VXLAN port) or TCP, every header and length within the captured bytes. Where `PacketDecoder.plainTuple` gives one,
/// `PacketDecoder.decode` gives a `.transport` packet with these addresses, ports and
/// protocol, no anomaly and no tunnel: a sharded run finds the shard of a packet it does not
/// own from this, without the full decode.
struct PlainTuple {
    var src: UInt32
    var dst: UInt32
    var srcPort: UInt16
    var dstPort: UInt16
    var proto: UInt8
    /// A UDP payload that begins with an upper-case letter, or TCP to or from port 5060: SIP
    /// for the SDP book perhaps (`FlowTracker.noteSIP`), so the packet needs decoding.
    var maybeSIP: Bool
}

extension PacketDecoder {
    /// The frame's `PlainTuple`, or nil when it is any other frame (which `decode` handles).
    @inline(__always)
    static func plainTuple(_ bytes: UnsafeRawBufferPointer, linkType: LinkType) -> PlainTuple? {
        if let header = plainIPv4(bytes, linkType: linkType) { return plainTuple(bytes, at: 14, header) }
        // One 802.1Q tag puts the IPv4 header 4 bytes on (as `plainSegment` reads it).
        guard linkType == .ethernet, bytes.count >= 38, bytes.be16(12) == 0x8100, bytes.be16(16) == 0x0800,
              let header = plainIPv4(bytes, at: 18) else { return nil }
        return plainTuple(bytes, at: 18, header)
    }

    /// The tuple of the IPv4 datagram at `l` that `plainIPv4` accepted (as `header`).
    @inline(__always)
    private static func plainTuple(_ bytes: UnsafeRawBufferPointer, at l: Int, _ header: (ihl: Int, total: Int)) -> PlainTuple? {
        let (ihl, total) = header
        let n = bytes.count
        let proto = bytes.u8(l &+ 9)
        let off = l &+ ihl
        let length = total &- ihl
        let avail = n &- off
        let srcPort: UInt16, dstPort: UInt16, maybeSIP: Bool
        if proto == IPProtocol.udp {
            guard avail >= 8, bytes.be16(off &+ 4) >= 8 else { return nil }
            srcPort = bytes.be16(off)
            dstPort = bytes.be16(off &+ 2)
            guard dstPort != 4789 else { return nil }
            maybeSIP = avail > 8 && length > 8 && bytes.u8(off &+ 8) &- 0x41 < 26
        } else if proto == IPProtocol.tcp {
            guard avail >= 20 else { return nil }
            let dataOffset = Int(bytes.u8(off &+ 12) >> 4) &* 4
            guard dataOffset >= 20, dataOffset <= length else { return nil }
            srcPort = bytes.be16(off)
            dstPort = bytes.be16(off &+ 2)
            maybeSIP = srcPort == 5060 || dstPort == 5060
        } else {
            return nil
        }
        return PlainTuple(src: bytes.be32(l &+ 12), dst: bytes.be32(l &+ 16), srcPort: srcPort, dstPort: dstPort, proto: proto,
                          maybeSIP: maybeSIP)
    }

    /// The IPv4 header of an Ethernet II frame without VLAN tags, as the plain frames
    /// (`PlainTuple`, `PlainDatagram`) need it: its length and the datagram's total length.
    /// Version 4; a header of 20 bytes or more; a total length (not 0, as offloading leaves it)
    /// that holds the header and lies within the captured bytes; no fragment offset, no
    /// more-fragments flag. Nil for any other frame.
    @inline(__always)
    static func plainIPv4(_ bytes: UnsafeRawBufferPointer, linkType: LinkType) -> (ihl: Int, total: Int)? {
        guard linkType == .ethernet, bytes.count >= 34, bytes.be16(12) == 0x0800 else { return nil }
        return plainIPv4(bytes, at: 14)
    }

    /// `plainIPv4`'s tests of an IPv4 header at `l` (after `l` bytes of link header; the
    /// caller has `l + 20` bytes captured): its length and the datagram's total length.
    @inline(__always)
    static func plainIPv4(_ bytes: UnsafeRawBufferPointer, at l: Int) -> (ihl: Int, total: Int)? {
        let vihl = bytes.u8(l)
        let ihl = Int(vihl & 0x0F) &* 4
        let total = Int(bytes.be16(l &+ 2))
        guard vihl >> 4 == 4, ihl >= 20, total >= ihl, total <= bytes.count &- l, bytes.be16(l &+ 6) & 0x3FFF == 0 else { return nil }
        return (ihl, total)
    }
}

/// Decodes link, network and transport headers in place. One length check per header,
/// then unchecked loads; nothing is allocated or copied.
public enum PacketDecoder {
    /// Most VLAN tags accepted in one frame (802.1Q/802.1ad stacks deeper than this are counted as errors).
    public static let maximumVLANTags = 8
    /// Most IPv6 extension headers walked before giving up.
    public static let maximumExtensionHeaders = 8
    /// Most tunnels (GRE, ERSPAN, VXLAN) opened in one packet; a deeper one stays the outer flow, counted.
    public static let maximumTunnelDepth = 3

    /// Decodes one frame of the given link type.
    /// - Parameters:
    ///   - bytes: the captured bytes.
    ///   - originalLength: the frame's length on the wire, to tell snaplen cuts from bad lengths.
    @inline(__always)
    public static func decode(_ bytes: UnsafeRawBufferPointer, originalLength: Int, linkType: LinkType) -> DecodedPacket {
        var d = DecodedPacket()
        decode(bytes, originalLength: originalLength, linkType: linkType, into: &d)
        return d
    }

    /// Decodes one frame into `d`, which must be fresh (`DecodedPacket()`): each level fills
    /// in its fields in place, nothing is copied from level to level.
    @inline(__always)
    public static func decode(_ bytes: UnsafeRawBufferPointer, originalLength: Int, linkType: LinkType, into d: inout DecodedPacket) {
        let (at, version) = network(bytes, linkType: linkType, &d)
        if version == 4 {
            ipv4(bytes, at: at, originalLength: originalLength, &d)
        } else if version == 6 {
            ipv6(bytes, at: at, originalLength: originalLength, &d)
        }
        // The one test all traffic pays for tunnels: GRE, or UDP to the VXLAN port.
        if d.proto == IPProtocol.gre || d.dstPort == 4789 && d.proto == IPProtocol.udp { decapsulate(bytes, &d) }
    }

    /// Where the network header starts and its IP version (4 or 6) after the link layer; version
    /// 0 when the frame is not IP or its link layer is bad (`d` then says which).
    @inline(__always)
    private static func network(_ bytes: UnsafeRawBufferPointer, linkType: LinkType, _ d: inout DecodedPacket) -> (at: Int, version: UInt8) {
        let n = bytes.count
        if linkType == .ethernet {
            guard n >= 14 else { fail(&d, .linkTruncated); return (0, 0) }
            let type = bytes.be16(12)
            if type == 0x0800 { return (14, 4) }
            return etherType(bytes, type, at: 14, &d)
        }
        switch linkType {
        case .linuxSLL:
            guard n >= 16 else { fail(&d, .linkTruncated); return (0, 0) }
            return etherType(bytes, bytes.be16(14), at: 16, &d)
        case .linuxSLL2:
            guard n >= 20 else { fail(&d, .linkTruncated); return (0, 0) }
            return etherType(bytes, bytes.be16(0), at: 20, &d)
        case .raw, .rawDLT12, .rawDLT14:
            guard n >= 1 else { fail(&d, .linkTruncated); return (0, 0) }
            switch bytes.u8(0) >> 4 {
            case 4: return (0, 4)
            case 6: return (0, 6)
            default: fail(&d, .ipv4BadVersion); return (0, 0)
            }
        case .ipv4:
            return (0, 4)
        case .ipv6:
            return (0, 6)
        case .null, .loop:
            guard n >= 4 else { fail(&d, .linkTruncated); return (0, 0) }
            // NULL stores the family in the capturing host's byte order, LOOP in network order.
            var family = linkType == .loop ? bytes.be32(0) : bytes.le32(0)
            if family > 0xFFFF { family = family.byteSwapped }
            switch family {
            case 2: return (4, 4)
            case 10, 24, 28, 30: return (4, 6)
            default: fail(&d, .nullUnknownFamily); return (0, 0)
            }
        default:
            fail(&d, .unsupportedLinkType)
            return (0, 0)
        }
    }

    @inline(__always)
    private static func fail(_ d: inout DecodedPacket, _ e: DecodeError) {
        d.kind = .error
        d.error = e
    }

    /// The network layer after an Ethernet type field (VLAN tags skipped), as `network` gives it.
    private static func etherType(_ bytes: UnsafeRawBufferPointer, _ type: UInt16, at start: Int,
                                  _ d: inout DecodedPacket) -> (at: Int, version: UInt8) {
        var type = type, off = start, tags = 0
        while type == 0x8100 || type == 0x88A8 || type == 0x9100 {
            tags &+= 1
            guard tags <= maximumVLANTags else { fail(&d, .vlanTooDeep); return (0, 0) }
            guard bytes.count &- off >= 4 else { fail(&d, .linkTruncated); return (0, 0) }
            type = bytes.be16(off &+ 2)
            off &+= 4
        }
        switch type {
        case 0x0800: return (off, 4)
        case 0x86DD: return (off, 6)
        default:
            d.kind = .nonIP
            return (0, 0)
        }
    }

    @inline(__always)
    private static func ipv4(_ bytes: UnsafeRawBufferPointer, at off: Int, originalLength: Int,
                             _ d: inout DecodedPacket) {
        let avail = bytes.count &- off
        guard avail >= 20 else { return fail(&d, .ipv4Truncated) }
        let vihl = bytes.u8(off)
        guard vihl >> 4 == 4 else { return fail(&d, .ipv4BadVersion) }
        let ihl = Int(vihl & 0x0F) &* 4
        guard ihl >= 20 else { return fail(&d, .ipv4BadHeaderLength) }
        guard avail >= ihl else { return fail(&d, .ipv4Truncated) }
        let onWire = max(originalLength &- off, avail)
        var total = Int(bytes.be16(off &+ 2))
        if total == 0 { total = onWire }  // segmentation offload: the NIC fills it in later
        guard total >= ihl else { return fail(&d, .ipv4BadTotalLength) }
        if total > onWire {
            // Longer than the frame: noted as an anomaly, decoded with what is there (as tshark does).
            d.anomaly = .ipv4BadTotalLength
            total = onWire
        }
        d.ipVersion = 4
        d.l3Offset = Int32(truncatingIfNeeded: off)
        d.ipLength = Int32(truncatingIfNeeded: total)
        d.proto = bytes.u8(off &+ 9)
        d.src = IPAddress(ipv4: bytes.be32(off &+ 12))
        d.dst = IPAddress(ipv4: bytes.be32(off &+ 16))
        let frag = bytes.be16(off &+ 6)
        if frag & 0x1FFF != 0 {
            d.kind = .fragmentTail
            return
        }
        d.isFragment = frag & 0x2000 != 0
        transport(bytes, at: off &+ ihl, length: total &- ihl, &d)
    }

    private static func ipv6(_ bytes: UnsafeRawBufferPointer, at off: Int, originalLength: Int,
                             _ d: inout DecodedPacket) {
        let avail = bytes.count &- off
        guard avail >= 40 else { return fail(&d, .ipv6Truncated) }
        guard bytes.u8(off) >> 4 == 6 else { return fail(&d, .ipv6BadVersion) }
        let onWire = max(originalLength &- off, avail)
        let payloadLength = Int(bytes.be16(off &+ 4))
        var total = payloadLength == 0 ? onWire : 40 &+ payloadLength
        if total > onWire {
            d.anomaly = .ipv6BadPayloadLength
            total = onWire
        }
        d.ipVersion = 6
        d.l3Offset = Int32(truncatingIfNeeded: off)
        d.ipLength = Int32(truncatingIfNeeded: total)
        d.src = IPAddress(hi: bytes.be64(off &+ 8), lo: bytes.be64(off &+ 16))
        d.dst = IPAddress(hi: bytes.be64(off &+ 24), lo: bytes.be64(off &+ 32))
        var next = bytes.u8(off &+ 6)
        var cur = off &+ 40
        let end = off &+ total
        var walked = 0
        while true {
            switch next {
            case IPProtocol.hopByHop, IPProtocol.routing, IPProtocol.destinationOptions, IPProtocol.mobility,
                 IPProtocol.hostIdentity, IPProtocol.shim6, IPProtocol.authentication:
                walked &+= 1
                guard walked <= maximumExtensionHeaders else { return fail(&d, .ipv6TooManyExtensionHeaders) }
                guard bytes.count &- cur >= 2 else { return fail(&d, .ipv6Truncated) }
                let len = next == IPProtocol.authentication ? (Int(bytes.u8(cur &+ 1)) &+ 2) &* 4 : (Int(bytes.u8(cur &+ 1)) &+ 1) &* 8
                guard end &- cur >= len else { return fail(&d, .ipv6BadExtensionHeader) }
                next = bytes.u8(cur)
                cur &+= len
            case IPProtocol.fragment:
                walked &+= 1
                guard walked <= maximumExtensionHeaders else { return fail(&d, .ipv6TooManyExtensionHeaders) }
                guard bytes.count &- cur >= 8 else { return fail(&d, .ipv6Truncated) }
                guard end &- cur >= 8 else { return fail(&d, .ipv6BadExtensionHeader) }
                let fo = bytes.be16(cur &+ 2)
                d.proto = bytes.u8(cur)
                if fo >> 3 != 0 {
                    d.kind = .fragmentTail
                    return
                }
                d.isFragment = fo & 1 != 0
                next = bytes.u8(cur)
                cur &+= 8
            default:
                d.proto = next
                return transport(bytes, at: cur, length: end &- cur, &d)
            }
        }
    }

    @inline(__always)
    private static func transport(_ bytes: UnsafeRawBufferPointer, at off: Int, length: Int,
                                  _ d: inout DecodedPacket) {
        // A header the IP length leaves out (read from the frame's padding) is not there.
        let avail = min(bytes.count &- off, length)
        switch d.proto {
        case IPProtocol.tcp:
            guard avail >= 20 else { return fail(&d, .tcpTruncated) }
            let dataOffset = Int(bytes.u8(off &+ 12) >> 4) &* 4
            guard dataOffset >= 20, dataOffset <= length || d.isFragment else { return fail(&d, .tcpBadDataOffset) }
            d.srcPort = bytes.be16(off)
            d.dstPort = bytes.be16(off &+ 2)
            d.seq = bytes.be32(off &+ 4)
            d.ack = bytes.be32(off &+ 8)
            d.tcpFlags = bytes.u8(off &+ 13)
            d.tcpWindow = bytes.be16(off &+ 14)
            d.payloadOffset = Int32(truncatingIfNeeded: off &+ dataOffset)
            d.payloadLength = Int32(truncatingIfNeeded: max(0, length &- dataOffset))
        case IPProtocol.udp:
            guard avail >= 8 else { return fail(&d, .udpTruncated) }
            let udpLength = Int(bytes.be16(off &+ 4))
            guard udpLength >= 8 || (udpLength == 0 && d.ipVersion == 6) else { return fail(&d, .udpBadLength) }
            d.srcPort = bytes.be16(off)
            d.dstPort = bytes.be16(off &+ 2)
            d.payloadOffset = Int32(truncatingIfNeeded: off &+ 8)
            let datagram = udpLength == 0 || d.isFragment ? length : min(udpLength, length)
            d.payloadLength = Int32(truncatingIfNeeded: max(0, datagram &- 8))
        case IPProtocol.icmp, IPProtocol.icmpv6:
            guard avail >= 2 else { return fail(&d, .icmpTruncated) }
            d.srcPort = UInt16(bytes.u8(off))
            d.dstPort = UInt16(bytes.u8(off &+ 1))
            d.payloadOffset = Int32(truncatingIfNeeded: off)
            d.payloadLength = Int32(truncatingIfNeeded: length)
        default:
            d.payloadOffset = Int32(truncatingIfNeeded: off)
            d.payloadLength = Int32(truncatingIfNeeded: length)
        }
        d.kind = .transport
    }

    /// Opens GRE, ERSPAN and VXLAN tunnels (one inside another too, up to
    /// `maximumTunnelDepth`): the result describes the innermost packet. A tunnel header that
    /// is short or not one to open leaves the packet as its outer flow, with any anomaly counted.
    @inline(never)
    private static func decapsulate(_ bytes: UnsafeRawBufferPointer, _ d: inout DecodedPacket) {
        while d.kind == .transport, !d.isFragment, d.proto == IPProtocol.gre || d.dstPort == 4789 && d.proto == IPProtocol.udp {
            let start = Int(d.payloadOffset), end = start &+ Int(d.payloadLength)
            guard var next = d.proto == IPProtocol.gre ? gre(bytes, at: start, end: end, &d) : vxlan(bytes, at: start, end: end, &d) else { return }
            // An inner packet that does not decode leaves the outer flow, its error counted.
            if next.kind == .error {
                d.anomaly = next.error
                return
            }
            if next.anomaly == nil { next.anomaly = d.anomaly }
            d = next
        }
    }

    /// The frame's bytes up to `end` (where an outer header's payload ends), cut to what was
    /// captured: the inner packet is decoded within them, at the frame's own offsets.
    @inline(__always)
    private static func inner(_ bytes: UnsafeRawBufferPointer, end: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[0..<min(max(end, 0), bytes.count)])
    }

    /// The packet inside one more tunnel, to be decoded; nil (with the anomaly on `outer`)
    /// when there are too many.
    @inline(__always)
    private static func enter(_ tunnel: Tunnel, _ outer: inout DecodedPacket) -> DecodedPacket? {
        guard outer.tunnelDepth < maximumTunnelDepth else {
            outer.anomaly = .tunnelTooDeep
            return nil
        }
        var d = DecodedPacket()
        d.tunnel = outer.tunnelDepth == 0 ? tunnel : outer.tunnel
        d.tunnelDepth = outer.tunnelDepth &+ 1
        return d
    }

    /// GRE (RFC 2784, keys and sequence numbers of RFC 2890) carrying IPv4, IPv6, Ethernet
    /// (transparent bridging 0x6558) or ERSPAN (0x88BE types I and II, 0x22EB type III), at
    /// `off..<end` of the frame: the inner packet decoded, or nil when `d`, the GRE packet,
    /// stays a GRE flow (PPTP's version 1, PPP, MPLS, RFC 1701 routing, short headers).
    private static func gre(_ bytes: UnsafeRawBufferPointer, at off: Int, end: Int,
                            _ d: inout DecodedPacket) -> DecodedPacket? {
        let b = inner(bytes, end: end)
        guard b.count &- off >= 4 else { d.anomaly = .greTruncated; return nil }
        let flags = bytes.u8(off), version = bytes.u8(off &+ 1) & 0x07
        guard version == 0, flags & 0x40 == 0 else { return nil }
        let hasSequence = flags & 0x10 != 0
        let header = 4 &+ (flags & 0x80 != 0 ? 4 : 0) &+ (flags & 0x20 != 0 ? 4 : 0) &+ (hasSequence ? 4 : 0)
        guard b.count &- off >= header else { d.anomaly = .greTruncated; return nil }
        let type = bytes.be16(off &+ 2)
        var cur = off &+ header
        let tunnel: Tunnel
        switch type {
        case 0x0800, 0x86DD, 0x6558: tunnel = .gre
        case 0x88BE:
            // Type II has an 8-byte header and GRE sequence numbers; type I has neither.
            tunnel = .erspan
            if hasSequence {
                guard b.count &- cur >= 8 else { d.anomaly = .erspanTruncated; return nil }
                cur &+= 8
            }
        case 0x22EB:
            // Type III: a 12-byte header, then an 8-byte platform sub-header when its O bit is set.
            tunnel = .erspan
            guard b.count &- cur >= 12 else { d.anomaly = .erspanTruncated; return nil }
            guard (bytes.u8(cur &+ 10) >> 2) & 0x1F == 0 else { return nil }  // frame type 0: Ethernet
            cur &+= bytes.u8(cur &+ 11) & 0x01 != 0 ? 20 : 12
        default: return nil
        }
        guard var e = enter(tunnel, &d) else { return nil }
        switch type {
        case 0x0800: ipv4(b, at: cur, originalLength: end, &e)
        case 0x86DD: ipv6(b, at: cur, originalLength: end, &e)
        default: ethernet(b, at: cur, end: end, &e)
        }
        return e
    }

    /// VXLAN (RFC 7348) at `off..<end`, the payload of `d`, a UDP datagram to 4789: an 8-byte
    /// header whose I flag marks a valid VNI, then an Ethernet frame. Nil (counted) when the
    /// datagram is too short for it or the flag is missing: it stays a UDP flow.
    private static func vxlan(_ bytes: UnsafeRawBufferPointer, at off: Int, end: Int,
                              _ d: inout DecodedPacket) -> DecodedPacket? {
        let b = inner(bytes, end: end)
        guard b.count &- off >= 8 else { d.anomaly = .vxlanTruncated; return nil }
        guard bytes.u8(off) & 0x08 != 0 else { d.anomaly = .vxlanBadFlags; return nil }
        guard var e = enter(.vxlan, &d) else { return nil }
        ethernet(b, at: off &+ 8, end: end, &e)
        return e
    }

    /// An Ethernet frame inside a tunnel (without FCS).
    private static func ethernet(_ b: UnsafeRawBufferPointer, at off: Int, end: Int, _ d: inout DecodedPacket) {
        guard b.count &- off >= 14 else { return fail(&d, .linkTruncated) }
        let (at, version) = etherType(b, b.be16(off &+ 12), at: off &+ 14, &d)
        if version == 4 {
            ipv4(b, at: at, originalLength: end, &d)
        } else if version == 6 {
            ipv6(b, at: at, originalLength: end, &d)
        }
    }
}

/// ICMP and ICMPv6 errors (RFC 792, RFC 4443), which quote the start of the packet they
/// answer: its IP header and at least the 8 bytes after it (the ports).
public enum ICMPError {
    /// Whether `type` of ICMP (`proto` 1) or ICMPv6 (58) is an error that quotes a packet:
    /// destination unreachable, time exceeded, parameter problem, ICMPv6 packet too big.
    @inline(__always)
    static func isError(proto: UInt8, type: UInt16) -> Bool {
        proto == 1 ? type == 3 || type == 11 || type == 12 : type >= 1 && type <= 4
    }

    /// A destination unreachable other than "fragmentation needed": the packet was refused.
    static func isRejection(proto: UInt8, type: UInt8, code: UInt8) -> Bool {
        proto == 1 ? type == 3 && code != 4 : type == 1
    }

    /// The quoted packet's headers (kind `.transport`: addresses, protocol and ports, as its
    /// sender sent them), or nil when the quote is short, not TCP or UDP, or a later fragment.
    /// IPv6 extension headers in the quote are not walked.
    static func quoted(in bytes: UnsafeRawBufferPointer, _ d: DecodedPacket) -> DecodedPacket? {
        let off = Int(d.payloadOffset) &+ 8
        let end = min(bytes.count, Int(d.payloadOffset) &+ Int(d.payloadLength))
        var q = DecodedPacket()
        let transport: Int
        if d.proto == 1 {
            guard end &- off >= 20, bytes.u8(off) >> 4 == 4 else { return nil }
            let ihl = Int(bytes.u8(off) & 0x0F) &* 4
            guard ihl >= 20, end &- off >= ihl &+ 4, bytes.be16(off &+ 6) & 0x1FFF == 0 else { return nil }
            q.ipVersion = 4
            q.proto = bytes.u8(off &+ 9)
            q.src = IPAddress(ipv4: bytes.be32(off &+ 12))
            q.dst = IPAddress(ipv4: bytes.be32(off &+ 16))
            transport = off &+ ihl
        } else {
            guard end &- off >= 44, bytes.u8(off) >> 4 == 6 else { return nil }
            q.ipVersion = 6
            q.proto = bytes.u8(off &+ 6)
            q.src = IPAddress(hi: bytes.be64(off &+ 8), lo: bytes.be64(off &+ 16))
            q.dst = IPAddress(hi: bytes.be64(off &+ 24), lo: bytes.be64(off &+ 32))
            transport = off &+ 40
        }
        guard q.proto == 6 || q.proto == 17 else { return nil }
        q.srcPort = bytes.be16(transport)
        q.dstPort = bytes.be16(transport &+ 2)
        q.kind = .transport
        return q
    }

    /// Words for an error's type and code, as tshark names them.
    public static func describe(proto: UInt8, type: UInt8, code: UInt8) -> String {
        if proto == 1 {
            switch (type, code) {
            case (3, 0): return "network unreachable"
            case (3, 1): return "host unreachable"
            case (3, 2): return "protocol unreachable"
            case (3, 3): return "port unreachable"
            case (3, 4): return "fragmentation needed"
            case (3, 9), (3, 10), (3, 13): return "administratively prohibited"
            case (3, _): return "destination unreachable (code \(code))"
            case (11, _): return "time exceeded"
            case (12, _): return "parameter problem"
            default: return "type \(type) code \(code)"
            }
        }
        switch (type, code) {
        case (1, 0): return "no route to destination"
        case (1, 1): return "administratively prohibited"
        case (1, 3): return "address unreachable"
        case (1, 4): return "port unreachable"
        case (1, 5): return "source address failed ingress/egress policy"
        case (1, 6): return "reject route to destination"
        case (1, _): return "destination unreachable (code \(code))"
        case (2, _): return "packet too big"
        case (3, _): return "time exceeded"
        case (4, _): return "parameter problem"
        default: return "type \(type) code \(code)"
        }
    }
}

/// Why `ICMPError.quoted` found no transport flow in an error's quote.
public enum ICMPQuoteFailureReason: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// Fewer bytes than the quoted IP header and the 4 port bytes (20 for IPv4, 44 for IPv6).
    case truncated
    /// The quote's IP version is not the error's (4 under ICMP, 6 under ICMPv6).
    case badVersion
    /// An IPv4 IHL below 5 words.
    case badHeaderLength
    /// The quote is a later IPv4 fragment: no transport header in it.
    case fragment
    /// The quoted packet is neither TCP nor UDP (its flow key would have no ports).
    case notTCPOrUDP
}

/// A quote that names no flow: the reason and the offset in the packet's bytes.
public typealias ICMPQuoteFailure = DecodeFailure<ICMPQuoteFailureReason>

/// ICMP and ICMPv6 errors (RFC 792, RFC 4443), which quote the start of the packet they
/// answer: its IP header and at least the 8 bytes after it (the ports).
public enum ICMPError {
    /// ICMP message types (RFC 792).
    enum V4 {
        static let destinationUnreachable: UInt8 = 3
        static let timeExceeded: UInt8 = 11
        static let parameterProblem: UInt8 = 12
        /// Destination unreachable code 4: fragmentation needed and DF set (RFC 1191).
        static let fragmentationNeeded: UInt8 = 4
    }

    /// ICMPv6 error types (RFC 4443 §3).
    enum V6 {
        static let destinationUnreachable: UInt8 = 1
        static let packetTooBig: UInt8 = 2
        static let timeExceeded: UInt8 = 3
        static let parameterProblem: UInt8 = 4
    }

    /// Whether `type` of ICMP or ICMPv6 (`proto`) is an error that quotes a packet:
    /// destination unreachable, time exceeded, parameter problem, ICMPv6 packet too big.
    @inline(__always)
    static func isError(proto: UInt8, type: UInt16) -> Bool {
        proto == IPProtocol.icmp
            ? type == UInt16(V4.destinationUnreachable) || type == UInt16(V4.timeExceeded) || type == UInt16(V4.parameterProblem)
            : type >= UInt16(V6.destinationUnreachable) && type <= UInt16(V6.parameterProblem)
    }

    /// A destination unreachable other than "fragmentation needed": the packet was refused.
    static func isRejection(proto: UInt8, type: UInt8, code: UInt8) -> Bool {
        proto == IPProtocol.icmp
            ? type == V4.destinationUnreachable && code != V4.fragmentationNeeded
            : type == V6.destinationUnreachable
    }

    /// The quoted packet's headers (kind `.transport`: addresses, protocol and ports, as its
    /// sender sent them). Throws when the quote is short, not TCP or UDP, or a later
    /// fragment, with the offset in `bytes` of the field at fault. IPv6 extension headers in
    /// the quote are not walked.
    static func quoted(in bytes: UnsafeRawBufferPointer, _ d: DecodedPacket) throws(ICMPQuoteFailure) -> DecodedPacket {
        let off = Int(d.payloadOffset) &+ 8
        let end = min(bytes.count, Int(d.payloadOffset) &+ Int(d.payloadLength))
        var q = DecodedPacket()
        let transport: Int
        if d.proto == IPProtocol.icmp {
            guard end &- off >= 20 else { throw ICMPQuoteFailure(.truncated, at: max(end, off)) }
            guard bytes.u8(off) >> 4 == 4 else { throw ICMPQuoteFailure(.badVersion, at: off) }
            let ihl = Int(bytes.u8(off) & 0x0F) &* 4
            guard ihl >= 20 else { throw ICMPQuoteFailure(.badHeaderLength, at: off) }
            guard end &- off >= ihl &+ 4 else { throw ICMPQuoteFailure(.truncated, at: end) }
            guard bytes.be16(off &+ 6) & 0x1FFF == 0 else { throw ICMPQuoteFailure(.fragment, at: off &+ 6) }
            q.ipVersion = 4
            q.proto = bytes.u8(off &+ 9)
            q.src = IPAddress(ipv4: bytes.be32(off &+ 12))
            q.dst = IPAddress(ipv4: bytes.be32(off &+ 16))
            transport = off &+ ihl
        } else {
            guard end &- off >= 44 else { throw ICMPQuoteFailure(.truncated, at: max(end, off)) }
            guard bytes.u8(off) >> 4 == 6 else { throw ICMPQuoteFailure(.badVersion, at: off) }
            q.ipVersion = 6
            q.proto = bytes.u8(off &+ 6)
            q.src = IPAddress(hi: bytes.be64(off &+ 8), lo: bytes.be64(off &+ 16))
            q.dst = IPAddress(hi: bytes.be64(off &+ 24), lo: bytes.be64(off &+ 32))
            transport = off &+ 40
        }
        guard q.proto == IPProtocol.tcp || q.proto == IPProtocol.udp else {
            throw ICMPQuoteFailure(.notTCPOrUDP, at: q.ipVersion == 4 ? off &+ 9 : off &+ 6)
        }
        q.srcPort = bytes.be16(transport)
        q.dstPort = bytes.be16(transport &+ 2)
        q.kind = .transport
        return q
    }
}

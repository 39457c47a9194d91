/// Application protocols edgeflow names in a flow's `service`.
public enum Service: UInt8, CaseIterable, Sendable, BitwiseCopyable {
    case unknown = 0, sipTLS, tls, turnTCP, stun, dtls, sip, dns, rtp, rtcp

    public var name: String {
        switch self {
        case .unknown: "unknown"
        case .sipTLS: "sip-tls"
        case .tls: "tls"
        case .turnTCP: "turn-tcp"
        case .stun: "stun"
        case .dtls: "dtls"
        case .sip: "sip"
        case .dns: "dns"
        case .rtp: "rtp"
        case .rtcp: "rtcp"
        }
    }
}

/// A set of services as a bit mask.
public struct ServiceSet: Sendable, BitwiseCopyable, Equatable {
    public var bits: UInt16 = 0
    public init() {}
    @inline(__always) public mutating func insert(_ s: Service) { bits |= 1 << UInt16(s.rawValue) }
    @inline(__always) public func contains(_ s: Service) -> Bool { bits & (1 << UInt16(s.rawValue)) != 0 }
    public var isEmpty: Bool { bits & ~1 == 0 }

    /// The flow's main service: media over its signalling on UDP, the session protocol on TCP.
    public var main: Service {
        for s in [Service.sipTLS, .turnTCP, .tls, .rtp, .stun, .dtls, .sip, .dns, .rtcp] where contains(s) { return s }
        return .unknown
    }

    /// Members, in the order of `Service.allCases`, without `unknown`.
    public var members: [Service] { Service.allCases.filter { $0 != .unknown && contains($0) } }
}

/// Recognises a service from the first bytes of a payload (RFC 7983 first-byte demux for
/// UDP, record and message openings for TCP). Cheap: a handful of byte compares.
public enum ServiceHint {
    /// STUN magic cookie (RFC 5389 §6).
    static let magicCookie: UInt32 = 0x2112_A442

    public static func udp(_ p: UnsafeRawBufferPointer, srcPort: UInt16, dstPort: UInt16) -> Service {
        let n = p.count
        if srcPort == 53 || dstPort == 53 || srcPort == 5353 || dstPort == 5353 { return n >= 12 ? .dns : .unknown }
        guard n >= 4 else { return .unknown }
        let b0 = p.u8(0)
        switch b0 {
        case 0...3:
            if n >= 20, p.be32(4) == magicCookie, p.be16(2) & 3 == 0 { return .stun }
            // RFC 3489 messages have no cookie: accept them on the STUN ports only.
            if n >= 20, isSTUNPort(srcPort) || isSTUNPort(dstPort), Int(p.be16(2)) + 20 == n { return .stun }
        case 20...63:
            if n >= 13, p.u8(1) == 0xFE { return .dtls }
        case 64...79:
            if isSTUNPort(srcPort) || isSTUNPort(dstPort) { return .stun }
        case 128...191:
            // RTP runs between dynamic ports; below 1024 the byte is some other protocol's (NBNS, NTP, ...).
            guard n >= 8, srcPort >= 1024, dstPort >= 1024 else { return .unknown }
            let b1 = p.u8(1)
            if (200...204).contains(b1) { return .rtcp }
            if n >= 12, !(72...76).contains(b1 & 0x7F) { return .rtp }
        default:
            break
        }
        return isSIPText(p) ? .sip : .unknown
    }

    public static func tcp(_ p: UnsafeRawBufferPointer, srcPort: UInt16, dstPort: UInt16) -> Service {
        let n = p.count
        guard n >= 4 else { return .unknown }
        let b0 = p.u8(0)
        // MS-TURN pseudo-TLS (MS-TURN §2.1.1): a bare 45-byte ClientHello offering only 0x0018.
        if b0 == 0x16, n >= 50, p.be16(3) == 0x2D, p.u8(5) == 1, p.be16(44) == 2, p.be16(46) == 0x0018 { return .turnTCP }
        if b0 >= 20 && b0 <= 23, p.u8(1) == 3, p.u8(2) <= 4 {
            return srcPort == 5061 || dstPort == 5061 ? .sipTLS : .tls
        }
        // MS-TURN TCP framing (0x02 control / 0x03 data, reserved 0) around a STUN message.
        if (b0 == 2 || b0 == 3), p.u8(1) == 0, n >= 28, p.be32(8) == magicCookie { return .turnTCP }
        if b0 <= 3, n >= 20, p.be32(4) == magicCookie { return .stun }
        // RFC 4571 framing: 2-byte length, then STUN.
        if n >= 22, p.u8(2) <= 3, p.be32(6) == magicCookie { return .stun }
        if srcPort == 53 || dstPort == 53 { return .dns }
        return isSIPText(p) ? .sip : .unknown
    }

    @inline(__always)
    static func isSTUNPort(_ p: UInt16) -> Bool { p == 3478 || p == 3479 || p == 3480 || p == 3481 }

    /// A SIP request line ("METHOD sip:" / "METHOD sips:") or status line ("SIP/2.0 ").
    static func isSIPText(_ p: UnsafeRawBufferPointer) -> Bool {
        let n = min(p.count, 24)
        guard n >= 8 else { return false }
        if p.be32(0) == 0x5349_502F, p.be32(4) == 0x322E_3020 { return true }  // "SIP/" "2.0 "
        var i = 0
        while i < n, p.u8(i) >= 0x41, p.u8(i) <= 0x5A { i += 1 }
        guard i >= 3, i + 5 <= p.count, p.u8(i) == 0x20 else { return false }
        return p.u8(i + 1) | 0x20 == 0x73 && p.u8(i + 2) | 0x20 == 0x69 && p.u8(i + 3) | 0x20 == 0x70
    }
}

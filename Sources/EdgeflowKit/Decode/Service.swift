/// Application protocols edgeflow names in a flow's `service`.
public enum Service: UInt8, CaseIterable, Sendable, BitwiseCopyable {
    case unknown = 0, sipTLS, tls, turnTCP, stun, dtls, sip, dns, rtp, rtcp

    public var name: String { staticName.description }

    /// `name` as static text, for writers that copy bytes without making a `String`.
    public var staticName: StaticString {
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
    /// Each member tested by its bit in that order (a loop over an array of the order took
    /// about 40 instructions a flow object).
    public var main: Service {
        if contains(.sipTLS) { return .sipTLS }
        if contains(.turnTCP) { return .turnTCP }
        if contains(.tls) { return .tls }
        if contains(.rtp) { return .rtp }
        if contains(.stun) { return .stun }
        if contains(.dtls) { return .dtls }
        if contains(.sip) { return .sip }
        if contains(.dns) { return .dns }
        return contains(.rtcp) ? .rtcp : .unknown
    }

    /// Members, in the order of `Service.allCases`, without `unknown`.
    public var members: [Service] {
        var m: [Service] = []
        forEach { m.append($0) }
        return m
    }

    /// Calls `body` with each member, in the order of `members`, without making an array: its
    /// bits, lowest first (`allCases` is in raw-value order), not a test of every case (a flow
    /// object's `services` visited all ten, about 120 instructions).
    public func forEach(_ body: (Service) -> Void) {
        var left = bits & ~1
        while left != 0 {
            let raw = UInt8(truncatingIfNeeded: left.trailingZeroBitCount)
            left &= left &- 1
            if let s = Service(rawValue: raw) { body(s) }
        }
    }
}

/// Recognises a service from the first bytes of a payload (RFC 7983 first-byte demux for
/// UDP, record and message openings for TCP). Cheap: a handful of byte compares.
public enum ServiceHint {
    /// The service of a UDP payload, from its RFC 7983 first-byte class (`UDPDemux.classify`,
    /// computed once per packet by the caller) and the ports: cookie-less STUN and TURN
    /// ChannelData only on STUN ports, RTP/RTCP only between dynamic ports that are not
    /// `notMedia` ones.
    public static func udp(_ p: UnsafeRawBufferPointer, kind: UDPPayloadKind, srcPort: UInt16, dstPort: UInt16) -> Service {
        if isDNSPort(srcPort, dstPort) { return p.count >= 12 ? .dns : .unknown }
        let stunPort = isSTUNPort(srcPort, dstPort)
        switch kind {
        case .stun where stunPort || p.be32(4) == stunMagicCookie: return .stun
        case .stunMalformed: return .stun
        case .dtls: return .dtls
        case .channelData, .msMultiplexedTURN: return stunPort ? .stun : .unknown
        // RTP runs between dynamic ports; below 1024 the byte is some other protocol's (NBNS, NTP, ...).
        case .rtp where mediaPorts(srcPort, dstPort): return .rtp
        case .rtcp where mediaPorts(srcPort, dstPort): return .rtcp
        default: return looksLikeSIP(p) ? .sip : .unknown
        }
    }

    public static func tcp(_ p: UnsafeRawBufferPointer, srcPort: UInt16, dstPort: UInt16) -> Service {
        let n = p.count
        guard n >= 4 else { return .unknown }
        let b0 = p.u8(0)
        // MS-TURN pseudo-TLS (MS-TURN §2.1.1): a bare 45-byte ClientHello offering only 0x0018.
        if b0 == TLSContentType.handshake.rawValue, n >= 50, p.be16(3) == 0x2D, p.u8(5) == TLSHandshakeType.clientHello.rawValue,
           p.be16(44) == 2, p.be16(46) == 0x0018 { return .turnTCP }
        if b0 >= TLSContentType.changeCipherSpec.rawValue && b0 <= TLSContentType.applicationData.rawValue, p.u8(1) == 3, p.u8(2) <= 4 {
            return srcPort == 5061 || dstPort == 5061 ? .sipTLS : .tls
        }
        // MS-TURN TCP framing (0x02 control / 0x03 data, reserved 0) around a STUN message.
        if (b0 == 2 || b0 == 3), p.u8(1) == 0, n >= 28, p.be32(8) == stunMagicCookie { return .turnTCP }
        if b0 <= 3, n >= 20, p.be32(4) == stunMagicCookie { return .stun }
        // RFC 4571 framing: 2-byte length, then STUN.
        if n >= 22, p.u8(2) <= 3, p.be32(6) == stunMagicCookie { return .stun }
        if srcPort == 53 || dstPort == 53 { return .dns }
        return looksLikeSIP(p) ? .sip : .unknown
    }

    /// Either port is DNS's or mDNS's (53, 5353): its datagrams are DNS whatever their first byte.
    @inline(__always)
    static func isDNSPort(_ a: UInt16, _ b: UInt16) -> Bool { a == 53 || b == 53 || a == 5353 || b == 5353 }

    /// Either port is a STUN/TURN server's (3478-3481): its datagrams may be cookie-less STUN or ChannelData.
    @inline(__always)
    static func isSTUNPort(_ a: UInt16, _ b: UInt16) -> Bool { isSTUNPort(a) || isSTUNPort(b) }

    @inline(__always)
    static func isSTUNPort(_ p: UInt16) -> Bool { p == 3478 || p == 3479 || p == 3480 || p == 3481 }

    /// Both ports could carry RTP/RTCP: neither is below 1024 (NetBIOS 137/138, DHCP 67/68, NTP
    /// and the like) nor a `notMedia` port.
    @inline(__always)
    static func mediaPorts(_ a: UInt16, _ b: UInt16) -> Bool {
        // Media ports mostly lie above every `notMedia` one: two comparisons then.
        if a > 5355 && b > 5355 { return true }
        return a >= 1024 && b >= 1024 && !notMedia(a) && !notMedia(b)
    }

    /// Dynamic-range ports of protocols that are never media although their first byte can
    /// look like RTP's (a transaction id or SPI of 0x80-0xBF): SSDP 1900, WS-Discovery 3702,
    /// IPsec NAT traversal 4500 (encrypted ESP), mDNS 5353 and LLMNR 5355.
    @inline(__always)
    static func notMedia(_ p: UInt16) -> Bool { p == 1900 || p == 3702 || p == 4500 || p == 5353 || p == 5355 }

    /// A SIP start line (RFC 3261 §7.1): upper-case method or "SIP/2.0". The first byte is
    /// tested before the scanner's full check, which reads up to the end of the line.
    static func looksLikeSIP(_ p: UnsafeRawBufferPointer) -> Bool {
        guard p.count >= 8 else { return false }
        let b0 = p.u8(0)
        return b0 >= 0x41 && b0 <= 0x5A && SIPMessageScanner.looksLikeSIP(p)
    }
}

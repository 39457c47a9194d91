/// What the decoder learnt about one packet: plain data, offsets into the packet's bytes.
public struct DecodedPacket: Sendable, BitwiseCopyable {
    /// How far decoding went.
    public enum Kind: UInt8, Sendable, BitwiseCopyable {
        /// Not IP (ARP, LLDP, STP, ...).
        case nonIP
        /// A layer was malformed; see `error`.
        case error
        /// An IP fragment other than the first: no transport header to attribute.
        case fragmentTail
        /// An IP packet with its transport (or first fragment) decoded.
        case transport
    }

    public var kind: Kind = .nonIP
    public var error: DecodeError = .linkTruncated
    /// A problem that did not stop decoding (a length beyond the frame), counted like an error.
    public var anomaly: DecodeError? = nil
    public var ipVersion: UInt8 = 0
    /// IP protocol number of the transport (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...).
    public var proto: UInt8 = 0
    public var src = IPAddress(hi: 0, lo: 0)
    public var dst = IPAddress(hi: 0, lo: 0)
    /// TCP/UDP ports; for ICMP, type and code as Zeek does.
    public var srcPort: UInt16 = 0
    public var dstPort: UInt16 = 0
    public var tcpFlags: UInt8 = 0
    public var tcpWindow: UInt16 = 0
    public var seq: UInt32 = 0
    public var ack: UInt32 = 0
    /// Offset of the IP header in the packet's bytes.
    public var l3Offset: Int32 = 0
    /// Offset of the transport payload and its length on the wire (may exceed what was captured).
    public var payloadOffset: Int32 = 0
    public var payloadLength: Int32 = 0
    /// IP datagram length from the IP header (bytes on the wire at the IP layer).
    public var ipLength: Int32 = 0
    /// True for a first fragment (more fragments follow).
    public var isFragment: Bool = false
    /// The outermost tunnel the packet came out of (its other fields describe the innermost packet).
    public var tunnel: Tunnel = .none
    /// Tunnels opened (at most `PacketDecoder.maximumTunnelDepth`).
    public var tunnelDepth: UInt8 = 0

    public init() {}

    /// Transport payload bytes actually present in the capture.
    @inline(__always)
    public func capturedPayload(in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let start = Int(payloadOffset)
        guard start <= bytes.count else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let n = min(Int(payloadLength), bytes.count &- start)
        return UnsafeRawBufferPointer(rebasing: bytes[start..<(start &+ n)])
    }
}

/// An encapsulation a monitoring host receives mirrored traffic in.
public enum Tunnel: UInt8, CaseIterable, Sendable, BitwiseCopyable {
    case none
    /// GRE carrying IPv4, IPv6 or Ethernet.
    case gre
    /// ERSPAN types I-III (in GRE).
    case erspan
    /// VXLAN (UDP 4789).
    case vxlan

    /// Name used in reports.
    public var name: String {
        switch self {
        case .none: "none"
        case .gre: "gre"
        case .erspan: "erspan"
        case .vxlan: "vxlan"
        }
    }
}

/// TCP flag bits.
public enum TCPFlag {
    public static let fin: UInt8 = 0x01
    public static let syn: UInt8 = 0x02
    public static let rst: UInt8 = 0x04
    public static let psh: UInt8 = 0x08
    public static let ack: UInt8 = 0x10
}

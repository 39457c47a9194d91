/// IANA IP protocol numbers (the IPv4 Protocol field, the IPv6 Next Header field) that the
/// analyzer names. Plain `UInt8` constants: the decoded packet, the flow key and the rules
/// keep the byte as it is on the wire, so any number (GRE, SCTP, ...) still travels through.
public enum IPProtocol {
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let gre: UInt8 = 47
    public static let icmpv6: UInt8 = 58

    // IPv6 extension headers walked by the decoder (RFC 8200 §4; RFC 4302; RFC 6275; RFC 7401; RFC 5533).
    public static let hopByHop: UInt8 = 0
    public static let routing: UInt8 = 43
    public static let fragment: UInt8 = 44
    public static let authentication: UInt8 = 51
    public static let destinationOptions: UInt8 = 60
    public static let mobility: UInt8 = 135
    public static let hostIdentity: UInt8 = 139
    public static let shim6: UInt8 = 140

    /// ICMP (1) or ICMPv6 (58).
    @inline(__always) public static func isICMP(_ p: UInt8) -> Bool { p == icmp || p == icmpv6 }
}

/// Why a packet's layers could not be decoded. Each is counted under its `name` in the
/// report's `capture.decode_errors`.
public enum DecodeError: UInt8, CaseIterable, Sendable, BitwiseCopyable {
    case linkTruncated
    case unsupportedLinkType
    case vlanTooDeep
    case nullUnknownFamily
    case ipv4Truncated
    case ipv4BadVersion
    case ipv4BadHeaderLength
    case ipv4BadTotalLength
    case ipv6Truncated
    case ipv6BadVersion
    case ipv6BadPayloadLength
    case ipv6BadExtensionHeader
    case ipv6TooManyExtensionHeaders
    case tcpTruncated
    case tcpBadDataOffset
    case udpTruncated
    case udpBadLength
    case icmpTruncated
    case greTruncated
    case erspanTruncated
    case vxlanTruncated
    case vxlanBadFlags
    case tunnelTooDeep

    /// Name used in reports.
    public var name: String {
        switch self {
        case .linkTruncated: "link_truncated"
        case .unsupportedLinkType: "unsupported_link_type"
        case .vlanTooDeep: "vlan_too_deep"
        case .nullUnknownFamily: "null_unknown_family"
        case .ipv4Truncated: "ipv4_truncated"
        case .ipv4BadVersion: "ipv4_bad_version"
        case .ipv4BadHeaderLength: "ipv4_bad_header_length"
        case .ipv4BadTotalLength: "ipv4_bad_total_length"
        case .ipv6Truncated: "ipv6_truncated"
        case .ipv6BadVersion: "ipv6_bad_version"
        case .ipv6BadPayloadLength: "ipv6_bad_payload_length"
        case .ipv6BadExtensionHeader: "ipv6_bad_extension_header"
        case .ipv6TooManyExtensionHeaders: "ipv6_too_many_extension_headers"
        case .tcpTruncated: "tcp_truncated"
        case .tcpBadDataOffset: "tcp_bad_data_offset"
        case .udpTruncated: "udp_truncated"
        case .udpBadLength: "udp_bad_length"
        case .icmpTruncated: "icmp_truncated"
        case .greTruncated: "gre_truncated"
        case .erspanTruncated: "erspan_truncated"
        case .vxlanTruncated: "vxlan_truncated"
        case .vxlanBadFlags: "vxlan_bad_flags"
        case .tunnelTooDeep: "tunnel_too_deep"
        }
    }
}

/// Fixed-size counters, one per `DecodeError`, allocated once.
public struct DecodeErrorCounts: Sendable {
    public private(set) var counts = [Int](repeating: 0, count: DecodeError.allCases.count)

    public init() {}

    @inline(__always) public mutating func add(_ error: DecodeError) {
        counts.withUnsafeMutableBufferPointer { $0[Int(error.rawValue)] &+= 1 }
    }

    public subscript(_ error: DecodeError) -> Int { counts[Int(error.rawValue)] }

    /// Non-zero counters by name, in declaration order.
    public var nonZero: [(String, Int)] {
        DecodeError.allCases.compactMap { counts[Int($0.rawValue)] > 0 ? ($0.name, counts[Int($0.rawValue)]) : nil }
    }

    public var total: Int { counts.reduce(0, +) }

    public mutating func merge(_ other: DecodeErrorCounts) {
        for i in counts.indices { counts[i] += other.counts[i] }
    }
}

/// An IPv4 or IPv6 prefix (CIDR).
public struct Prefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    /// Prefix length in bits of the 128-bit form (IPv4 lengths are stored plus 96).
    public var bits: Int

    /// Parses "52.112.0.0/14", "2603:1063::/38" or a plain address (a host prefix).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let addr = IPAddress(first) else { return nil }
        let isV4 = addr.isIPv4Mapped && !first.contains(":")
        let maxBits = isV4 ? 32 : 128
        var length = maxBits
        if parts.count == 2 {
            guard let n = Int(parts[1]), (0...maxBits).contains(n) else { return nil }
            length = n
        }
        bits = isV4 ? length + 96 : length
        address = Prefix.mask(addr, bits)
    }

    /// The single-address prefix of `a` (/32 or /128).
    public init(host a: IPAddress) {
        address = a
        bits = 128
    }

    static func mask(_ a: IPAddress, _ bits: Int) -> IPAddress {
        let hiMask: UInt64 = bits >= 64 ? .max : bits == 0 ? 0 : ~(UInt64.max >> UInt64(bits))
        let loMask: UInt64 = bits <= 64 ? 0 : bits >= 128 ? .max : ~(UInt64.max >> UInt64(bits - 64))
        return IPAddress(hi: a.hi & hiMask, lo: a.lo & loMask)
    }

    /// First and last address covered.
    public var range: ClosedRange<IPAddress> {
        let hiHost: UInt64 = bits >= 64 ? 0 : (bits == 0 ? .max : UInt64.max >> UInt64(bits))
        let loHost: UInt64 = bits <= 64 ? .max : bits >= 128 ? 0 : UInt64.max >> UInt64(bits - 64)
        return address...IPAddress(hi: address.hi | hiHost, lo: address.lo | loHost)
    }

    public func contains(_ a: IPAddress) -> Bool { Prefix.mask(a, bits) == address }

    public var description: String {
        if bits == 128 { return address.text }
        return address.isIPv4Mapped && bits >= 96 ? "\(address.text)/\(bits - 96)" : "\(address.ipv6Text)/\(bits)"
    }
}

/// A set of prefixes for fast membership tests: sorted, merged address intervals searched
/// by bisection (resolved once per flow, never per packet).
public struct PrefixSet: Sendable {
    public private(set) var prefixes: [Prefix] = []
    private var intervals: [ClosedRange<IPAddress>] = []

    public init(_ prefixes: [Prefix]) {
        self.prefixes = prefixes
        let sorted = prefixes.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
        for r in sorted {
            if let last = intervals.last, r.lowerBound <= last.upperBound || IPAddress.successor(last.upperBound) == r.lowerBound {
                intervals[intervals.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                intervals.append(r)
            }
        }
    }

    public var isEmpty: Bool { prefixes.isEmpty }

    public func contains(_ a: IPAddress) -> Bool {
        var lo = 0, hi = intervals.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if intervals[mid].upperBound < a { lo = mid + 1 } else { hi = mid }
        }
        return lo < intervals.count && intervals[lo].contains(a)
    }
}

extension IPAddress {
    static func successor(_ a: IPAddress) -> IPAddress? {
        if a.lo != .max { return IPAddress(hi: a.hi, lo: a.lo + 1) }
        if a.hi != .max { return IPAddress(hi: a.hi + 1, lo: 0) }
        return nil
    }
}

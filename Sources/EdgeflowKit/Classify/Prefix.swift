/// An IPv4 or IPv6 prefix (CIDR).
public struct Prefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    /// Prefix length in bits of the 128-bit form (IPv4 lengths are stored plus 96).
    public var bits: Int

    /// Parses "52.112.0.0/14", "2603:1063::/38" or a plain address (a host prefix).
    public init?(_ text: some StringProtocol) {
        let parsed = text.utf8.withContiguousStorageIfAvailable { Prefix.parse(UnsafeRawBufferPointer($0)) }
            ?? String(text).utf8.withContiguousStorageIfAvailable { Prefix.parse(UnsafeRawBufferPointer($0)) }
        guard let parsed, let parsed else { return nil }
        self = parsed
    }

    /// A prefix from its text as UTF-8 bytes (the forms `init(_:)` takes).
    static func parse(_ text: UnsafeRawBufferPointer) -> Prefix? {
        let slash = text.firstIndex(of: UInt8(ascii: "/")) ?? text.count
        let addressText = UnsafeRawBufferPointer(rebasing: text[..<slash])
        guard let addr = IPAddress.parse(addressText) else { return nil }
        let isV4 = !addressText.contains(UInt8(ascii: ":"))
        let maxBits = isV4 ? 32 : 128
        var length = maxBits
        if slash < text.count {
            // One to three decimal digits, at most the family's width.
            let digits = text[(slash + 1)...]
            guard (1...3).contains(digits.count) else { return nil }
            length = 0
            for c in digits {
                let d = c &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                length = length * 10 + Int(d)
            }
            guard length <= maxBits else { return nil }
        }
        return Prefix(masking: addr, bits: isV4 ? length + 96 : length)
    }

    private init(masking a: IPAddress, bits: Int) {
        self.bits = bits
        address = Prefix.mask(a, bits)
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
    /// The intervals clipped to the IPv4-mapped addresses, as 32-bit bounds (upper in the high
    /// half, lower in the low half, in the same order): an IPv4 address, most of what a flood
    /// asks about, is looked up in 8-byte steps instead of 32-byte ones.
    private var ipv4Intervals: [UInt64] = []
    /// For each first octet, the part of `ipv4Intervals` that may hold an address starting with
    /// it: its first index (low half) and its end (high half). An address whose first octet no
    /// interval touches (a flood's private or random sources, mostly) is answered without a search.
    private var ipv4ByOctet: [UInt64] = []

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
        let v4 = IPAddress(ipv4: 0)...IPAddress(ipv4: .max)
        for r in intervals where r.overlaps(v4) {
            let lower = max(r.lowerBound, v4.lowerBound).ipv4Value, upper = min(r.upperBound, v4.upperBound).ipv4Value
            ipv4Intervals.append(UInt64(upper) << 32 | UInt64(lower))
        }
        var first = 0, end = 0
        for octet in 0..<UInt64(256) {
            let low = octet << 24, high = low | 0xFF_FFFF
            while first < ipv4Intervals.count && ipv4Intervals[first] >> 32 < low { first += 1 }
            end = max(end, first)
            while end < ipv4Intervals.count && ipv4Intervals[end] & 0xFFFF_FFFF <= high { end += 1 }
            ipv4ByOctet.append(UInt64(end) << 32 | UInt64(first))
        }
    }

    public var isEmpty: Bool { prefixes.isEmpty }

    public func contains(_ a: IPAddress) -> Bool {
        if a.isIPv4Mapped { return containsIPv4(a.ipv4Value) }
        var lo = 0, hi = intervals.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if intervals[mid].upperBound < a { lo = mid + 1 } else { hi = mid }
        }
        return lo < intervals.count && intervals[lo].contains(a)
    }

    /// `contains` for an IPv4(-mapped) address: among the intervals its first octet touches,
    /// the first whose upper bound is not below `v` holds it if its lower bound is not above it.
    private func containsIPv4(_ v: UInt32) -> Bool {
        let part = ipv4ByOctet.withUnsafeBufferPointer { $0[Int(truncatingIfNeeded: v >> 24)] }
        let end = Int(truncatingIfNeeded: part >> 32)
        var lo = Int(truncatingIfNeeded: part & 0xFFFF_FFFF)
        guard lo < end else { return false }
        return ipv4Intervals.withUnsafeBufferPointer { b in
            var hi = end
            while lo < hi {
                let mid = (lo &+ hi) >> 1
                if UInt32(truncatingIfNeeded: b[mid] >> 32) < v { lo = mid &+ 1 } else { hi = mid }
            }
            return lo < end && UInt32(truncatingIfNeeded: b[lo]) <= v
        }
    }
}

extension IPAddress {
    static func successor(_ a: IPAddress) -> IPAddress? {
        if a.lo != .max { return IPAddress(hi: a.hi, lo: a.lo + 1) }
        if a.hi != .max { return IPAddress(hi: a.hi + 1, lo: 0) }
        return nil
    }
}

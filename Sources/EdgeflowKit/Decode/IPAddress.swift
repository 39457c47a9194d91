/// An IPv4 or IPv6 address in two words. IPv4 is kept as an IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`); `isIPv4` is carried beside it where the family matters.
public struct IPAddress: Hashable, Comparable, Sendable, BitwiseCopyable {
    public var hi: UInt64
    public var lo: UInt64

    @inlinable public init(hi: UInt64, lo: UInt64) { self.hi = hi; self.lo = lo }

    /// An IPv4 address from its 32-bit value in host order.
    @inlinable public init(ipv4 value: UInt32) { hi = 0; lo = 0x0000_FFFF_0000_0000 | UInt64(value) }

    @inlinable public var isIPv4Mapped: Bool { hi == 0 && lo >> 32 == 0x0000_FFFF }
    @inlinable public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: lo) }

    @inlinable public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo
    }

    /// Parses dotted IPv4 or RFC 4291 IPv6 text.
    public init?(_ text: some StringProtocol) {
        if text.contains(":") {
            guard let v = IPAddress.parseIPv6(String(text)) else { return nil }
            self = v
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var value: UInt32 = 0
            for p in parts {
                guard !p.isEmpty, p.count <= 3, let b = UInt8(p) else { return nil }
                value = value << 8 | UInt32(b)
            }
            self.init(ipv4: value)
        }
    }

    private static func parseIPv6(_ text: String) -> IPAddress? {
        var groups: [UInt16] = []
        var gapAt: Int? = nil
        let halves = text.components(separatedByDoubleColon: ())
        guard halves.count <= 2 else { return nil }
        func parse(_ part: Substring, into out: inout [UInt16]) -> Bool {
            if part.isEmpty { return true }
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, f) in fields.enumerated() {
                if f.contains("."), i == fields.count - 1, let v4 = IPAddress(f), v4.isIPv4Mapped {
                    out.append(UInt16(v4.ipv4Value >> 16)); out.append(UInt16(v4.ipv4Value & 0xFFFF))
                } else {
                    guard !f.isEmpty, f.count <= 4, let g = UInt16(f, radix: 16) else { return false }
                    out.append(g)
                }
            }
            return true
        }
        guard parse(halves[0], into: &groups) else { return nil }
        if halves.count == 2 {
            gapAt = groups.count
            var tail: [UInt16] = []
            guard parse(halves[1], into: &tail) else { return nil }
            guard groups.count + tail.count <= 7 else { return nil }
            groups += [UInt16](repeating: 0, count: 8 - groups.count - tail.count) + tail
        }
        guard groups.count == 8, gapAt == nil || halves.count == 2 else { return nil }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(groups[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(groups[i]) }
        return IPAddress(hi: hi, lo: lo)
    }
}

private extension String {
    /// Splits at each "::" (two halves for a valid address; more means it is invalid).
    func components(separatedByDoubleColon _: Void) -> [Substring] {
        var parts: [Substring] = []
        var start = startIndex
        var i = startIndex
        while i < endIndex {
            let n = index(after: i)
            if self[i] == ":", n < endIndex, self[n] == ":" {
                parts.append(self[start..<i])
                start = index(after: n)
                i = start
            } else {
                i = n
            }
        }
        parts.append(self[start...])
        return parts
    }
}

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

    /// One word for an address whose high word is zero (every IPv4 address), both words for
    /// any other: a dictionary lookup hashes through `Hasher`, where each `combine` costs about
    /// 44 instructions. The two kinds feed `Hasher` inputs of different lengths, and each kind
    /// is fed whole, so distinct addresses never feed the same input (the seeded hash stays
    /// as hard to collide as the synthesized one).
    @inlinable public func hash(into hasher: inout Hasher) {
        if hi == 0 {
            hasher.combine(lo)
        } else {
            hasher.combine(hi)
            hasher.combine(lo)
        }
    }

    /// Parses dotted IPv4 or RFC 4291 IPv6 text.
    public init?(_ text: some StringProtocol) {
        let parsed = text.utf8.withContiguousStorageIfAvailable { IPAddress.parse(UnsafeRawBufferPointer($0)) }
            ?? String(text).utf8.withContiguousStorageIfAvailable { IPAddress.parse(UnsafeRawBufferPointer($0)) }
        guard let parsed, let parsed else { return nil }
        self = parsed
    }

    /// Parses address text given as UTF-8 bytes: dotted IPv4 (four fields of one to three decimal
    /// digits, each at most 255) or RFC 4291 IPv6 (groups of one to four hex digits, at most one
    /// "::" standing for one or more zero groups, a dotted IPv4 address as the last two groups).
    /// Read byte by byte: every run parses some 460 embedded prefixes at start, and through
    /// `String` splits that cost about 14 M instructions.
    public static func parse(_ text: UnsafeRawBufferPointer) -> IPAddress? {
        if text.contains(UInt8(ascii: ":")) { return parseIPv6(text) }
        return ipv4Value(text, from: 0, to: text.count).map(IPAddress.init(ipv4:))
    }

    /// The dotted IPv4 address in `text[from..<to]`, or nil.
    private static func ipv4Value(_ text: UnsafeRawBufferPointer, from: Int, to: Int) -> UInt32? {
        var value: UInt32 = 0, field: UInt32 = 0, digits = 0, dots = 0
        for i in from..<to {
            let c = text[i]
            if c == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | field
                field = 0; digits = 0; dots += 1
            } else {
                let d = c &- UInt8(ascii: "0")
                guard d < 10, digits < 3 else { return nil }
                field = field * 10 + UInt32(d)
                digits += 1
                guard field <= 255 else { return nil }
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | field
    }

    private static func parseIPv6(_ text: UnsafeRawBufferPointer) -> IPAddress? {
        // Groups before the "::" (or all of them) and after it, each half shifted in as read.
        var head: UInt128 = 0, tail: UInt128 = 0
        var headCount = 0, tailCount = 0
        var gap = false
        var i = 0
        let n = text.count
        if n >= 2, text[0] == UInt8(ascii: ":"), text[1] == UInt8(ascii: ":") {
            gap = true
            i = 2
            if n == 2 { return IPAddress(hi: 0, lo: 0) }
        }
        while true {
            // One group (or a trailing dotted IPv4 address) starting at i.
            var j = i, group: UInt32 = 0
            while j < n, let h = hexValue(text[j]) {
                guard j - i < 4 else { return nil }
                group = group << 4 | h
                j += 1
            }
            var groups: UInt128, width: Int
            if j < n, text[j] == UInt8(ascii: ".") {
                guard let v4 = ipv4Value(text, from: i, to: n) else { return nil }
                groups = UInt128(v4); width = 2; j = n
            } else {
                guard j > i else { return nil }
                groups = UInt128(group); width = 1
            }
            if gap {
                tail = tail << (16 * width) | groups; tailCount += width
            } else {
                head = head << (16 * width) | groups; headCount += width
            }
            guard headCount + tailCount <= 8 else { return nil }
            if j == n { break }
            guard text[j] == UInt8(ascii: ":") else { return nil }
            if j + 1 < n, text[j + 1] == UInt8(ascii: ":") {
                guard !gap else { return nil }
                gap = true
                i = j + 2
                if i == n { break }
            } else {
                guard j + 1 < n else { return nil }
                i = j + 1
            }
        }
        let value: UInt128
        if gap {
            guard headCount + tailCount <= 7 else { return nil }
            value = head << (16 * (8 - headCount)) | tail
        } else {
            guard headCount == 8 else { return nil }
            value = head
        }
        return IPAddress(hi: UInt64(truncatingIfNeeded: value >> 64), lo: UInt64(truncatingIfNeeded: value))
    }

    @inline(__always)
    private static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(c &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(c &- UInt8(ascii: "A") &+ 10)
        default: nil
        }
    }
}

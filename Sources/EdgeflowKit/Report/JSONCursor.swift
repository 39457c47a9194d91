/// Writes at a pointer into room that `JSONWriter.withRoom` made: no capacity test per write.
/// The writer's checked methods are these writes in room they make; a flow object makes its
/// room once (`FlowSummary.write`) and writes its tens of fields through one cursor, whose
/// pointer stays in a register.
struct JSONCursor {
    var p: UnsafeMutablePointer<UInt8>

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        p.pointee = b
        p += 1
    }

    /// Static text as it is, unquoted and unescaped.
    @inline(__always)
    mutating func literal(_ s: StaticString) {
        bytes(UnsafeRawPointer(s.utf8Start), s.utf8CodeUnitCount)
    }

    @inline(__always)
    mutating func bytes(_ u: UnsafeBufferPointer<UInt8>) {
        guard let source = u.baseAddress else { return }
        bytes(UnsafeRawPointer(source), u.count)
    }

    /// `n` bytes from `s`: keys, literal runs of members and most values are at most 32 bytes,
    /// copied as two overlapping runs of the widest size that fits (a call to memcpy costs
    /// more than the copy).
    @inline(__always)
    mutating func bytes(_ s: UnsafeRawPointer, _ n: Int) {
        let d = UnsafeMutableRawPointer(p)
        if n > 32 {
            d.copyMemory(from: s, byteCount: n)
        } else if n >= 16 {
            let a0 = s.loadUnaligned(as: UInt64.self), a1 = s.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let b0 = s.loadUnaligned(fromByteOffset: n &- 16, as: UInt64.self)
            let b1 = s.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            d.storeBytes(of: a0, as: UInt64.self)
            d.storeBytes(of: a1, toByteOffset: 8, as: UInt64.self)
            d.storeBytes(of: b0, toByteOffset: n &- 16, as: UInt64.self)
            d.storeBytes(of: b1, toByteOffset: n &- 8, as: UInt64.self)
        } else if n >= 8 {
            let a = s.loadUnaligned(as: UInt64.self), b = s.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            d.storeBytes(of: a, as: UInt64.self)
            d.storeBytes(of: b, toByteOffset: n &- 8, as: UInt64.self)
        } else if n >= 4 {
            let a = s.loadUnaligned(as: UInt32.self), b = s.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            d.storeBytes(of: a, as: UInt32.self)
            d.storeBytes(of: b, toByteOffset: n &- 4, as: UInt32.self)
        } else if n > 0 {
            // 1 to 3 bytes: the first, the middle and the last (some the same).
            d.storeBytes(of: s.load(as: UInt8.self), as: UInt8.self)
            d.storeBytes(of: s.load(fromByteOffset: n >> 1, as: UInt8.self), toByteOffset: n >> 1, as: UInt8.self)
            d.storeBytes(of: s.load(fromByteOffset: n &- 1, as: UInt8.self), toByteOffset: n &- 1, as: UInt8.self)
        }
        p += n
    }

    /// Decimal digits of `v` (one digit, a flow's usual packet count, without a call); at most 20 bytes.
    @inline(__always)
    mutating func integer(_ v: Int) {
        if UInt(bitPattern: v) < 10 { return byte(UInt8(truncatingIfNeeded: v) &+ 0x30) }
        if UInt(bitPattern: v) < 100_000 { return upTo5Digits(v) }
        if v < 0 { byte(0x2D) }
        digits(v.magnitude, minimumWidth: 1)
    }

    /// A port, or an ICMP type or code (0 to 65535), inlined: a flow object or row writes two.
    @inline(__always)
    mutating func port(_ v: Int) {
        if UInt(bitPattern: v) < 10 { return byte(UInt8(truncatingIfNeeded: v) &+ 0x30) }
        if UInt(bitPattern: v) < 100_000 { return tenTo99999(v) }
        integer(v)
    }

    /// 10 to 99999 (ports, most byte counts) without counting digits in a loop; a call.
    private mutating func upTo5Digits(_ v: Int) { tenTo99999(v) }

    /// `upTo5Digits`, inlined.
    @inline(__always)
    private mutating func tenTo99999(_ v: Int) {
        if v < 100 { return twoDigits(v) }
        var low = v
        if v >= 10_000 {
            let top = v / 10_000
            byte(UInt8(truncatingIfNeeded: top) &+ 0x30)
            low = v &- top &* 10_000
            twoDigits(low / 100)
        } else {
            let high = v / 100
            if high < 10 { byte(UInt8(truncatingIfNeeded: high) &+ 0x30) } else { twoDigits(high) }
        }
        twoDigits(low % 100)
    }

    /// Decimal digits of `v`, zero-padded to `minimumWidth` (at most 24), two at a time (a
    /// report's numbers are mostly short: counts, ports, octets); at most 24 bytes.
    mutating func digits(_ v: UInt, minimumWidth: Int) {
        var digits = 1
        var m = v
        while m >= 100 { m /= 100; digits &+= 2 }
        if m >= 10 { digits &+= 1 }
        let width = max(digits, min(minimumWidth, 24))
        p += width
        var q = p
        m = v
        var left = width
        while left >= 2 {
            let pair = Int(truncatingIfNeeded: m % 100)
            m /= 100
            q -= 2
            q[0] = Self.digitPairs.utf8Start[pair &* 2]
            q[1] = Self.digitPairs.utf8Start[pair &* 2 &+ 1]
            left &-= 2
        }
        if left == 1 { (q - 1).pointee = UInt8(truncatingIfNeeded: m % 10) &+ 0x30 }
    }

    /// The two digits of `v` (0-99).
    @inline(__always)
    mutating func twoDigits(_ v: Int) {
        p[0] = Self.digitPairs.utf8Start[v &* 2]
        p[1] = Self.digitPairs.utf8Start[v &* 2 &+ 1]
        p += 2
    }

    /// "2026-03-02T09:00:00.123456Z": `second`'s text and `micros` (0-999999); 27 bytes.
    @inline(__always)
    mutating func iso8601(_ second: TimeFormat.SecondText, micros: Int) {
        withUnsafeBytes(of: second.bytes) { bytes($0.baseAddress!, 20) }
        twoDigits(micros / 10_000)
        twoDigits(micros / 100 % 100)
        twoDigits(micros % 100)
        byte(0x5A)
    }

    /// "192.0.2.1:3478", or "[2001:db8::1]:3478" when `bracketed`, unquoted; at most `endpointRoom` bytes.
    @inline(__always)
    mutating func endpoint(_ a: IPAddress, port: UInt16, bracketed: Bool) {
        if bracketed { byte(0x5B) }
        a.writeText(&self)
        if bracketed { byte(0x5D) }
        byte(0x3A)
        integer(Int(port))
    }

    /// Room `endpoint` may take: an address's text, brackets, a colon and five digits.
    static let endpointRoom = IPAddress.textRoom &+ 8

    /// "00" to "99", for writing two digits at a time.
    static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// A dotted quad ("192.0.2.1"); at most 15 bytes written, 16 touched.
    @inline(__always)
    mutating func ipv4(_ v: UInt32) {
        octet(v >> 24, dot: true)
        octet(v >> 16 & 0xFF, dot: true)
        octet(v >> 8 & 0xFF, dot: true)
        octet(v & 0xFF, dot: false)
    }

    /// An octet's digits from `octetTexts`, and its dot when `dot` (else the dot is written,
    /// then left outside the text).
    @inline(__always)
    private mutating func octet(_ o: UInt32, dot: Bool) {
        let text = UnsafeRawPointer(Self.octetTexts.utf8Start).loadUnaligned(fromByteOffset: Int(truncatingIfNeeded: o) &* 4,
                                                                             as: UInt32.self)
        UnsafeMutableRawPointer(p).storeBytes(of: text, as: UInt32.self)
        // Digits and dot: 2, 3 or 4 bytes.
        p += 2 &+ (o >= 10 ? 1 : 0) &+ (o >= 100 ? 1 : 0) &- (dot ? 0 : 1)
    }

    /// For each octet, four bytes: its digits, then dots (static text: read without the call
    /// a lazily made table costs at each use).
    static let octetTexts: StaticString = """
        0...1...2...3...4...5...6...7...8...9...10..11..12..13..14..15..\
        16..17..18..19..20..21..22..23..24..25..26..27..28..29..30..31..\
        32..33..34..35..36..37..38..39..40..41..42..43..44..45..46..47..\
        48..49..50..51..52..53..54..55..56..57..58..59..60..61..62..63..\
        64..65..66..67..68..69..70..71..72..73..74..75..76..77..78..79..\
        80..81..82..83..84..85..86..87..88..89..90..91..92..93..94..95..\
        96..97..98..99..100.101.102.103.104.105.106.107.108.109.110.111.\
        112.113.114.115.116.117.118.119.120.121.122.123.124.125.126.127.\
        128.129.130.131.132.133.134.135.136.137.138.139.140.141.142.143.\
        144.145.146.147.148.149.150.151.152.153.154.155.156.157.158.159.\
        160.161.162.163.164.165.166.167.168.169.170.171.172.173.174.175.\
        176.177.178.179.180.181.182.183.184.185.186.187.188.189.190.191.\
        192.193.194.195.196.197.198.199.200.201.202.203.204.205.206.207.\
        208.209.210.211.212.213.214.215.216.217.218.219.220.221.222.223.\
        224.225.226.227.228.229.230.231.232.233.234.235.236.237.238.239.\
        240.241.242.243.244.245.246.247.248.249.250.251.252.253.254.255.
        """

    /// Lower-case hex digits of `v`, without leading zeros; at most 16 bytes.
    mutating func hex(_ v: UInt64) {
        let digits = max(1, (64 &- v.leadingZeroBitCount &+ 3) / 4)
        p += digits
        var q = p
        var m = v
        for _ in 0..<digits {
            q -= 1
            let x = UInt8(truncatingIfNeeded: m & 0xF)
            q.pointee = x < 10 ? x &+ 0x30 : x &+ 0x57
            m >>= 4
        }
    }

    /// Room `decimal` may take: sign, 19 digits, point and 9 decimals, or "null", or the
    /// shortest exact form of a value beyond 2^63 (at most 24 bytes).
    static let decimalRoom = 32

    /// `v` rounded to `decimals` decimals, trailing zeros dropped; "null" when not finite.
    mutating func decimal(_ v: Double, decimals: Int) {
        guard v.isFinite else { return literal("null") }
        // A flow of one packet lasts 0 ms (a flood's every flow).
        if v == 0 { return byte(0x30) }
        let places = max(0, min(decimals, 9))
        var scale = Self.powersOfTen[places]
        let scaled = (v * Double(scale)).rounded()
        // Beyond 2^63 (never in a report's durations and rates) the shortest exact form will do.
        guard abs(scaled) < 9.2e18 else {
            var s = String(v)
            return s.withUTF8 { bytes($0) }
        }
        let magnitude = UInt(abs(scaled))
        if scaled < 0 && magnitude != 0 { byte(0x2D) }
        // Milliseconds, the report's usual three decimals: divisions by a constant, no loops.
        if places == 3 { return thousandths(magnitude) }
        digits(magnitude / scale, minimumWidth: 1)
        var fraction = magnitude % scale
        guard fraction != 0 else { return }
        var width = 0
        while scale > 1 && fraction % 10 == 0 { fraction /= 10; scale /= 10 }
        var s = scale
        while s > 1 { s /= 10; width &+= 1 }
        byte(0x2E)
        digits(fraction, minimumWidth: width)
    }

    /// 10^0 to 10^9, for `decimal`'s scale.
    private static let powersOfTen: InlineArray<10, UInt> = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
                                                            1_000_000_000]

    /// `m` thousandths as `decimal` writes them: the whole part, then a point and one to three
    /// digits when the fraction is not zero, trailing zeros dropped.
    @inline(__always)
    private mutating func thousandths(_ m: UInt) {
        integer(Int(bitPattern: m / 1000))
        let fraction = Int(bitPattern: m % 1000)
        guard fraction != 0 else { return }
        byte(0x2E)
        let tens = fraction / 10
        if fraction &- tens &* 10 != 0 {
            byte(UInt8(truncatingIfNeeded: fraction / 100) &+ 0x30)
            twoDigits(fraction % 100)
        } else if tens % 10 != 0 {
            twoDigits(tens)
        } else {
            byte(UInt8(truncatingIfNeeded: tens / 10) &+ 0x30)
        }
    }

    /// `ns` nanoseconds in ms, as `decimal(Double(ns) / 1e6, decimals: 3)` writes them,
    /// without floating point (a flow's duration, STUN round trips): below 2^50 ns the two
    /// roundings of that Double err by under 2.6e-4 µs, so they agree with the exact
    /// microseconds except at a tie (r = 500), which (like a larger or negative value) takes
    /// the Double's way. Out of line, as `decimal` is: inlined, it grew the flow object's
    /// writer past what the optimizer inlines into it (each octet of an address became two calls).
    @inline(never)
    mutating func milliseconds(_ ns: Int64) {
        let r = ns % 1000
        guard ns >= 0, ns < 1 << 50, r != 500 else { return decimal(Double(ns) / 1e6, decimals: 3) }
        thousandths(UInt(ns / 1000) &+ (r > 500 ? 1 : 0))
    }

    /// `s` as a JSON string (quoted and escaped), or `null`; room: `quotedRoom` of its UTF-8 count.
    @inline(__always)
    mutating func quoted(_ s: String?) {
        guard var s else { return literal("null") }
        s.withUTF8 { quoted($0) }
    }

    /// Room `quoted` may take for `n` bytes: each may become a six-byte `\u00XX`, and two quotes.
    @inline(__always)
    static func quotedRoom(_ n: Int) -> Int { n &* 6 &+ 2 }

    /// Room `quoted` may take for `s`, or for `null`.
    @inline(__always)
    static func quotedRoom(_ s: String?) -> Int { s.map { quotedRoom($0.utf8.count) } ?? 4 }

    /// `u` between quotes, escaped as JSON requires; runs without escapes are copied whole.
    mutating func quoted(_ u: UnsafeBufferPointer<UInt8>) {
        byte(0x22)
        // Eight bytes or more without an escape (a DNS name, a certificate's subject): checked a
        // word at a time, the last word overlapping the one before, and copied whole.
        if u.count >= 8, let base = u.baseAddress {
            let last = u.count &- 8
            var i = 0
            while i < last, !Self.needsEscape(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) { i &+= 8 }
            if i >= last, !Self.needsEscape(UnsafeRawPointer(base + last).loadUnaligned(as: UInt64.self)) {
                bytes(u)
                return byte(0x22)
            }
        }
        var start = 0
        var i = 0
        while i < u.count {
            // Eight bytes at a time while none is a control character, a quote or a backslash.
            if u.count &- i >= 8 {
                let w = UnsafeRawPointer(u.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if !Self.needsEscape(w) { i &+= 8; continue }
            }
            let b = u[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C { i &+= 1; continue }
            if i > start { bytes(UnsafeBufferPointer(rebasing: u[start..<i])) }
            byte(0x5C)
            switch b {
            case 0x22, 0x5C: byte(b)
            case 0x0A: byte(0x6E)
            case 0x0D: byte(0x72)
            case 0x09: byte(0x74)
            default:
                literal("u00")
                let hex: StaticString = "0123456789abcdef"
                byte(hex.utf8Start[Int(b >> 4)])
                byte(hex.utf8Start[Int(b & 0xF)])
            }
            i &+= 1
            start = i
        }
        if start < u.count { bytes(UnsafeBufferPointer(rebasing: u[start...])) }
        byte(0x22)
    }

    /// Whether any of the eight bytes in `w` is below 0x20, 0x22 or 0x5C (may also say yes
    /// for a byte next to one that is: the caller then looks byte by byte).
    @inline(__always)
    private static func needsEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let control = (w &- ones &* 0x20) & ~w & highs
        return control | hasZero(w ^ (ones &* 0x22)) | hasZero(w ^ (ones &* 0x5C)) != 0
    }

    /// Room `csvField` may take for `n` bytes: every byte a control written as `\xHH`, and two quotes.
    @inline(__always)
    static func csvRoom(_ n: Int) -> Int { n &* 4 &+ 2 }

    /// `s` as a CSV field (`csvField`), nothing when nil; room: `csvRoom` of its UTF-8 count.
    @inline(__always)
    mutating func csvField(_ s: String?) {
        guard var s else { return }
        s.withUTF8 { csvField($0) }
    }

    /// A CSV field: as it is, or between double quotes with its quotes doubled when it holds a
    /// comma or a quote (RFC 4180). Every control character is written as `TerminalText` writes
    /// it (C0, line breaks included, and DEL as `\xHH`; C1 as `\u{HH}`), so that a row stays one
    /// line and no field from a capture can move a terminal's cursor.
    mutating func csvField(_ u: UnsafeBufferPointer<UInt8>) {
        guard u.contains(where: { $0 < 0x20 || $0 == 0x2C || $0 == 0x22 || $0 == 0x7F || $0 == 0xC2 }) else { return bytes(u) }
        let quoted = u.contains(where: { $0 == 0x2C || $0 == 0x22 })
        if quoted { byte(0x22) }
        var i = 0
        while i < u.count {
            let b = u[i]
            i += 1
            if b < 0x20 || b == 0x7F {
                literal("\\x")
                hexByte(b)
            } else if b == 0xC2, i < u.count, (0x80...0x9F).contains(u[i]) {
                literal("\\u{")
                hexByte(u[i])
                byte(0x7D)
                i += 1
            } else {
                if b == 0x22 { byte(0x22) }
                byte(b)
            }
        }
        if quoted { byte(0x22) }
    }

    /// `b` as two lower-case hexadecimal digits.
    private mutating func hexByte(_ b: UInt8) {
        let digits: StaticString = "0123456789abcdef"
        byte(digits.utf8Start[Int(b >> 4)])
        byte(digits.utf8Start[Int(b & 0x0F)])
    }
}

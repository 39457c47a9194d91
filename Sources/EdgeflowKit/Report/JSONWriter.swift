/// A member name: a literal, written straight from static storage (literal names are plain
/// identifiers and are not escaped), or a string made at run time, escaped as any string.
/// `JSONKey("x")` with a literal argument is the literal form (SE-0213).
public struct JSONKey: ExpressibleByStringLiteral {
    fileprivate let literal: StaticString
    fileprivate let dynamic: String?

    public init(stringLiteral name: StaticString) {
        literal = name
        dynamic = nil
    }

    public init(_ name: String) {
        literal = ""
        dynamic = name
    }
}

/// Appends JSON text to a byte buffer, keys in the order written. Hand-written because the
/// report streams: flows are written as they end, and Foundation's encoder needs the whole
/// value in memory first. Numbers, times and strings go straight into the buffer, with no
/// intermediate `String`: a report holds tens of fields for each of millions of flows.
public struct JSONWriter: ~Copyable {
    // A plain growable buffer: `Array.append(contentsOf:)` costs a uniqueness check and a
    // generic copy per call, and a report makes tens of small appends per flow.
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    /// One bit per open container, the innermost lowest: set once it holds a member, so the
    /// next one needs a comma.
    private var commas: UInt64 = 0
    private var depth = 0

    /// Containers nest at most this deep.
    static let maxDepth = 63

    /// - Parameter capacity: bytes held before the first growth.
    public init(capacity: Int = 4096) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The text written so far; valid until the writer next changes.
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// The text written so far, as a string.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func reset() {
        count = 0
        commas = 0
        depth = 0
    }

    @inline(__always)
    mutating func append(_ b: UInt8) {
        if count == capacity { grow(1) }
        base[count] = b
        count &+= 1
    }

    @inline(__always)
    mutating func append(_ p: UnsafeBufferPointer<UInt8>) {
        guard let source = p.baseAddress else { return }
        if capacity &- count < p.count { grow(p.count) }
        if p.count <= 32 {
            Self.copyShort(from: UnsafeRawPointer(source), to: UnsafeMutableRawPointer(base + count), p.count)
        } else {
            (base + count).initialize(from: source, count: p.count)
        }
        count &+= p.count
    }

    /// Copies `n` (at most 32) bytes as two overlapping runs of the widest size that fits:
    /// keys, literal runs of members and most values are this short, and a call to memcpy
    /// costs more than the copy.
    @inline(__always)
    private static func copyShort(from s: UnsafeRawPointer, to d: UnsafeMutableRawPointer, _ n: Int) {
        if n >= 16 {
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
    }

    private mutating func grow(_ needed: Int) {
        var c = capacity * 2
        while c - count < needed { c *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        fresh.initialize(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = c
    }

    @inline(__always)
    private mutating func separate() {
        if commas & 1 != 0 { append(0x2C) }
        commas |= 1
    }

    @inline(__always)
    private mutating func key(_ k: JSONKey?) {
        separate()
        guard let k else { return }
        if let name = k.dynamic {
            string(name)
        } else {
            append(0x22)
            literal(k.literal)
            append(0x22)
        }
        append(0x3A)
    }

    private mutating func open(_ k: JSONKey?, _ bracket: UInt8) {
        precondition(depth < Self.maxDepth, "JSON nested deeper than \(Self.maxDepth)")
        key(k)
        append(bracket)
        commas <<= 1
        depth += 1
    }

    private mutating func close(_ bracket: UInt8) {
        commas >>= 1
        depth -= 1
        append(bracket)
    }

    public mutating func beginObject(_ k: JSONKey? = nil) { open(k, 0x7B) }
    public mutating func endObject() { close(0x7D) }
    public mutating func beginArray(_ k: JSONKey? = nil) { open(k, 0x5B) }
    public mutating func endArray() { close(0x5D) }

    public mutating func value(_ k: JSONKey? = nil, _ v: String?) {
        key(k)
        appendQuoted(v)
    }
    public mutating func value(_ k: JSONKey? = nil, _ v: Int) {
        key(k)
        appendInteger(v)
    }
    public mutating func value(_ k: JSONKey? = nil, _ v: Bool) { key(k); literal(v ? "true" : "false") }
    /// A number with up to `decimals` decimals, trailing zeros kept out.
    public mutating func value(_ k: JSONKey? = nil, _ v: Double, decimals: Int = 3) {
        key(k)
        appendDecimal(v, decimals: decimals)
    }
    /// A time (nanoseconds since the epoch) as an ISO-8601 UTC string with microseconds.
    public mutating func time(_ k: JSONKey? = nil, _ ns: Int64) {
        key(k)
        append(0x22)
        TimeFormat.appendISO8601(ns, to: &self)
        append(0x22)
    }
    /// An address as a string: dotted quad or RFC 5952 text.
    public mutating func address(_ k: JSONKey? = nil, _ a: IPAddress) {
        key(k)
        append(0x22)
        a.appendText(to: &self)
        append(0x22)
    }
    /// An address and port as a string: "192.0.2.1:3478", or "[2001:db8::1]:3478" when `bracketed`.
    public mutating func endpoint(_ k: JSONKey? = nil, _ a: IPAddress, port: UInt16, bracketed: Bool) {
        key(k)
        append(0x22)
        appendEndpoint(a, port: port, bracketed: bracketed)
        append(0x22)
    }
    /// A number as "0x" and lower-case hex digits, in a string.
    public mutating func hex(_ k: JSONKey? = nil, _ v: UInt32) {
        key(k)
        append(0x22)
        append(0x30)
        append(0x78)
        appendHex(UInt64(v))
        append(0x22)
    }
    public mutating func null(_ k: JSONKey? = nil) { key(k); literal("null") }

    /// Static text as it is, unquoted and unescaped.
    @inline(__always)
    mutating func literal(_ s: StaticString) {
        append(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// `v` with up to `decimals` decimals, as text (for the table and CSV forms).
    static func format(_ v: Double, decimals: Int) -> String {
        var w = JSONWriter(capacity: 32)
        w.appendDecimal(v, decimals: decimals)
        return w.text
    }

    /// "192.0.2.1:3478", or "[2001:db8::1]:3478" when `bracketed`, unquoted.
    mutating func appendEndpoint(_ a: IPAddress, port: UInt16, bracketed: Bool) {
        if bracketed { append(0x5B) }
        a.appendText(to: &self)
        if bracketed { append(0x5D) }
        append(0x3A)
        appendDigits(UInt(port), minimumWidth: 1)
    }

    /// Lets `body` write up to `n` bytes in place; it returns how many it wrote.
    @inline(__always)
    mutating func appendInPlace(upTo n: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if capacity &- count < n { grow(n) }
        count &+= body(base + count)
    }

    /// Decimal digits of `v` (one digit, a flow's usual packet count, without a call).
    @inline(__always)
    mutating func appendInteger(_ v: Int) {
        if UInt(bitPattern: v) < 10 { return append(UInt8(truncatingIfNeeded: v) &+ 0x30) }
        if v < 0 { append(0x2D) }
        appendDigits(v.magnitude, minimumWidth: 1)
    }

    /// Decimal digits of `v`, zero-padded to `minimumWidth` (at most 24), written in place two
    /// digits at a time (a report's numbers are mostly short: counts, ports, octets).
    mutating func appendDigits(_ v: UInt, minimumWidth: Int) {
        var digits = 1
        var m = v
        while m >= 100 { m /= 100; digits &+= 2 }
        if m >= 10 { digits &+= 1 }
        let width = max(digits, min(minimumWidth, 24))
        if capacity &- count < width { grow(width) }
        var p = base + (count &+ width)
        m = v
        var left = width
        while left >= 2 {
            let pair = Int(truncatingIfNeeded: m % 100) &* 2
            m /= 100
            p -= 2
            p[0] = Self.digitPairs.utf8Start[pair]
            p[1] = Self.digitPairs.utf8Start[pair &+ 1]
            left &-= 2
        }
        if left == 1 { (p - 1).pointee = UInt8(truncatingIfNeeded: m % 10) &+ 0x30 }
        count &+= width
    }

    /// "00" to "99", for writing two digits at a time.
    private static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// A dotted quad ("192.0.2.1"), written in place with one capacity check.
    mutating func appendIPv4(_ v: UInt32) {
        if capacity &- count < 15 { grow(15) }
        var p = base + count
        var shift: UInt32 = 24
        while true {
            let o = Int(truncatingIfNeeded: v >> shift & 0xFF)
            if o >= 100 {
                let low = (o % 100) &* 2
                p[0] = UInt8(truncatingIfNeeded: o / 100) &+ 0x30
                p[1] = Self.digitPairs.utf8Start[low]
                p[2] = Self.digitPairs.utf8Start[low &+ 1]
                p += 3
            } else if o >= 10 {
                p[0] = Self.digitPairs.utf8Start[o &* 2]
                p[1] = Self.digitPairs.utf8Start[o &* 2 &+ 1]
                p += 2
            } else {
                p[0] = UInt8(truncatingIfNeeded: o) &+ 0x30
                p += 1
            }
            if shift == 0 { break }
            p[0] = 0x2E
            p += 1
            shift &-= 8
        }
        count = p - base
    }

    /// Lower-case hex digits of `v`, without leading zeros, written in place.
    mutating func appendHex(_ v: UInt64) {
        let digits = max(1, (64 &- v.leadingZeroBitCount &+ 3) / 4)
        if capacity &- count < digits { grow(digits) }
        var p = base + (count &+ digits)
        var m = v
        for _ in 0..<digits {
            p -= 1
            let x = UInt8(truncatingIfNeeded: m & 0xF)
            p.pointee = x < 10 ? x &+ 0x30 : x &+ 0x57
            m >>= 4
        }
        count &+= digits
    }

    /// `v` rounded to `decimals` decimals, trailing zeros dropped; "null" when not finite.
    mutating func appendDecimal(_ v: Double, decimals: Int) {
        guard v.isFinite else { return literal("null") }
        var scale: UInt = 1
        for _ in 0..<max(0, min(decimals, 9)) { scale &*= 10 }
        let scaled = (v * Double(scale)).rounded()
        // Beyond 2^63 (never in a report's durations and rates) the shortest exact form will do.
        guard abs(scaled) < 9.2e18 else {
            var s = String(v)
            return s.withUTF8 { append($0) }
        }
        let magnitude = UInt(abs(scaled))
        if scaled < 0 && magnitude != 0 { append(0x2D) }
        appendDigits(magnitude / scale, minimumWidth: 1)
        var fraction = magnitude % scale
        guard fraction != 0 else { return }
        var width = 0
        while scale > 1 && fraction % 10 == 0 { fraction /= 10; scale /= 10 }
        var s = scale
        while s > 1 { s /= 10; width &+= 1 }
        append(0x2E)
        appendDigits(fraction, minimumWidth: width)
    }

    private mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { append(quoted: $0) }
    }

    /// `s` as a JSON string (quoted and escaped), or `null`; no key, no comma.
    mutating func appendQuoted(_ s: String?) {
        if let s { string(s) } else { literal("null") }
    }

    /// Members written by the caller as literal keys and punctuation, then values: `text` opens
    /// the first (after a comma when the container holds members); the caller writes the
    /// commas of the next ones.
    mutating func members(_ text: StaticString) {
        separate()
        literal(text)
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

    /// Appends `u` between quotes, escaping what JSON requires; runs without escapes are copied whole.
    private mutating func append(quoted u: UnsafeBufferPointer<UInt8>) {
        append(0x22)
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
            if i > start { append(UnsafeBufferPointer(rebasing: u[start..<i])) }
            append(0x5C)
            switch b {
            case 0x22, 0x5C: append(b)
            case 0x0A: append(0x6E)
            case 0x0D: append(0x72)
            case 0x09: append(0x74)
            default:
                append(0x75)
                append(0x30)
                append(0x30)
                let hex: StaticString = "0123456789abcdef"
                append(hex.utf8Start[Int(b >> 4)])
                append(hex.utf8Start[Int(b & 0xF)])
            }
            i &+= 1
            start = i
        }
        if start < u.count { append(UnsafeBufferPointer(rebasing: u[start...])) }
        append(0x22)
    }
}

/// Appends JSON text to a byte buffer, keys in the order written. Hand-written because the
/// report streams: flows are written as they end, and Foundation's encoder needs the whole
/// value in memory first.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    public init() { bytes.reserveCapacity(4096) }

    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = [false]
    }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { bytes.append(0x2C) }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func key(_ k: String?) {
        separate()
        if let k {
            string(k)
            bytes.append(0x3A)
        }
    }

    public mutating func beginObject(_ k: String? = nil) { key(k); bytes.append(0x7B); needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); bytes.append(0x7D) }
    public mutating func beginArray(_ k: String? = nil) { key(k); bytes.append(0x5B); needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); bytes.append(0x5D) }

    public mutating func value(_ k: String? = nil, _ v: String?) {
        key(k)
        if let v { string(v) } else { bytes.append(contentsOf: "null".utf8) }
    }
    public mutating func value(_ k: String? = nil, _ v: Int) {
        key(k)
        // Digits written straight into the buffer, without a String.
        if v == 0 { bytes.append(0x30); return }
        if v < 0 { bytes.append(0x2D) }
        var m = v.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while m > 0 { d[n] = UInt8(truncatingIfNeeded: m % 10) &+ 0x30; m /= 10; n += 1 }
            while n > 0 { n -= 1; bytes.append(d[n]) }
        }
    }
    public mutating func value(_ k: String? = nil, _ v: Bool) { key(k); bytes.append(contentsOf: (v ? "true" : "false").utf8) }
    /// A number with up to `decimals` decimals, trailing zeros kept out.
    public mutating func value(_ k: String? = nil, _ v: Double, decimals: Int = 3) {
        key(k)
        bytes.append(contentsOf: Self.format(v, decimals: decimals).utf8)
    }
    public mutating func null(_ k: String? = nil) { key(k); bytes.append(contentsOf: "null".utf8) }

    static func format(_ v: Double, decimals: Int) -> String {
        guard v.isFinite else { return "null" }
        guard decimals > 0 else { return String(Int64(v.rounded())) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (v * scale).rounded()
        let negative = scaled < 0
        let magnitude = Int64(abs(scaled))
        let whole = magnitude / Int64(scale)
        var frac = String(magnitude % Int64(scale))
        frac = String(repeating: "0", count: decimals - frac.count) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        return (negative && magnitude != 0 ? "-" : "") + String(whole) + (frac.isEmpty ? "" : "." + frac)
    }

    private mutating func string(_ s: String) {
        bytes.append(0x22)
        // Most strings need no escaping: copy them whole.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) {
            bytes.append(contentsOf: s.utf8)
            bytes.append(0x22)
            return
        }
        for b in s.utf8 {
            switch b {
            case 0x22: bytes += [0x5C, 0x22]
            case 0x5C: bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, 0x6E]
            case 0x0D: bytes += [0x5C, 0x72]
            case 0x09: bytes += [0x5C, 0x74]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }
}

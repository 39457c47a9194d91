/// One field of a Zeek log row, typed as its column's `#types` entry.
enum ZeekValue {
    /// Not known: `-` in TSV, left out of a JSON object.
    case unset
    case string(String)
    /// A `count` (or a `port` column's number).
    case count(Int)
    case bool(Bool)
    /// A `time`: nanoseconds since the epoch, written as seconds with 6 decimals.
    case time(Int64)
    /// An `interval`: nanoseconds, written as seconds with 6 decimals.
    case interval(Int64)
    case address(IPAddress)
    /// A `set[string]` or `vector[string]`: `(empty)` in TSV when it has no member.
    case strings([String])
    /// A `vector[interval]` (nanoseconds each): `(empty)` in TSV when it has no member.
    case intervals([Int64])
    /// A `double`, with up to 6 decimals.
    case double(Double)
    /// An `enum`, written as its name.
    case enumeration(String)

    /// A string, or unset when nil.
    static func string(_ s: String?) -> ZeekValue { s.map { .string($0) } ?? .unset }

    /// Appends the TSV form (Zeek's ASCII writer with its default separators).
    func appendTSV(to w: inout JSONWriter) {
        switch self {
        case .unset: w.append(0x2D)
        case .string(let s), .enumeration(let s): Self.appendTSV(s, inSet: false, to: &w)
        case .count(let v): w.appendInteger(v)
        case .bool(let v): w.append(v ? 0x54 : 0x46)
        case .time(let ns), .interval(let ns): Self.appendSeconds(ns, to: &w)
        case .address(let a): a.appendText(to: &w)
        case .double(let v): Self.appendDouble(v, to: &w)
        case .strings(let members):
            guard !members.isEmpty else { return Self.appendEmpty(to: &w) }
            for (i, m) in members.enumerated() {
                if i > 0 { w.append(0x2C) }
                Self.appendTSV(m, inSet: true, to: &w)
            }
        case .intervals(let members):
            guard !members.isEmpty else { return Self.appendEmpty(to: &w) }
            for (i, ns) in members.enumerated() {
                if i > 0 { w.append(0x2C) }
                Self.appendSeconds(ns, to: &w)
            }
        }
    }

    /// Adds the member `name` to the JSON object being written (Zeek's JSON form: times and
    /// intervals as seconds, addresses as strings, sets as arrays); an unset value adds nothing.
    func writeJSON(_ name: String, to w: inout JSONWriter) {
        let k = JSONKey(name)
        switch self {
        case .unset: return
        case .string(let s), .enumeration(let s): w.value(k, s)
        case .count(let v): w.value(k, v)
        case .bool(let v): w.value(k, v)
        case .time(let ns), .interval(let ns): Self.appendJSONDouble(Double(ns) / 1e9, k, to: &w)
        case .address(let a): w.address(k, a)
        case .double(let v): Self.appendJSONDouble(v, k, to: &w)
        case .strings(let members):
            w.beginArray(k)
            for m in members { w.value(nil, m) }
            w.endArray()
        case .intervals(let members):
            w.beginArray(k)
            for ns in members { Self.appendJSONDouble(Double(ns) / 1e9, nil, to: &w) }
            w.endArray()
        }
    }

    /// "1764787200.123456": whole seconds, a point and exactly 6 digits, as Zeek writes times.
    static func appendSeconds(_ ns: Int64, to w: inout JSONWriter) {
        let m = ns.magnitude / 1000
        if ns < 0 && m > 0 { w.append(0x2D) }
        w.appendDigits(UInt(m / 1_000_000), minimumWidth: 1)
        w.append(0x2E)
        w.appendDigits(UInt(m % 1_000_000), minimumWidth: 6)
    }

    /// A JSON member holding a number as `appendDouble` writes it (null when not finite).
    private static func appendJSONDouble(_ v: Double, _ k: JSONKey?, to w: inout JSONWriter) {
        w.value(k, v, decimals: 6)
        pointZero(v, to: &w)
    }

    /// Up to 6 decimals, trailing zeros dropped but one kept (`2.0`), as Zeek's writers give a double.
    static func appendDouble(_ v: Double, to w: inout JSONWriter) {
        w.appendDecimal(v, decimals: 6)
        pointZero(v, to: &w)
    }

    /// Adds ".0" when the finite number just written (the digits at the end) has no decimal point.
    private static func pointZero(_ v: Double, to w: inout JSONWriter) {
        guard v.isFinite else { return }
        let bytes = w.bytes
        let before = bytes.lastIndex { !(0x30...0x39).contains($0) }
        guard before.map({ bytes[$0] != 0x2E }) ?? true else { return }
        w.append(0x2E)
        w.append(0x30)
    }

    private static func appendEmpty(to w: inout JSONWriter) {
        for b in "(empty)".utf8 { w.append(b) }
    }

    /// A string as Zeek's ASCII writer escapes it: control bytes, the separator and (in a set)
    /// the set separator and the backslash as `\xNN` (Zeek's ODesc::AddBytes escapes a
    /// backslash with `escape_all`); the empty string as `(empty)` and a
    /// lone `-` escaped so that neither reads as an empty or unset field.
    private static func appendTSV(_ s: String, inSet: Bool, to w: inout JSONWriter) {
        if s.isEmpty { return appendEmpty(to: &w) }
        if s == "-" { return appendHexEscape(0x2D, to: &w) }
        for b in s.utf8 {
            switch b {
            case 0..<0x20, 0x5C, 0x7F: appendHexEscape(b, to: &w)
            case 0x2C where inSet: appendHexEscape(b, to: &w)
            default: w.append(b)
            }
        }
    }

    private static func appendHexEscape(_ b: UInt8, to w: inout JSONWriter) {
        w.append(0x5C)
        w.append(0x78)
        if b < 0x10 { w.append(0x30) }
        w.appendHex(UInt64(b))
    }
}

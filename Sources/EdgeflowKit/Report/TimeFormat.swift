/// Formats nanosecond timestamps as ISO-8601 UTC with microseconds, without Foundation
/// or the local time zone (called once per flow, never per packet).
public enum TimeFormat {
    /// "2026-03-02T09:00:00.123456Z"
    public static func iso8601(_ ns: Int64) -> String {
        var w = JSONWriter(capacity: 48)
        appendISO8601(ns, to: &w)
        return w.text
    }

    /// The UTC date of a timestamp: "2026-03-02".
    public static func date(_ ns: Int64) -> String { String(iso8601(ns).prefix(10)) }

    /// The date `days` days after 1970-01-01: "2026-03-02".
    public static func date(days: Int64) -> String { date(days * 86_400 * 1_000_000_000) }

    /// "2026-03-02 09:00:00.123" for people.
    public static func readable(_ ns: Int64) -> String {
        let (secs, rem) = split(ns)
        var w = JSONWriter(capacity: 48)
        w.appendInPlace(upTo: 19) { writeSecond(secs, dateTimeSeparator: 0x20, to: $0); return 19 }
        w.append(0x2E)
        w.appendDigits(UInt(rem / 1_000_000), minimumWidth: 3)
        return w.text
    }

    /// A duration for people: "0.250 s", "7.323 s" under a minute, then the two largest units
    /// ("4 min 12 s", "2 h 3 min", "3 d 4 h").
    public static func span(_ ns: Int64) -> String {
        if ns < 60_000_000_000 { return JSONWriter.format(Double(ns) / 1e9, decimals: 3) + " s" }
        let s = ns / 1_000_000_000
        let units: [(Int64, String)] = [(86_400, "d"), (3600, "h"), (60, "min"), (1, "s")]
        let i = units.firstIndex { s >= $0.0 }!
        let (big, small) = (units[i], units[i + 1])
        let rest = s % big.0 / small.0
        return "\(s / big.0) \(big.1)" + (rest > 0 ? " \(rest) \(small.1)" : "")
    }

    /// Appends the ISO-8601 form ("2026-03-02T09:00:00.123456Z") as UTF-8.
    static func appendISO8601(_ ns: Int64, to out: inout JSONWriter) {
        let (second, micros) = isoParts(ns, &out)
        out.withRoom(27) { $0.iso8601(second, micros: micros) }
    }

    /// `ns` for `JSONCursor.iso8601`: its second as text (the writer's cached text when it
    /// last wrote the same second) and its microseconds.
    @inline(__always)
    static func isoParts(_ ns: Int64, _ out: inout JSONWriter) -> (SecondText, Int) {
        let (secs, rem) = split(ns)
        return (out.isoSecond(secs), Int(truncatingIfNeeded: rem / 1000))
    }

    /// Seconds since the epoch (rounded down) and the nanoseconds after them.
    @inline(__always)
    private static func split(_ ns: Int64) -> (Int64, Int64) {
        var secs = ns / 1_000_000_000
        var rem = ns % 1_000_000_000
        if rem < 0 { rem += 1_000_000_000; secs -= 1 }
        return (secs, rem)
    }

    /// One second's ISO-8601 text up to its fraction: "2026-03-02T09:00:00." (20 bytes).
    struct SecondText {
        /// Seconds since the epoch; `Int64.min` (no second a nanosecond time has) for none yet.
        var second = Int64.min
        /// The day the date in `bytes` is of (days since the epoch), `Int64.min` for none yet.
        private var day = Int64.min
        var bytes: (UInt64, UInt64, UInt32) = (0, 0, 0)

        init() {}

        /// Becomes the text of `secs`: its date is worked out again only when its day differs
        /// (a flow's times, and its allocation's end, mostly share a day).
        mutating func set(_ secs: Int64) {
            let (days, sod) = TimeFormat.dayAndSecond(secs)
            second = secs
            let sameDay = days == day
            day = days
            withUnsafeMutableBytes(of: &bytes) { b in
                let p = b.baseAddress!.assumingMemoryBound(to: UInt8.self)
                if !sameDay {
                    TimeFormat.writeDate(days, to: p)
                    p[10] = 0x54
                    p[19] = 0x2E
                }
                TimeFormat.writeTime(sod, to: p + 11)
            }
        }
    }

    /// Days since the epoch (rounded down) and the second of that day.
    @inline(__always)
    private static func dayAndSecond(_ secs: Int64) -> (Int64, Int64) {
        var days = secs / 86_400
        var sod = secs % 86_400
        if sod < 0 { sod += 86_400; days -= 1 }
        return (days, sod)
    }

    /// Writes the date and time of day of `secs` (19 bytes, "2026-03-02T09:00:00" with
    /// `dateTimeSeparator` between them): a nanosecond `Int64` spans the years 1677-2262,
    /// always 4 digits.
    private static func writeSecond(_ secs: Int64, dateTimeSeparator: UInt8, to p: UnsafeMutablePointer<UInt8>) {
        let (days, sod) = dayAndSecond(secs)
        writeDate(days, to: p)
        p[10] = dateTimeSeparator
        writeTime(sod, to: p + 11)
    }

    /// "2026-03-02" (10 bytes) of `days` since 1970-01-01.
    private static func writeDate(_ days: Int64, to p: UnsafeMutablePointer<UInt8>) {
        let (y, m, d) = civil(fromDays: days)
        two(y / 100, p)
        two(y % 100, p + 2)
        p[4] = 0x2D
        two(m, p + 5)
        p[7] = 0x2D
        two(d, p + 8)
    }

    /// "09:00:00" (8 bytes) of second `sod` of a day.
    @inline(__always)
    private static func writeTime(_ sod: Int64, to p: UnsafeMutablePointer<UInt8>) {
        two(sod / 3600, p)
        p[2] = 0x3A
        two(sod / 60 % 60, p + 3)
        p[5] = 0x3A
        two(sod % 60, p + 6)
    }

    /// The two digits of `v` (0-99) at `p`.
    @inline(__always)
    private static func two(_ v: Int64, _ p: UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(truncatingIfNeeded: v / 10) &+ 0x30
        p[1] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Days since 1970-01-01 of a civil date (inverse of `civil(fromDays:)`).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

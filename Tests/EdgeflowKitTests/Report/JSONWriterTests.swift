import Foundation
import Testing
@testable import EdgeflowKit

@Suite("JSON writer")
struct JSONWriterTests {
    /// Strings with characters JSON must escape, before, inside and after runs of eight plain
    /// bytes (the writer skips those a word at a time), read back by Foundation's parser.
    @Test("strings round-trip through JSONSerialization")
    func escaping() throws {
        let samples = [
            "", "plain", "exactly8", "sixteen bytes ok", "\"", "\\", "a\"b", "12345678\"", "1234567\\8",
            "line\nbreak", "tab\there", "cr\r", "\u{0}\u{1}\u{1F}", "CN=sip.contoso.com, O=\"Contoso, Ltd\"",
            "über straße ✓ 通话", "0123456789abcdef\u{7}0123456789abcdef", String(repeating: "x", count: 100) + "\\",
            "\u{7F}del and \u{80} C1", "back\\slash\\\\double",
        ]
        var w = JSONWriter(capacity: 16)
        w.beginArray()
        for s in samples { w.value(nil, s) }
        w.endArray()
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String])
        #expect(parsed == samples)
    }

    /// Containers opened by a literal key and bracket, first or after other members, nested,
    /// empty or holding members, against the same containers opened by key.
    @Test("containers opened by literal runs equal those opened by key")
    func openLiteral() throws {
        func build(literal: Bool) -> String {
            var w = JSONWriter(capacity: 16)
            w.beginObject()
            if literal { w.open(literal: "\"first\":{") } else { w.beginObject("first") }
            if literal { w.open(literal: "\"list\":[") } else { w.beginArray("list") }
            w.value(nil, 1)
            w.value(nil, "two")
            w.endArray()
            if literal { w.open(literal: "\"empty\":[") } else { w.beginArray("empty") }
            w.endArray()
            w.endObject()
            w.value("after", true)
            if literal { w.open(literal: "\"last\":{") } else { w.beginObject("last") }
            w.value("x", 3)
            w.endObject()
            w.endObject()
            return w.text
        }
        #expect(build(literal: true) == build(literal: false))
        #expect(build(literal: true) == #"{"first":{"list":[1,"two"],"empty":[]},"after":true,"last":{"x":3}}"#)
        #expect(try JSONSerialization.jsonObject(with: Data(build(literal: true).utf8)) is [String: Any])
    }

    /// Numbers, nesting and null, against the values Foundation reads back.
    @Test("numbers, times and nesting")
    func numbers() throws {
        var w = JSONWriter()
        w.beginObject()
        w.value("zero", 0)
        w.value("negative", -42)
        w.value("max", Int.max)
        w.value("min", Int.min + 1)
        w.value("half", 0.5)
        w.value("rounded", 2.0004)
        w.value("third", 1.0 / 3.0)
        w.value("ms", -12.5, decimals: 1)
        w.value("nan", Double.nan)
        w.hex("ssrc", 0xDEAD_BEEF)
        w.time("ts", 1_700_000_000_123_456_789)
        w.address("h", IPAddress(ipv4: 0x3470_0001))
        w.beginArray("nested")
        w.beginObject()
        w.null("n")
        w.value("t", true)
        w.endObject()
        w.beginArray()
        w.endArray()
        w.endArray()
        w.endObject()
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text == #"{"zero":0,"negative":-42,"max":9223372036854775807,"min":-9223372036854775807,"half":0.5,"rounded":2,"third":0.333,"ms":-12.5,"nan":null,"ssrc":"0xdeadbeef","ts":"2023-11-14T22:13:20.123456Z","h":"52.112.0.1","nested":[{"n":null,"t":true},[]]}"#)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any])
        #expect(o["max"] as? Int == Int.max && o["third"] as? Double == 0.333)
        #expect(JSONWriter.format(1234.5678, decimals: 2) == "1234.57" && JSONWriter.format(-0.0004, decimals: 3) == "0")
    }

    /// Three decimals (milliseconds, the report's usual precision) are written by their own
    /// branch: every thousandth from -3 to 3, and a few large ones, against C's `%.3f`
    /// with the trailing zeros (and a bare point) dropped.
    @Test("three decimals equal printf's %.3f, trailing zeros dropped")
    func thousandths() {
        func printf(_ v: Double) -> String {
            var t = String(format: "%.3f", v)
            while t.hasSuffix("0") { t.removeLast() }
            if t.hasSuffix(".") { t.removeLast() }
            return t == "-0" ? "0" : t
        }
        var values = (-3000...3000).map { Double($0) / 1000 }
        values += [86_399.999, 1_700_000_000.125, -4_294_967_296.5, 0.0004, 0.0005, 2.0015, 123_456_789.007]
        for v in values {
            #expect(JSONWriter.format(v, decimals: 3) == printf(v), "\(v)")
        }
    }

    /// The writer keeps the text of the last two seconds it wrote (a flow's start and its TURN
    /// allocation's end take turns): times of two seconds in turn, then of others (another day,
    /// 1970, the next second), each must read as its own (texts worked out with Python's datetime).
    @Test("times of seconds taking turns, and of others, each written as its own")
    func secondsInTurn() {
        let times: [(Int64, String)] = [
            (1_772_442_000_123_456_789, "2026-03-02T09:00:00.123456Z"), (1_772_442_480_000_001_000, "2026-03-02T09:08:00.000001Z"),
            (1_772_442_000_999_999_999, "2026-03-02T09:00:00.999999Z"), (1_772_442_480_500_000_000, "2026-03-02T09:08:00.500000Z"),
            (86_399_999_999_999, "1970-01-01T23:59:59.999999Z"), (1_772_442_480_000_001_000, "2026-03-02T09:08:00.000001Z"),
            (1_772_528_400_000_000_000, "2026-03-03T09:00:00.000000Z"), (1_772_442_000_123_456_789, "2026-03-02T09:00:00.123456Z"),
            (1_772_442_001_000_000_000, "2026-03-02T09:00:01.000000Z"), (86_399_999_999_999, "1970-01-01T23:59:59.999999Z"),
        ]
        var w = JSONWriter()
        w.beginArray()
        for (ns, _) in times { w.time(nil, ns) }
        w.endArray()
        #expect(w.text == "[" + times.map { "\"\($0.1)\"" }.joined(separator: ",") + "]")
    }

    /// Nanoseconds written as ms (a flow's duration, STUN round trips) without floating point:
    /// hand-worked values, then C's `%.3f` of the Double (trailing zeros dropped) for values
    /// off a tie below 2^50 ns, and the Double way at a tie, beyond and below zero: Python's
    /// `ns / 1e6 * 1000.0` (IEEE doubles, as Swift's `Double(ns) / 1e6` times 1,000), rounded half
    /// away from zero (`Decimal(x).quantize(Decimal(1), ROUND_HALF_UP)`, Swift's `.rounded()`),
    /// written as thousandths, trailing zeros dropped, no sign on 0:
    /// 500 → 0.5 → 1 → "0.001"; 2,000,500 → 2000.5000000000002 → 2001 → "2.001";
    /// 2^50 = 1,125,899,906,842,624 → 1125899906842.624 → "1125899906.843"; 2^50 + 501 →
    /// 1125899906843.125 → "1125899906.843"; 2^62 → 4611686018427388.0 → "4611686018427.388";
    /// -1 → -0.001 → -0 → "0"; -1,500,000 → -1500.0 → "-1.5"; Int64.min → -9223372036854776.0 →
    /// "-9223372036854.776"; Int64.max → 9223372036854776.0 → "9223372036854.776".
    @Test("nanoseconds as milliseconds equal printf's %.3f of ns / 1e6")
    func milliseconds() {
        func ms(_ ns: Int64) -> String {
            var w = JSONWriter()
            w.withRoom(JSONCursor.decimalRoom) { $0.milliseconds(ns) }
            return w.text
        }
        func printf(_ v: Double) -> String {
            var t = String(format: "%.3f", v)
            while t.hasSuffix("0") { t.removeLast() }
            if t.hasSuffix(".") { t.removeLast() }
            return t
        }
        let hand: [(Int64, String)] = [(0, "0"), (1, "0"), (499, "0"), (501, "0.001"), (1_500_000, "1.5"), (2_000_000, "2"),
                                       (20_000, "0.02"), (999_999_499, "999.999"), (999_999_501, "1000"),
                                       (123_456_789_012, "123456.789"), (86_400_000_000_000, "86400000")]
        for (ns, text) in hand { #expect(ms(ns) == text, "\(ns)") }
        var g = SplitMix64(seed: 0x3E5)
        var offTie: [Int64] = (0..<3000).map { Int64($0) * 333 }
        offTie += (0..<3000).map { _ in Int64.random(in: 0..<(1 << 50), using: &g) }
        offTie += [(1 << 50) - 1, (1 << 50) - 501, 1_125_899_906_842_123, 999_999_999_999_999]
        for ns in offTie where ns % 1000 != 500 && ns < 1 << 50 {
            #expect(ms(ns) == printf(Double(ns) / 1e6), "\(ns)")
        }
        let doubleWay: [(Int64, String)] = [(500, "0.001"), (2_000_500, "2.001"), (1 << 50, "1125899906.843"),
                                            ((1 << 50) + 501, "1125899906.843"), (1 << 62, "4611686018427.388"), (-1, "0"),
                                            (-1_500_000, "-1.5"), (.min, "-9223372036854.776"), (.max, "9223372036854.776")]
        for (ns, text) in doubleWay { #expect(ms(ns) == text, "\(ns)") }
    }

    /// Names made at run time are escaped like values; literal names are written as they are;
    /// digits are zero-padded where a width is asked for; endpoints bracket IPv6 only.
    @Test("run-time names, padding, hex and endpoints")
    func namesAndEndpoints() throws {
        // A variable: `JSONKey("...")` with a literal is the literal form (SE-0213).
        let name = "a \"quoted\" \\ name\n", method = "Allocate"
        var w = JSONWriter(capacity: 16)
        w.beginObject()
        w.value(JSONKey(name), 1)
        w.beginObject(JSONKey(method))
        w.endObject()
        w.time("early", 1_700_000_000_000_001_000)
        w.hex("zero", 0)
        w.endpoint("v4", IPAddress(ipv4: 0xC000_0201), port: 3478, bracketed: false)
        w.endpoint("v6", IPAddress("2001:db8::1")!, port: 50_000, bracketed: true)
        w.endObject()
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text == #"{"a \"quoted\" \\ name\n":1,"Allocate":{},"early":"2023-11-14T22:13:20.000001Z","zero":"0x0","v4":"192.0.2.1:3478","v6":"[2001:db8::1]:50000"}"#)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any])
        #expect(o[name] as? Int == 1)
    }

    /// The short forms a flow object takes (integers under 100,000 without the digit loop,
    /// dotted quads from the octet table, the uid two base-62 digits at a time, the time's
    /// second from the writer's cache) against values made independently: Swift's own integer
    /// text, hand-worked addresses and times, and the uid's base-62 digits one at a time.
    @Test("integers, dotted quads, uids and cached seconds")
    func shortForms() {
        let numbers = [0, 9, 10, 99, 100, 101, 999, 1000, 9999, 10_000, 10_001, 65_535, 99_999, 100_000, 123_456_789,
                       -1, -99_999, Int.max, Int.min + 1]
        var w = JSONWriter(capacity: 16)
        w.beginArray()
        for n in numbers { w.value(nil, n) }
        for a: UInt32 in [0, 0xFFFF_FFFF, 0x010A_64C8, 0x0963_C700] { w.address(nil, IPAddress(ipv4: a)) }
        // Seconds in turn: the same one, the next, an earlier one, the epoch and just before it.
        for ns: Int64 in [1_700_000_000_123_456_789, 1_700_000_000_999_999_999, 1_700_000_001_000_000_000,
                          1_699_999_999_000_000_000, 0, -1] { w.time(nil, ns) }
        w.endArray()
        let expected = "[" + numbers.map(String.init).joined(separator: ",")
            + #","0.0.0.0","255.255.255.255","1.10.100.200","9.99.199.0""#
            + #","2023-11-14T22:13:20.123456Z","2023-11-14T22:13:20.999999Z","2023-11-14T22:13:21.000000Z""#
            + #","2023-11-14T22:13:19.000000Z","1970-01-01T00:00:00.000000Z","1969-12-31T23:59:59.999999Z"]"#
        #expect(String(decoding: w.bytes, as: UTF8.self) == expected)

        func base62(_ code: UInt64) -> String {
            let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
            var h = code, text = "C"
            for _ in 0..<11 { text.append(digits[Int(h % 62)]); h /= 62 }
            return text
        }
        #expect(FlowSummary.uid(0) == "C00000000000" && FlowSummary.uid(62) == "C01000000000")
        #expect(FlowSummary.uid(3843) == "Czz000000000" && FlowSummary.uid(3844) == "C00100000000")
        for code: UInt64 in [1, 61, 238_327, 0x0123_4567_89AB_CDEF, UInt64.max, UInt64.max / 3] {
            #expect(FlowSummary.uid(code) == base62(code), "uid of \(code)")
        }
    }
}

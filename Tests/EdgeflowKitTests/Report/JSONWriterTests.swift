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
}

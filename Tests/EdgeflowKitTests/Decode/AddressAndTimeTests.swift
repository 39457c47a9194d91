import Testing
@testable import EdgeflowKit

@Suite("Addresses and times")
struct AddressAndTimeTests {
    // RFC 5952 §4: recommended text forms.
    @Test("IPv6 text follows RFC 5952", arguments: [
        ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:DB8::AAAA", "2001:db8::aaaa"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("::", "::"),
        ("fe80::21a:a0ff:fe07:32e0", "fe80::21a:a0ff:fe07:32e0"),
        ("2603:1063::", "2603:1063::"),
    ])
    func rfc5952(input: String, expected: String) throws {
        let a = try #require(IPAddress(input))
        #expect(a.text == expected)
    }

    @Test("IPv4 text round-trips; bad text is refused")
    func ipv4() {
        #expect(IPAddress("52.112.0.1")?.text == "52.112.0.1")
        #expect(IPAddress(ipv4: 0x3470_0001).text == "52.112.0.1")
        #expect(IPAddress("256.1.1.1") == nil)
        #expect(IPAddress("1.2.3") == nil)
        #expect(IPAddress("1:2:3") == nil)
        #expect(IPAddress("1::2::3") == nil)
    }

    // An IPv4 address is hashed as one word, any other as two: addresses whose words a
    // one-word mix (hi ^ lo, or the low word alone) would merge must still hash apart, and
    // equal addresses read two ways alike.
    @Test("Distinct addresses hash apart, equal ones alike")
    func hashing() throws {
        let v4 = IPAddress(ipv4: 0x0A00_0001)
        let others = [IPAddress(hi: 0x0000_FFFF_0A00_0001, lo: 0), IPAddress(hi: 1, lo: v4.lo), IPAddress(hi: v4.lo, lo: v4.lo),
                      IPAddress(hi: 0, lo: 0x0A00_0001), try #require(IPAddress("::ffff:10.0.0.2"))]
        #expect(Set(([v4] + others).map(\.hashValue)).count == 6)
        #expect(try #require(IPAddress("::ffff:10.0.0.1")).hashValue == v4.hashValue)
        #expect(try #require(IPAddress("10.0.0.1")).hashValue == v4.hashValue)
        // Endpoints: an IPv4 address and port in one word, another address (high word zero,
        // low word 2^48 or more) with its port in three.
        let ends = [Call.Endpoint(ip: v4, port: 1), Call.Endpoint(ip: v4, port: 2),
                    Call.Endpoint(ip: IPAddress(ipv4: 0x0A00_0002), port: 1),
                    Call.Endpoint(ip: IPAddress(hi: 0, lo: 0x0001_0000_0000_0001), port: 1),
                    Call.Endpoint(ip: IPAddress(hi: 0, lo: 0xFFFF_0A00_0001_0001), port: 0)]
        #expect(Set(ends.map(\.hashValue)).count == 5)
        #expect(Call.Endpoint(ip: try #require(IPAddress("10.0.0.1")), port: 1).hashValue == ends[0].hashValue)
    }

    // Values from `date -u -d @SECONDS +%Y-%m-%dT%H:%M:%S`.
    @Test("ISO-8601 UTC with microseconds", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000Z"),
        (Int64(1_700_000_000_123_456_789), "2023-11-14T22:13:20.123456Z"),
        (Int64(951_782_400) * 1_000_000_000, "2000-02-29T00:00:00.000000Z"),
        (Int64(3_867_576_602_251_758_000), "2092-07-22T14:50:02.251758Z"),
        (Int64(-1_000), "1969-12-31T23:59:59.999999Z"),
        // The ends of the Int64 range (`date -u -d @9223372036` and `@-9223372037`).
        (Int64.max, "2262-04-11T23:47:16.854775Z"),
        (Int64.min, "1677-09-21T00:12:43.145224Z"),
    ])
    func iso(ns: Int64, expected: String) {
        #expect(TimeFormat.iso8601(ns) == expected)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import EdgeflowKit

/// Address and prefix text read as bytes, checked against the C library's `inet_pton(3)`.
@Suite("Address text")
struct AddressTextTests {
    /// What glibc's inet_pton makes of `text` (IPv6 if it has a colon, else IPv4), as an `IPAddress`.
    static func oracle(_ text: String) -> IPAddress? {
        var out = [UInt8](repeating: 0, count: 16)
        let v6 = text.contains(":")
        guard inet_pton(v6 ? AF_INET6 : AF_INET, text, &out) == 1 else { return nil }
        if !v6 { return IPAddress(ipv4: UInt32(out[0]) << 24 | UInt32(out[1]) << 16 | UInt32(out[2]) << 8 | UInt32(out[3])) }
        let hi = out[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let lo = out[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return IPAddress(hi: hi, lo: lo)
    }

    /// Dotted fields with a leading zero ("01"), which edgeflow reads as decimal and inet_pton refuses.
    static func hasLeadingZeroField(_ text: String) -> Bool {
        let tail = text.split(separator: ":", omittingEmptySubsequences: false).last ?? ""
        guard tail.contains(".") else { return false }
        return tail.split(separator: ".", omittingEmptySubsequences: false).contains { $0.count > 1 && $0.first == "0" }
    }

    /// An address drawn at random, written in one of the forms RFC 4291 §2.2 allows.
    static func text(_ rng: inout SplitMix64) -> String {
        if rng.next() % 3 == 0 {
            return (0..<4).map { _ in String(rng.next() % 256) }.joined(separator: ".")
        }
        // Runs of zero groups make the "::" forms likely.
        var groups = (0..<8).map { _ in rng.next() % 3 == 0 ? 0 : UInt16(truncatingIfNeeded: rng.next() >> UInt64(rng.next() % 16)) }
        let embedV4 = rng.next() % 4 == 0
        if embedV4 { groups[5] = 0xFFFF; groups[0...4] = [0, 0, 0, 0, 0] }
        let upper = rng.next() % 4 == 0, padded = rng.next() % 4 == 0
        var fields = groups.map { g -> String in
            let s = String(g, radix: 16, uppercase: upper)
            return padded ? String(repeating: "0", count: 4 - s.count) + s : s
        }
        if embedV4 {
            fields.removeLast(2)
            fields.append("\(groups[6] >> 8).\(groups[6] & 0xFF).\(groups[7] >> 8).\(groups[7] & 0xFF)")
        }
        // Compress one run of fields, at a random place, of any length (even a nonzero run: invalid text).
        if rng.next() % 2 == 0 {
            let start = Int(rng.next() % UInt64(fields.count))
            let length = 1 + Int(rng.next() % UInt64(fields.count - start))
            let head = fields[..<start].joined(separator: ":"), tail = fields[(start + length)...].joined(separator: ":")
            return head + "::" + tail
        }
        return fields.joined(separator: ":")
    }

    /// `text` with one change: a character dropped, or one of ":", ".", "g", "/" put in.
    static func mutated(_ text: String, _ rng: inout SplitMix64) -> String {
        var chars = Array(text)
        let at = Int(rng.next() % UInt64(chars.count + 1))
        if rng.next() % 2 == 0, at < chars.count {
            chars.remove(at: at)
        } else {
            chars.insert([":", ".", "g", "/"][Int(rng.next() % 4)], at: at)
        }
        return String(chars)
    }

    @Test("20,000 address texts and their mutants parse as inet_pton parses them")
    func againstInetPton() {
        var rng = SplitMix64(seed: 0xADD2E55)
        var accepted = 0, refused = 0
        for _ in 0..<10_000 {
            let valid = Self.text(&rng)
            for text in [valid, Self.mutated(valid, &rng)] where !Self.hasLeadingZeroField(text) {
                let expected = Self.oracle(text)
                #expect(IPAddress(text) == expected, "\(text)")
                if expected == nil { refused += 1 } else { accepted += 1 }
            }
        }
        // Both kinds must be well represented for the comparison to mean anything.
        #expect(accepted > 5_000 && refused > 3_000, "accepted \(accepted), refused \(refused)")
    }

    @Test("forms inet_pton refuses that edgeflow reads, and forms both refuse")
    func edges() {
        // A dotted field with a leading zero is read as decimal, as before (inet_pton refuses it).
        #expect(IPAddress("010.1.1.1") == IPAddress(ipv4: 0x0A01_0101))
        for text in ["+1.2.3.4", "1.2.3.4::", "::1.2.3.4:5", "1:2:3:4:5:6:7:8:9", "1:2:3:4::5:6:7:8", "", ":", ":::", "1::2::3", "12345::"] {
            #expect(IPAddress(text) == nil, "\(text)")
            #expect(Self.oracle(text) == nil, "\(text)")
        }
    }

    @Test("prefixes: lengths per family, masking, and bad lengths")
    func prefixes() {
        #expect(Prefix("52.112.0.0/14")?.description == "52.112.0.0/14")
        #expect(Prefix("52.113.255.1/14") == Prefix("52.112.0.0/14"))
        #expect(Prefix("2603:1063::/38")?.description == "2603:1063::/38")
        #expect(Prefix("52.112.0.1")?.bits == 128)
        #expect(Prefix("::ffff:52.112.0.1/128")?.bits == 128)
        for text in ["52.112.0.0/33", "2603:1063::/129", "52.112.0.0/", "52.112.0.0/1x", "52.112.0.0/0014", "/14", "52.112.0/14"] {
            #expect(Prefix(text) == nil, "\(text)")
        }
    }
}

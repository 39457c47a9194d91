import Testing
@testable import EdgeflowKit

@Suite("Flow keys: packed fields and the table's hash")
struct FlowKeyTests {
    let a = IPAddress("203.0.113.10")!
    let b = IPAddress("52.112.1.5")!

    @Test("each packed field set on its own reads back and leaves the others as they were")
    func setters() {
        var k = FlowKey(a: a, b: b, aPort: 50001, bPort: 5061, proto: 6, ipVersion: 4)
        k.aPort = 443
        #expect(k == FlowKey(a: a, b: b, aPort: 443, bPort: 5061, proto: 6, ipVersion: 4))
        k.bPort = 65535
        #expect(k == FlowKey(a: a, b: b, aPort: 443, bPort: 65535, proto: 6, ipVersion: 4))
        k.proto = 17
        #expect(k == FlowKey(a: a, b: b, aPort: 443, bPort: 65535, proto: 17, ipVersion: 4))
        k.ipVersion = 6
        #expect(k == FlowKey(a: a, b: b, aPort: 443, bPort: 65535, proto: 17, ipVersion: 6))
        #expect((k.aPort, k.bPort, k.proto, k.ipVersion) == (443, 65535, 17, 6))
    }

    @Test("keys that share one end and their ports still differ in the table's hash by the other end")
    func otherEndCounts() {
        // 4,096 sources to one A/V Edge port: every 64-bit hash distinct, and their slots of a
        // 65,536-slot table spread as random ones would (about 3,970 distinct; far fewer would mean
        // the shared end decides the slot).
        var hashes = Set<UInt64>()
        var slots = Set<UInt64>()
        for i in 0..<4096 {
            let k = FlowKey(a: IPAddress(ipv4: 0x0A00_0000 | UInt32(i)), b: b, aPort: 3478, bPort: 3478, proto: 17, ipVersion: 4)
            let h = k.tableHash(FlowKey.TableSecret(seed: 0x5EED))
            hashes.insert(h)
            slots.insert(h & 0xFFFF)
        }
        #expect(hashes.count == 4096)
        #expect(slots.count > 3800)
    }

    @Test("the table's secret words are SplitMix64's outputs with the top bit set, and the hash takes them as documented")
    func knownAnswers() {
        // SplitMix64 from seed 0 begins 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F,
        // 0xF88BB8A8724C81EC (Vigna's reference generator); the next two and both hashes were computed
        // apart from this code, in Python, from FlowKey's doc comments: an IPv4 key is one fold of
        // (a ^ w0) × (b ^ proto << 48 ^ w1) with each end as address << 16 | port; any other key folds
        // each end's two words, then both with the ports, protocol and version.
        let s = FlowKey.TableSecret(seed: 0)
        #expect([s.w0, s.w1, s.w2, s.w3, s.w4, s.w5] == [0xE220_A839_7B1D_CDAF, 0xEE78_9E6A_A1B9_65F4, 0x86C4_5D18_8009_454F,
                                                          0xF88B_B8A8_724C_81EC, 0x9B39_896A_51A8_749B, 0xD3CB_9F0C_747E_A2EA])
        // 203.0.113.10:50001 -> 52.112.1.5:5061 over TCP; 52.112.1.5 is the smaller end, so it is `a`.
        var d = DecodedPacket()
        d.kind = .transport
        d.ipVersion = 4
        d.proto = IPProtocol.tcp
        d.src = a
        d.dst = b
        d.srcPort = 50001
        d.dstPort = 5061
        let (v4, sourceIsA) = FlowKey.of(d)
        #expect(!sourceIsA)
        #expect(v4.tableHash(s) == 0x61EB_D649_1F35_97A4)
        let v6 = FlowKey(a: IPAddress("2001:db8::1")!, b: IPAddress("2001:db8::2")!, aPort: 3478, bPort: 50000, proto: IPProtocol.udp, ipVersion: 6)
        #expect(v6.tableHash(s) == 0x2762_CBC2_8F5F_FEDD)
    }

    @Test("an IPv4 key's hash from its ends' words, as a plain datagram's path takes it, is the key's, and the words' order is the key's")
    func ipv4Words() {
        // Tuples with equal addresses, equal ports and both, each end first.
        var tuples: [(UInt32, UInt16, UInt32, UInt16)] = [(0x0A00_0001, 5000, 0x0A00_0001, 5000), (0x0A00_0001, 5001, 0x0A00_0001, 5000),
                                                          (0xFFFF_FFFF, 0, 0, 65535), (0, 0, 0, 0)]
        var g = SplitMix64(seed: 0x4A5)
        for _ in 0..<2000 {
            tuples.append((UInt32.random(in: 0...3, using: &g) | 0x3400_0000, UInt16.random(in: 3478...3481, using: &g),
                           UInt32.random(in: 0...3, using: &g) | 0x3400_0000, UInt16.random(in: 3478...3481, using: &g)))
        }
        for (src, sp, dst, dp) in tuples {
            var d = DecodedPacket()
            d.kind = .transport
            d.ipVersion = 4
            d.proto = IPProtocol.udp
            d.src = IPAddress(ipv4: src)
            d.dst = IPAddress(ipv4: dst)
            d.srcPort = sp
            d.dstPort = dp
            let (key, sourceIsA) = FlowKey.of(d)
            let s = UInt64(src) << 16 | UInt64(sp), t = UInt64(dst) << 16 | UInt64(dp)
            #expect(sourceIsA == (s <= t))
            for seed: UInt64 in [0x5EED, 0x5EED_F10E_ED6E_F10F] {
                let secret = FlowKey.TableSecret(seed: seed)
                #expect(key.tableHash(secret) == FlowKey.ipv4TableHash(a: min(s, t), b: max(s, t), proto: IPProtocol.udp, secret))
            }
        }
    }
}

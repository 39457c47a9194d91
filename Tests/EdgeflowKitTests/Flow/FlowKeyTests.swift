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
            let h = k.tableHash(seed: 0x5EED)
            hashes.insert(h)
            slots.insert(h & 0xFFFF)
        }
        #expect(hashes.count == 4096)
        #expect(slots.count > 3800)
    }
}

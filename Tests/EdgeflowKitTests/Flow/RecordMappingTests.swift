import Foundation
import Testing
@testable import EdgeflowKit

/// The flow table's records are a mapping of their own (`RecordMapping`), resized as the table
/// doubles: in place or moved whole, never through malloc.
@Suite("Flow table records' mapping")
struct RecordMappingTests {
    private static func key(_ n: UInt32) -> FlowKey {
        FlowKey(a: IPAddress(ipv4: 0x0A00_0000 | n), b: IPAddress(ipv4: 0xC0A8_0001), aPort: 50_000, bPort: 3478, proto: 17, ipVersion: 4)
    }

    @Test("100,000 flows through 13 doublings of the records (16 to 131,072): the first record on a page, each 168 bytes after the one before, each found with its own values")
    func contiguous() {
        var t = FlowTable(capacity: 16)
        for n in 0..<UInt32(100_000) {
            var r = FlowRecord(key: Self.key(n), sequence: Int(n), originatorIsA: n & 1 == 0, timestamp: Int64(n) * 1_000)
            r.respBytes = Int(n) * 3
            _ = t.insert(r, hash: t.hash(r.key))
        }
        var wrongStride = 0, wrong = 0
        let first = withUnsafeMutablePointer(to: &t[0]) { Int(bitPattern: $0) }
        var previous = first
        for i in 1..<t.count {
            let address = withUnsafeMutablePointer(to: &t[i]) { Int(bitPattern: $0) }
            if address - previous != 168 { wrongStride += 1 }
            previous = address
        }
        for n in 0..<UInt32(100_000) {
            guard let i = t.find(Self.key(n), hash: t.hash(Self.key(n))) else { wrong += 1; continue }
            let r = t[i]
            if r.sequence != Int(n) || r.originatorIsA != (n & 1 == 0) || r.firstTimestamp != Int64(n) * 1_000 || r.respBytes != Int(n) * 3 { wrong += 1 }
        }
        #expect(first % PageAdvice.pageSize == 0)
        #expect(t.count == 100_000 && wrongStride == 0 && wrong == 0)
    }

    @Test("a mapping for 16 records grown to 1,024, 65,536 and 262,144: starts on a page, keeps the records' bytes, zeros past them")
    func growth() throws {
        var records = try #require(RecordMapping.make(16))
        var capacity = 16
        let words = { (count: Int) in count * MemoryLayout<FlowRecord>.stride / 8 }
        UnsafeMutableRawPointer(records).withMemoryRebound(to: UInt64.self, capacity: words(16)) { w in
            for i in 0..<words(16) { w[i] = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 | 1 }
        }
        var kept = true, zeros = true, onPages = true
        for next in [1_024, 65_536, 262_144] {
            records = try #require(RecordMapping.grow(records, from: capacity, to: next))
            UnsafeMutableRawPointer(records).withMemoryRebound(to: UInt64.self, capacity: words(next)) { w in
                kept = kept && (0..<words(16)).allSatisfy { w[$0] == UInt64($0) &* 0x9E37_79B9_7F4A_7C15 | 1 }
                zeros = zeros && (words(capacity)..<words(next)).allSatisfy { w[$0] == 0 }
            }
            onPages = onPages && Int(bitPattern: records) % PageAdvice.pageSize == 0
            capacity = next
        }
        RecordMapping.unmap(records, capacity)
        #expect(kept && zeros && onPages)
    }
}

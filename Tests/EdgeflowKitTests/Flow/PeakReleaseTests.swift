import Foundation
import Testing
@testable import EdgeflowKit

/// After a peak of flows has passed, a sweep gives the pages of the flow table's records and
/// slots, and of the inspection slab, back to the system (`FlowTable.trim`,
/// `InspectionSlab.trim`): resident memory measured by the kernel (`/proc/self/statm`) in a
/// forked child, so that no other test's memory moves it.
@Suite("Memory after a peak of flows", .serialized)
struct PeakReleaseTests {
    private static func key(_ n: UInt32) -> FlowKey {
        FlowKey(a: IPAddress(ipv4: 0x0A00_0000 | n), b: IPAddress(ipv4: 0xC0A8_0001), aPort: 50_000, bPort: 3478, proto: 17, ipVersion: 4)
    }

    /// The child's resident bytes at each `mark`, written to standard error as one line, then exit 0.
    private static func report(_ marks: [Int]) -> Never {
        let line = marks.map(String.init).joined(separator: " ") + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        _exit(0)
    }

    private static func marks(_ ending: ChildEnding) -> [Int] {
        ending.stderr.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
    }

    @Test("400,000 flows down to 1,000: trim gives back the records' and slots' pages (at least 70 MiB resident), the table still finds its flows and grows again")
    func table() {
        let ending = inForkedChild {
            var t = FlowTable(capacity: 16)
            for n in 0..<UInt32(400_000) { _ = t.insert(FlowRecord(key: Self.key(n), hash: t.hash(Self.key(n)), sequence: Int(n), originatorIsA: true, timestamp: 0)) }
            while t.count > 1000 { _ = t.remove(at: t.count - 1) }
            let before = statmBytes(1)
            t.trim()
            let after = statmBytes(1)
            let again = t.trim()   // nothing more to give: a steady table neither shrinks nor regrows
            var found = 0
            for n in 0..<UInt32(1000) where t.find(Self.key(n), hash: t.hash(Self.key(n))).map({ t[$0].sequence == Int(n) }) == true { found += 1 }
            for n in 1000..<UInt32(300_000) { _ = t.insert(FlowRecord(key: Self.key(n), hash: t.hash(Self.key(n)), sequence: Int(n), originatorIsA: true, timestamp: 0)) }
            for n in 0..<UInt32(300_000) where t.find(Self.key(n), hash: t.hash(Self.key(n))).map({ t[$0].sequence == Int(n) }) == true { found += 1 }
            Self.report([before, after, again, found])
        }
        #expect(ending.exitStatus == 0, "\(ending)")
        let m = Self.marks(ending)
        #expect(m.count == 4, "\(ending.stderr)")
        guard m.count == 4 else { return }
        // 400,000 records of 200 bytes (80 MB) and 1,048,576 slots (8 MiB) before; 8,192 records and 65,536 slots kept.
        #expect(m[0] - m[1] >= 70 << 20, "resident \(m[0]) -> \(m[1]) bytes")
        #expect(m[2] == 0)
        #expect(m[3] == 1000 + 300_000)
    }

    @Test("100,000 inspections down to the first 100: trim gives back the slab's pages (at least 35 MiB resident)")
    func slabResident() {
        let ending = inForkedChild {
            var slab = InspectionSlab(capacity: 100_000)
            for _ in 0..<100_000 { _ = slab.add() }
            for s in stride(from: Int32(99_999), through: 100, by: -1) { _ = slab.remove(s).end() }
            let before = statmBytes(1)
            slab.trim()
            Self.report([before, statmBytes(1), slab.count])
        }
        #expect(ending.exitStatus == 0, "\(ending)")
        let m = Self.marks(ending)
        #expect(m.count == 3, "\(ending.stderr)")
        guard m.count == 3 else { return }
        // 100,000 inspections of 416 bytes (41.6 MB) and their TCP streams, of which 100 stay.
        #expect(m[0] - m[1] >= 35 << 20, "resident \(m[0]) -> \(m[1]) bytes")
        #expect(m[2] == 100)
    }

    @Test("after a trim the lowest free slots are handed out first, the slots above the highest live one are given up, and a second trim does nothing")
    func slabOrder() {
        var slab = InspectionSlab(capacity: 20_000)
        for _ in 0..<20_000 { _ = slab.add() }
        // Free everything but slots 0..<50 and 15,000, the highest slots last (so they would be reused first).
        for s in Int32(50)..<20_000 where s != 15_000 { _ = slab.remove(s).end() }
        let given = slab.trim()
        let live = slab.count
        let again = slab.trim()
        let (first, second) = (slab.add(), slab.add())
        #expect(given > 0)
        #expect(live == 51)
        #expect(again == 0)
        #expect(first == 50 && second == 51)
        // Slots above 15,000 were given up and are made again, initialised, once the lower ones are taken.
        for _ in 52..<15_000 { _ = slab.add() }
        let next = slab.add()
        let (count, full) = (slab.count, slab.isFull)
        #expect(next == 15_001)
        #expect(count == 15_002 && !full)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// After a peak of flows has passed, a sweep gives the pages of the flow table's records and
/// slots, and of the inspection slab, back to the system (`FlowTable.trim`,
/// `InspectionSlab.trim`): resident memory measured by the kernel (`/proc/self/statm`) in a
/// forked child with transparent huge pages off (`inMeasuringChild`), so that no other test's
/// memory moves it.
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

    @Test("400,000 flows down to 1,000: trim gives back the records' and slots' pages (at least 64 MiB resident), the table still finds its flows and grows again")
    func table() {
        let ending = inMeasuringChild {
            var t = FlowTable(capacity: 16)
            for n in 0..<UInt32(400_000) { _ = t.insert(FlowRecord(key: Self.key(n), sequence: Int(n), originatorIsA: true, timestamp: 0), hash: t.hash(Self.key(n))) }
            while t.count > 1000 { _ = t.remove(at: t.count - 1) }
            let before = statmBytes(1)
            t.trim()
            let after = statmBytes(1)
            let again = t.trim()   // nothing more to give: a steady table neither shrinks nor regrows
            var found = 0
            for n in 0..<UInt32(1000) where t.find(Self.key(n), hash: t.hash(Self.key(n))).map({ t[$0].sequence == Int(n) }) == true { found += 1 }
            for n in 1000..<UInt32(300_000) { _ = t.insert(FlowRecord(key: Self.key(n), sequence: Int(n), originatorIsA: true, timestamp: 0), hash: t.hash(Self.key(n))) }
            for n in 0..<UInt32(300_000) where t.find(Self.key(n), hash: t.hash(Self.key(n))).map({ t[$0].sequence == Int(n) }) == true { found += 1 }
            Self.report([before, after, again, found])
        }
        #expect(ending.exitStatus == 0, "\(ending)")
        let m = Self.marks(ending)
        #expect(m.count == 4, "\(ending.stderr)")
        guard m.count == 4 else { return }
        // 400,000 records of 168 bytes (67 MB) and 1,048,576 slots (8 MiB) before; 8,192 records and 65,536 slots
        // kept: 73.9 MB given back.
        #expect(m[0] - m[1] >= 64 << 20, "resident \(m[0]) -> \(m[1]) bytes")
        #expect(m[2] == 0)
        #expect(m[3] == 1000 + 300_000)
    }

    @Test("400,000 flows: resident memory grows by their records and 1,048,576 slots (8 MiB), no earlier slot arrays; removeAll gives the slots back and keeps the records; the table fills again")
    func removeAllSlots() {
        // The records are a mapping of their own (`RecordMapping`), resized in place: no array of
        // theirs is left in malloc's heap, whatever its mmap threshold.
        let ending = inMeasuringChild {
            var t = FlowTable(capacity: 16)
            let start = statmBytes(1)
            for n in 0..<UInt32(400_000) { _ = t.insert(FlowRecord(key: Self.key(n), sequence: Int(n), originatorIsA: true, timestamp: 0), hash: t.hash(Self.key(n))) }
            let peak = statmBytes(1)
            t.removeAll()
            let after = statmBytes(1)
            var found = 0
            for n in 0..<UInt32(1000) { _ = t.insert(FlowRecord(key: Self.key(n), sequence: Int(n), originatorIsA: true, timestamp: 0), hash: t.hash(Self.key(n))) }
            for n in 0..<UInt32(1000) where t.find(Self.key(n), hash: t.hash(Self.key(n))).map({ t[$0].sequence == Int(n) }) == true { found += 1 }
            Self.report([start, peak, after, found])
        }
        #expect(ending.exitStatus == 0, "\(ending)")
        let m = Self.marks(ending)
        #expect(m.count == 4, "\(ending.stderr)")
        guard m.count == 4 else { return }
        // Records are made present 8,192 at a time: 401,408 of them; 8 MiB of slots; 3 MiB for the
        // rest. The earlier slots, had they stayed, would be 8 MiB more.
        let records = 401_408 * MemoryLayout<FlowRecord>.stride
        #expect(m[1] - m[0] <= records + (11 << 20), "resident \(m[0]) -> \(m[1]) bytes")
        #expect(m[1] - m[2] >= (8 << 20) - (64 << 10), "resident \(m[1]) -> \(m[2]) bytes")
        #expect(m[1] - m[2] < 9 << 20, "the records stay: \(m[1]) -> \(m[2]) bytes")
        #expect(m[3] == 1000)
    }

    @Test("100,000 inspections down to the first 100: the compaction gives back the slab's pages (at least 35 MiB resident)")
    func slabResident() {
        let ending = inMeasuringChild {
            var slab = InspectionSlab(capacity: 100_000)
            for _ in 0..<100_000 { _ = slab.add() }
            for s in stride(from: Int32(99_999), through: 100, by: -1) { _ = slab.remove(s).end() }
            let before = statmBytes(1)
            let (sparse, targets) = (slab.isSparse, slab.freeSlotsBelowLive().count)
            slab.finishCompaction()
            Self.report([before, statmBytes(1), slab.count, sparse ? 1 : 0, targets])
        }
        #expect(ending.exitStatus == 0, "\(ending)")
        let m = Self.marks(ending)
        #expect(m.count == 5, "\(ending.stderr)")
        guard m.count == 5 else { return }
        // 100,000 inspections of 416 bytes (41.6 MB) and their TCP streams, of which 100 stay, in the lowest slots.
        #expect(m[0] - m[1] >= 35 << 20, "resident \(m[0]) -> \(m[1]) bytes")
        #expect(m[2] == 100 && m[3] == 1 && m[4] == 0)
    }

    @Test("a live inspection in a high slot moves, with its state and streams, into the lowest free slot; the slots above are given up")
    func slabMove() {
        var slab = InspectionSlab(capacity: 20_000)
        for _ in 0..<20_000 { _ = slab.add() }
        slab[15_000].pointee.state = .dns(nil)
        slab.streams(15_000).pointee.made = 3
        for s in Int32(50)..<20_000 where s != 15_000 { _ = slab.remove(s).end() }
        let sparse = slab.isSparse
        let targets = slab.freeSlotsBelowLive()
        slab.move(15_000, to: 50)
        let given = slab.finishCompaction()
        var moved = false
        if case .dns(nil) = slab[50].pointee.state { moved = true }
        let made = slab.streams(50).pointee.made
        let (live, stillSparse, next) = (slab.count, slab.isSparse, slab.add())
        #expect(sparse && targets == [50])
        #expect(moved && made == 3)
        // Slots 51..<20,000 given up: 19,949 inspections' and streams' whole pages.
        #expect(given >= 19_949 * MemoryLayout<FlowInspection>.stride - 2 * PageAdvice.pageSize)
        #expect(live == 51 && !stillSparse && next == 51)
    }

    @Test("the ended flows' buffer, drained after a sweep that ended 20,000 flows at once, keeps no room for 20,000; after 1,000 it keeps its room")
    func endedBuffer() {
        var tracker = FlowTracker(settings: FlowSettings(), dns: DNSBook())
        func end(_ n: Int) {
            for k in 0..<n {
                tracker.ended.append(EndedFlow(record: FlowRecord(key: Self.key(UInt32(k)), sequence: k, originatorIsA: true, timestamp: 0),
                                               reason: .idle, inspection: nil))
            }
        }
        end(20_000)
        // Room for at least the 20,000 (a capacity is never below its count, so not checked),
        // beyond `endedKept`: the bound after the drain (below) is a trim.
        #expect(FlowTracker.endedKept < 20_000)
        tracker.drainedEnded()
        let afterBurst = tracker.ended.capacity
        end(1_000)
        let steady = tracker.ended.capacity
        tracker.drainedEnded()
        let afterSteady = tracker.ended.capacity
        // 20,000 ended flows of about 260 bytes: 5 MB that a days-long run would keep.
        #expect(afterBurst < 2_048)
        #expect(afterSteady == steady && tracker.ended.isEmpty)
    }

    @Test("a live run's replay of 20,000 flows ended on one socket while the other lags hands the engine those up to the time both reached, then keeps no room for 20,000 events")
    func liveReplayRoom() {
        func ended(_ k: Int, at index: Int) -> ShardEvent {
            ShardEvent(index: index, rank: 0, sequence: k, ordinal: 0,
                       payload: .ended(EndedFlow(record: FlowRecord(key: Self.key(UInt32(k)), sequence: k, originatorIsA: true, timestamp: 0),
                                                 reason: .idle, inspection: nil)))
        }
        // Socket 0 ended 20,000 flows at times 1...20,000; socket 1 one flow at 30,000.
        var pending: [[ShardEvent]] = [(1...20_000).map { ended($0, at: $0) }, [ended(20_001, at: 30_000)]]
        var merged: [ShardEvent] = []
        var engine = Engine(settings: FlowSettings())
        let dns = DNSBook()
        LiveShards.replay(&pending, upTo: 20_000, merging: &merged, into: &engine, dns: dns)
        let flowsReplayed = engine.currentSummary.flows
        let (room0, waiting1, room) = (pending[0].capacity, pending[1].count, merged.capacity)
        LiveShards.replay(&pending, upTo: 30_000, merging: &merged, into: &engine, dns: dns)
        #expect(flowsReplayed == 20_000 && waiting1 == 1)
        #expect(engine.currentSummary.flows == 20_001 && pending[1].isEmpty)
        // About 240 bytes an event: 5 MB that a days-long `live --threads 2` would keep after a burst.
        #expect(room0 < 20_000 && room < 20_000)
    }

    /// STUN Binding request (or success response) with transaction `id`.
    private static func binding(_ id: UInt32, response: Bool = false) -> [UInt8] {
        Frames.be16(response ? 0x0101 : 0x0001) + Frames.be16(0) + Frames.be32(0x2112_A442) + Frames.be32(id) + Frames.be32(0) + Frames.be32(7)
    }

    @Test("a burst of 10,000 STUN flows ends while three flows that came after it go on: they are moved into the lowest slots and every message they carry after the move is counted")
    func flowsMovedAtSweep() throws {
        var records: [TestRecord] = []
        for n in 0..<10_000 {
            let src = "10.1.\(n / 250).\(n % 250 + 1)"
            records.append(TestRecord(seconds: 1000, fraction: UInt32(n), data: Frames.udp4(src, 50_000, "192.0.2.10", 3478, payload: Self.binding(UInt32(n)))))
        }
        // Three flows from t = 1001 s to 1601 s, a transaction every 60 s: 11 requests and 11 responses each.
        for k in 0..<11 {
            for f in 0..<3 {
                let id = UInt32(100_000 + k * 3 + f)
                let t = UInt32(1001 + 60 * k)
                records.append(TestRecord(seconds: t, fraction: UInt32(f), data: Frames.udp4("10.9.0.\(f + 1)", 3478, "192.0.2.20", 3478, payload: Self.binding(id))))
                records.append(TestRecord(seconds: t, fraction: UInt32(f + 10), data: Frames.udp4("192.0.2.20", 3478, "10.9.0.\(f + 1)", 3478, payload: Self.binding(id, response: true))))
            }
        }
        let path = CaptureFile.temporary(CaptureFile.pcap(records))
        defer { unlink(path) }
        let report = try analyzeJSON([path])
        let flows = try #require(report["flows"] as? [[String: Any]])
        let late = flows.filter { ($0["orig_h"] as? String)?.hasPrefix("10.9.0.") == true }
        #expect(flows.count == 10_003 && late.count == 3)
        for f in late {
            let stun = try #require(f["stun"] as? [String: Any])
            #expect(stun["messages"] as? Int == 22 && stun["requests"] as? Int == 11 && stun["success"] as? Int == 11, "\(stun)")
            #expect(stun["transactions_matched"] as? Int == 11, "\(stun)")
        }
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// The flow table's slots double in place (`FlowTable.growSlots`: entries split between their
/// home `h` and `h + old` from the tags alone) in a mapping of their own (`SlotMapping`). Keys
/// are picked by their hash under the fixed seed, so that the probe chains the split must
/// handle (wrapping around the old end, wrapping around the new end onto entries not yet
/// split) are there whatever the table does with them; the expected flows are the test's own.
@Suite("Flow table slots' growth")
struct SlotGrowthTests {
    private static func key(_ n: UInt32) -> FlowKey {
        FlowKey(a: IPAddress(ipv4: 0x0A00_0000 | n), b: IPAddress(ipv4: 0xC0A8_0001), aPort: 50_000, bPort: 3478, proto: 17, ipVersion: 4)
    }

    private static let secret = FlowKey.TableSecret(seed: FlowTable.fixedSeed)

    /// The first `count` keys whose hash's low bits under the fixed seed are `low` (mod `modulus`).
    private static func keys(_ count: Int, low: UInt64, modulus: UInt64, from start: UInt32 = 0) -> [FlowKey] {
        var found: [FlowKey] = []
        var n = start
        while found.count < count {
            let k = key(n)
            if k.tableHash(secret) % modulus == low { found.append(k) }
            n += 1
        }
        return found
    }

    /// Adds the flow of `k` with `sequence`.
    private static func add(_ k: FlowKey, _ t: inout FlowTable, _ sequence: Int) {
        _ = t.insert(FlowRecord(key: k, sequence: sequence, originatorIsA: true, timestamp: 0), hash: t.hash(k))
    }

    /// Keys of `expected` not found with their sequence.
    private static func missing(_ t: borrowing FlowTable, _ expected: [FlowKey: Int]) -> Int {
        expected.filter { k, s in t.find(k, hash: t.hash(k)).map { t[$0].sequence } != s }.count
    }

    @Test("800,000 flows through 16 doublings (32 to 2,097,152 slots, the last at three-quarters load): every one found with its record, none that was not added")
    func manyFlows() {
        var t = FlowTable(capacity: 16, seed: FlowTable.fixedSeed)
        for n in 0..<UInt32(800_000) { Self.add(Self.key(n), &t, Int(n)) }
        var found = 0
        for n in 0..<UInt32(800_000) where t.find(Self.key(n), hash: t.hash(Self.key(n))).map({ t[$0].sequence }) == Int(n) { found += 1 }
        let strangers = (800_000..<UInt32(810_000)).filter { t.find(Self.key($0), hash: t.hash(Self.key($0))) != nil }.count
        #expect(t.count == 800_000 && found == 800_000 && strangers == 0)
    }

    @Test("chains that wrap around the old end (homes 30, 31 and 0 of 32 slots) and the new end (31 becomes 63 of 64): found after the doubling, after each removal, and after three more")
    func wrappedChains() {
        var t = FlowTable(capacity: 16, seed: FlowTable.fixedSeed)
        // 32 slots, doubled at the 17th flow (half load): 2 keys homed at 30, 7 at 31 and 7 at 0
        // fill slots 30, 31 and 0 to 13; the 17th key is homed at 31 again.
        let (at30, at31, at0) = (Self.keys(2, low: 30, modulus: 32), Self.keys(8, low: 31, modulus: 32), Self.keys(7, low: 0, modulus: 32))
        // Half of those homed at 31 (and at 0) move to 63 (and 32) of 64 slots: both halves present.
        #expect(Set(at31.map { $0.tableHash(Self.secret) & 63 }) == [31, 63])
        #expect(Set(at0.map { $0.tableHash(Self.secret) & 63 }) == [0, 32])
        var expected: [FlowKey: Int] = [:]
        for (i, k) in (at30 + at31.prefix(7) + at0 + at31.suffix(1)).enumerated() {
            Self.add(k, &t, i)
            expected[k] = i
        }
        #expect(t.count == 17 && Self.missing(t, expected) == 0)
        var rng = SplitMix64(seed: 0x5107)
        var afterRemovals = 0
        for k in expected.keys.shuffled(using: &rng) {
            let removed = t.remove(at: t.find(k, hash: t.hash(k))!)
            #expect(removed.sequence == expected.removeValue(forKey: k))
            afterRemovals += Self.missing(t, expected)
        }
        #expect(t.count == 0 && afterRemovals == 0)
        // Again, then to 128, 256 and 512 slots with more keys homed at 31 and 0 (mod 32).
        let more = Self.keys(60, low: 31, modulus: 32, from: 1_000_000) + Self.keys(60, low: 0, modulus: 32, from: 1_000_000)
        for (i, k) in (at30 + at31 + at0 + more).enumerated() {
            Self.add(k, &t, 100 + i)
            expected[k] = 100 + i
        }
        #expect(t.count == 137 && Self.missing(t, expected) == 0)
    }

    @Test("3,000 keys on every 16th home, added and removed at random across doublings: the table agrees with a dictionary")
    func clusteredModel() {
        var t = FlowTable(capacity: 16, seed: FlowTable.fixedSeed)
        let pool = Self.keys(3_000, low: 15, modulus: 16)
        var rng = SplitMix64(seed: 0xC1A5)
        var expected: [FlowKey: Int] = [:]
        var live: [FlowKey] = []
        var wrong = 0
        for step in 0..<20_000 {
            if live.isEmpty || Int.random(in: 0..<4, using: &rng) != 0 {
                let k = pool[Int.random(in: 0..<pool.count, using: &rng)]
                guard expected[k] == nil else { continue }
                Self.add(k, &t, step)
                expected[k] = step
                live.append(k)
            } else {
                let k = live.remove(at: Int.random(in: 0..<live.count, using: &rng))
                if t.remove(at: t.find(k, hash: t.hash(k))!).sequence != expected.removeValue(forKey: k) { wrong += 1 }
            }
            if step % 1_000 == 0 { wrong += Self.missing(t, expected) }
        }
        #expect(t.count == expected.count && t.count > 1_500)
        #expect(wrong == 0 && Self.missing(t, expected) == 0)
    }

    #if os(Linux)
    @Test("a mapping of 262,144 slots grown to 524,288 keeps its entries, has zeros past them, starts on a huge page's boundary with huge pages asked for",
          .enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage/enabled")))
    func mapping() throws {
        let old = try #require(SlotMapping.make(262_144))
        for i in 0..<262_144 { old[i] = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 | 1 }
        let grown = try #require(SlotMapping.grow(old, from: 262_144, to: 524_288))
        defer { SlotMapping.unmap(grown, 524_288) }
        #expect((0..<262_144).allSatisfy { grown[$0] == UInt64($0) &* 0x9E37_79B9_7F4A_7C15 | 1 })
        #expect((262_144..<524_288).allSatisfy { grown[$0] == 0 })
        #expect(UInt(bitPattern: grown) % UInt(PageAdvice.hugePageSize) == 0)
        #expect(try LargePagesTests.flags(at: UnsafeMutableRawPointer(grown) + (3 << 20)).contains("hg"))
    }

    /// Whether `bytes` from `start` are all mapped (`msync` refuses a range with a hole: `ENOMEM`).
    private static func mapped(_ start: UnsafeMutablePointer<UInt64>, bytes: Int) -> Bool {
        msync(UnsafeMutableRawPointer(start), bytes, MS_ASYNC) == 0
    }

    /// `slots` of `old` grown to `new` in place of `slots`: whether the new ones are all mapped and
    /// the old first page is not.
    private static func grown(_ slots: inout UnsafeMutablePointer<UInt64>, from old: Int, to new: Int) -> Bool {
        let before = slots
        slots = SlotMapping.grow(slots, from: old, to: new)!
        return mapped(slots, bytes: new * 8) && !mapped(before, bytes: 4096)
    }

    @Test("nothing stays mapped where the slots were: grown from 4 KiB, 8 KiB, 1 MiB (copied) and 2 MiB (moved), shrunk from 4 MiB to 512 KiB, given back whole (a forked child: no other thread maps meanwhile)")
    func nothingLeftMapped() {
        _ = (PageAdvice.pageSize, PageAdvice.hugePageSize)
        // No array, generic or closure in the child: a witness table made there waited for a
        // runtime lock another thread of the runner held when it forked.
        let ending = inForkedChild {
            var slots = SlotMapping.make(16)!
            var failed: Int32 = 0
            if !Self.grown(&slots, from: 16, to: 1_024) { failed |= 1 }
            if !Self.grown(&slots, from: 1_024, to: 131_072) { failed |= 2 }
            if !Self.grown(&slots, from: 131_072, to: 262_144) { failed |= 4 }
            if !Self.grown(&slots, from: 262_144, to: 524_288) { failed |= 8 }
            if SlotMapping.shrink(slots, from: 524_288, to: 65_536) != (4 << 20) - (512 << 10) { failed |= 16 }
            if !Self.mapped(slots, bytes: 512 << 10) || Self.mapped(slots + 65_536, bytes: 4096) { failed |= 32 }
            SlotMapping.unmap(slots, 65_536)
            if Self.mapped(slots, bytes: 4096) { failed |= 64 }
            // A mark that only a child that made every check writes (a static string: no allocation).
            let done: StaticString = "checked 7\n"
            _ = write(2, done.utf8Start, done.utf8CodeUnitCount)
            _exit(failed)
        }
        // Each failed check is a bit of the exit status; the mark shows the checks ran.
        #expect(ending.exitStatus == 0 && ending.signal == nil, "\(ending)")
        #expect(ending.stderr == "checked 7\n", "\(ending)")
    }
    #endif
}

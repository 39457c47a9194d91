import Dispatch
import Testing
@testable import EdgeflowKit

/// The pools give wholly free chunks back at their table's sweeps: after a peak, a pool holds
/// what its states in use need and at most two largest chunks (4 MiB) more; at a steady level it
/// neither maps nor unmaps; blocks given back by other threads while it trims are never lost.
@Suite("State pools giving memory back")
struct StatePoolTrimTests {
    /// Ended flows' facts handed to another thread to drop.
    final class Hand: @unchecked Sendable { var facts: [InspectionFacts] = [] }

    /// A state of 200 bytes (25 words).
    struct Block { var words = InlineArray<25, UInt64>(repeating: 0) }

    /// Drops the facts `hand` holds on another thread, as the report writer does: their states
    /// go back through the pools' atomic lists.
    private func dropElsewhere(_ hand: Hand) {
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { hand.facts = [] }
        group.wait()
    }

    /// A STUN Binding request from the `i`th client to the Edge, at `seconds`.
    private func stun(_ tracker: inout FlowTracker, client i: Int, at seconds: Double, index: Int) {
        let frame = Frames.udp4("10.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)", 50000, "52.112.0.1", 3478,
                                payload: RFC5769.request)
        let d = decode(frame)
        frame.withUnsafeBytes { tracker.track(d, timestamp: Int64(seconds * 1e9), bytes: $0, index: index) }
    }

    @Test("20,000 STUN flows ended by a sweep, then 10: the next sweep leaves the STUN pool under 4 MiB more than 10 states")
    func floodThenFew() {
        var settings = FlowSettings()
        settings.udpTimeout = 10_000_000_000   // sweeps every 2.5 s
        var tracker = FlowTracker(settings: settings, dns: DNSBook())
        for i in 0..<20_000 { stun(&tracker, client: i, at: 1 + Double(i) * 1e-6, index: i + 1) }
        let pool = tracker.dispatcher.arena.stun
        let peak = pool.mappedBytes
        #expect(peak >= 20_000 * pool.stride)
        #expect(tracker.ended.isEmpty)
        // 20 s later ten new clients; the sweep at the first ends the 20,000 (idle for 19 s).
        for k in 0..<10 { stun(&tracker, client: 100_000 + k, at: 21 + Double(k) * 1e-3, index: 20_001 + k) }
        #expect(tracker.ended.count == 20_000)
        #expect(tracker.ended.allSatisfy { $0.inspection?.stun?.value.messages == 1 })
        let hand = Hand()
        hand.facts = tracker.ended.compactMap(\.inspection)
        tracker.ended.removeAll()
        dropElsewhere(hand)
        // The ten clients again, a sweep interval later: the sweep gives the flood's chunks back.
        for k in 0..<10 { stun(&tracker, client: 100_000 + k, at: 24 + Double(k) * 1e-3, index: 20_011 + k) }
        #expect(tracker.table.count == 10)
        #expect(pool.mappedBytes < (4 << 20) + 10 * pool.stride)
        #expect(pool.chunksUnmapped > 0)
        #expect(pool.inUse == 10)
        // Ten more new clients take freed blocks where the flood's were kept: no chunk is mapped.
        let mapped = pool.chunksMapped
        for k in 10..<20 { stun(&tracker, client: 100_000 + k, at: 25 + Double(k) * 1e-3, index: 20_011 + k) }
        #expect(pool.chunksMapped == mapped)
        #expect(tracker.table.count == 20)
    }

    @Test("3,000 STUN flows with 600 ending and 600 starting between sweeps: no chunk mapped or unmapped after the first")
    func steadyLevel() {
        var d = Dispatcher(capacity: 10_000, reassemblyBudget: 4096, dns: DNSBook())
        var live: [Int32] = []
        func open() {
            var slot: Int32 = -1
            let service = RFC5769.request.withUnsafeBytes { p in
                d.udp(&slot, p, kind: UDPDemux.classify(p), stunPort: true, fromOriginator: true, timestamp: 1_000)
            }
            #expect(service == .stun)
            live.append(slot)
        }
        for _ in 0..<3000 { open() }
        let pool = d.arena.stun
        let mapped = pool.chunksMapped
        for _ in 0..<50 {
            // The oldest 600 end: their blocks fill the first chunks (1 MiB), which are then wholly free.
            let hand = Hand()
            for slot in live.prefix(600) { if let facts = d.release(slot) { hand.facts.append(facts) } }
            live.removeFirst(600)
            dropElsewhere(hand)
            d.arena.trim()
            for _ in 0..<600 { open() }
        }
        #expect(pool.chunksMapped == mapped)
        #expect(pool.chunksUnmapped == 0)
        #expect(pool.inUse == 3000)
    }

    @Test("blocks given back by four threads while the owner trims are all found: none lost, none handed out twice, each writable")
    func givenBackWhileTrimming() {
        let pool = StatePool<Block>()
        let addresses = (0..<20_000).map { _ in
            let p = pool.allocate()
            p.initialize(to: Block())
            return Int(bitPattern: p)
        }
        // 64 + 128 + 256 + 512 + 1,024 + 2,048 KiB hold 19,848 blocks of 208 bytes; one 2 MiB chunk more.
        #expect(pool.mappedBytes == (64 + 128 + 256 + 512 + 1024 + 2048 + 2048) << 10)
        // The first 4,000 stay in use (in the first four chunks); the other 16,000 come back from four threads,
        // each giving back three quarters of its 4,000, waiting until the owner has trimmed, then the rest.
        let kept = Set(addresses.prefix(4000))
        let group = DispatchGroup(), threeQuarters = DispatchGroup(), go = DispatchSemaphore(value: 0)
        for k in 0..<4 {
            threeQuarters.enter()
            DispatchQueue.global().async(group: group) {
                for (n, a) in addresses[(4000 + k * 4000)..<(8000 + k * 4000)].enumerated() {
                    if n == 3000 {
                        threeQuarters.leave()
                        go.wait()
                    }
                    let p = UnsafeMutablePointer<Block>(bitPattern: a)!
                    p.deinitialize(count: 1)
                    pool.giveBack(p)
                }
            }
        }
        // 12,000 blocks on the list given back, 1,000 of each thread's still in use (in every chunk from
        // the fourth on): this trim sorts the free blocks (the spare bytes are over its threshold), finds no
        // chunk wholly free, and must count the blocks given back later as in use until it sees them.
        threeQuarters.wait()
        pool.trim()
        #expect(pool.chunksUnmapped == 0)
        for _ in 0..<4 { go.signal() }
        while group.wait(timeout: .now()) == .timedOut { pool.trim() }
        pool.trim()
        #expect(pool.inUse == 4000)
        // Which wholly free chunks went back depends on when the trims above ran (a pool sorts again
        // only once an eighth more blocks came free than at its last sort): the first four chunks hold
        // the 4,000 kept; of the 1 MiB and two 2 MiB chunks, those still mapped are told by their bytes.
        let pinned = (64 + 128 + 256 + 512) << 10
        let beyond = pool.mappedBytes - pinned
        let (twoMiB, oneMiB) = (beyond / (2 << 20), beyond % (2 << 20) / (1 << 20))
        #expect(twoMiB <= 2 && oneMiB <= 1 && beyond == twoMiB * (2 << 20) + oneMiB * (1 << 20))
        #expect(pool.chunksUnmapped == 3 - twoMiB - oneMiB)
        let capacity = [64, 128, 256, 512].reduce(0) { $0 + ($1 << 10) / pool.stride }
            + oneMiB * ((1 << 20) / pool.stride) + twoMiB * ((2 << 20) / pool.stride)
        // Every free block of the chunks still mapped comes out once before the pool maps a chunk (none
        // lost, none handed out twice), none is in use, and then the new chunk's first.
        let mapped = pool.chunksMapped
        var handed = Set<Int>()
        while pool.chunksMapped == mapped {
            let p = pool.allocate()
            p.initialize(to: Block())
            #expect(handed.insert(Int(bitPattern: p)).inserted)
            #expect(!kept.contains(Int(bitPattern: p)))
        }
        #expect(handed.count == capacity - 4000 + 1)
    }

    @Test("one block in use in every chunk: nothing is unmapped, and every free block is still handed out once")
    func pinnedChunks() {
        let pool = StatePool<Block>()
        let addresses = (0..<20_000).map { _ in Int(bitPattern: pool.allocate()) }
        let peak = pool.mappedBytes
        // Every 100th block stays: each chunk (315 blocks at least) keeps three.
        let kept = Set(addresses.enumerated().filter { $0.offset % 100 == 0 }.map(\.element))
        for a in addresses where !kept.contains(a) { pool.release(UnsafeMutablePointer(bitPattern: a)!) }
        #expect(pool.trim() == 0)
        #expect(pool.mappedBytes == peak && pool.chunksUnmapped == 0)
        let again = (0..<(20_000 - kept.count)).map { _ in Int(bitPattern: pool.allocate()) }
        #expect(Set(again).count == again.count && Set(again).isDisjoint(with: kept))
        #expect(Set(again) == Set(addresses).subtracting(kept))
        #expect(pool.mappedBytes == peak)
    }
}

import Dispatch
import Testing
@testable import EdgeflowKit

/// The protocol states' pools: blocks laid out by stride and alignment, chunks of 64 KiB doubling
/// to 2 MiB, freed blocks reused before the pool grows, on the owner's thread and from others.
@Suite("State pools")
struct StatePoolTests {
    /// Ended flows' facts handed to another thread to drop.
    final class Hand: @unchecked Sendable { var facts: [InspectionFacts] = [] }

    /// A state of 200 bytes (25 words).
    struct Block { var words = InlineArray<25, UInt64>(repeating: 0) }

    /// `count` blocks of `pool`, their addresses.
    private func allocate(_ pool: StatePool<Block>, _ count: Int) -> [Int] {
        (0..<count).map { _ in
            let p = pool.allocate()
            p.initialize(to: Block())
            return Int(bitPattern: p)
        }
    }

    @Test("a block is the value's stride rounded up to the alignment (16 at least); every block on its boundary")
    func strideAndAlignment() {
        #expect(StatePool<Block>().stride == 208)
        #expect(StatePool<UInt8>().stride == 16)
        let lines = StatePool<Block>(alignment: 64)
        #expect(lines.stride == 256)
        // 600 blocks of 256 bytes: the 64 KiB chunk's 256, then 344 of a 128 KiB one.
        let addresses = allocate(lines, 600)
        #expect(addresses.allSatisfy { $0 % 64 == 0 })
        #expect(Set(addresses).count == 600)
        #expect(lines.mappedBytes == (64 + 128) << 10)
    }

    @Test("chunks double from 64 KiB to 2 MiB, then stay at 2 MiB")
    func chunkGrowth() {
        let pool = StatePool<Block>(alignment: 64)
        _ = allocate(pool, 256)
        #expect(pool.mappedBytes == 64 << 10)
        // 4 MiB of blocks: 64 + 128 + 256 + 512 + 1,024 + 2,048 KiB hold 4,032 KiB; one 2 MiB chunk more.
        _ = allocate(pool, 16 * 1024 - 256)
        #expect(pool.mappedBytes == (64 + 128 + 256 + 512 + 1024 + 2048 + 2048) << 10)
    }

    @Test("blocks the owner frees come back, last freed first, and the pool does not grow")
    func ownerReuse() {
        let pool = StatePool<Block>()
        let first = allocate(pool, 1000)
        let mapped = pool.mappedBytes
        for a in first { pool.release(UnsafeMutablePointer(bitPattern: a)!) }
        let again = allocate(pool, 1000)
        #expect(again == first.reversed())
        #expect(pool.mappedBytes == mapped)
    }

    @Test("blocks given back by four threads at once are all reused before the pool grows")
    func givenBackFromOtherThreads() {
        let pool = StatePool<Block>()
        let first = allocate(pool, 4000)
        let mapped = pool.mappedBytes
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            for a in first[(k * 1000)..<((k + 1) * 1000)] { pool.giveBack(UnsafeMutablePointer(bitPattern: a)!) }
        }
        let again = allocate(pool, 4000)
        #expect(Set(again) == Set(first))
        #expect(pool.mappedBytes == mapped)
        // Every block given back was taken: the next is a new one, from the rest of the last chunk.
        let more = allocate(pool, 1)
        #expect(!Set(first).contains(more[0]))
    }

    @Test("a zero value's blocks read zero: new ones as the system gave them, reused ones (freed by the owner or given back) copied into")
    func zeroedBlocks() {
        let pool = StatePool<Block>()
        let zero = UnsafePointer.kept(Block())
        func isZero(_ p: UnsafeMutablePointer<Block>) -> Bool { (0..<25).allSatisfy { p.pointee.words[$0] == 0 } }
        // 700 blocks: the 64 KiB chunk's 315 and 385 of a 128 KiB one.
        var blocks = (0..<700).map { _ in pool.allocate(zeroed: zero) }
        #expect(blocks.allSatisfy(isZero))
        for (i, p) in blocks.enumerated() { p.pointee.words = InlineArray { UInt64(i * 25 + $0 + 1) } }
        for p in blocks[..<300] { pool.release(p) }
        for p in blocks[300..<600] { pool.giveBack(p) }
        let mapped = pool.mappedBytes
        blocks = (0..<600).map { _ in pool.allocate(zeroed: zero) }
        #expect(blocks.allSatisfy(isZero))
        #expect(pool.mappedBytes == mapped)
    }

    @Test("a dispatcher's STUN states, frozen and dropped on another thread as flows end, are reused: 2,000 flows in one 64 KiB chunk")
    func frozenStatesReused() {
        var d = Dispatcher(capacity: 4, reassemblyBudget: 4096, dns: DNSBook())
        let stride = d.arena.stun.stride
        #expect(stride * 2000 > 1 << 20)
        for _ in 0..<200 {
            var ended: [InspectionFacts] = []
            for _ in 0..<10 {
                var slot: Int32 = -1
                let service = RFC5769.request.withUnsafeBytes { p in
                    d.udp(&slot, p, kind: UDPDemux.classify(p), stunPort: true, fromOriginator: true, timestamp: 1_000)
                }
                #expect(service == .stun)
                if let facts = d.release(slot) { ended.append(facts) }
            }
            #expect(ended.count == 10 && ended.allSatisfy { $0.stun?.value.messages == 1 })
            // The facts are dropped by another thread: their states go back through the pool's atomic list.
            let hand = Hand()
            hand.facts = ended
            ended = []
            let group = DispatchGroup()
            DispatchQueue.global().async(group: group) { hand.facts = [] }
            group.wait()
        }
        #expect(d.arena.stun.mappedBytes == 64 << 10)
    }
}

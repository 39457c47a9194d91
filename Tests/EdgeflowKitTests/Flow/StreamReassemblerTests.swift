import Testing
@testable import EdgeflowKit

/// Adds `bytes` at `seq` and returns nothing; a small helper for literal tests.
private func add(_ r: inout StreamReassembler, _ seq: UInt32, _ bytes: [UInt8], syn: Bool = false) {
    bytes.withUnsafeBytes { r.add(seq: seq, payload: $0, syn: syn) }
}

private func contiguous(_ r: borrowing StreamReassembler) -> [UInt8] {
    r.withContiguous { Array($0) }
}

/// Drains everything readable into `out`.
private func drainAll(_ r: inout StreamReassembler, into out: inout [UInt8]) {
    let bytes = r.withContiguous { Array($0) }
    out += bytes
    r.consume(bytes.count)
}

private let abc: [UInt8] = Array("abcdefghijklmnopqrstuvwxyz".utf8)

@Suite("StreamReassembler")
struct StreamReassemblerTests {
    @Test func inOrderFromSYN() {
        var r = StreamReassembler(budget: 64)
        #expect(r.isAllocated == false)
        add(&r, 1000, [], syn: true)
        #expect(r.state == .idle)
        #expect(r.isAllocated == false)
        add(&r, 1001, Array(abc[0..<5]))
        add(&r, 1006, Array(abc[5..<10]))
        #expect(r.isAllocated == true)
        #expect(contiguous(r) == Array(abc[0..<10]))
        #expect(r.bytesDelivered == 10)
        r.consume(4)
        #expect(contiguous(r) == Array(abc[4..<10]))
        #expect(r.nextSequence == 1005)
    }

    @Test func firstSegmentWithoutSYNSetsTheStart() {
        var r = StreamReassembler()
        add(&r, 77, Array(abc[3..<6]))
        add(&r, 80, Array(abc[6..<8]))
        #expect(contiguous(r) == Array(abc[3..<8]))
        // Bytes before the first segment seen are old: dropped as duplicates.
        add(&r, 74, Array(abc[0..<3]))
        #expect(r.duplicates == 1)
        #expect(contiguous(r) == Array(abc[3..<8]))
    }

    @Test func outOfOrderIsHeldAndMerged() {
        var r = StreamReassembler(budget: 100)
        add(&r, 0, [], syn: true)
        add(&r, 11, Array(abc[10..<15]))   // hole 0..<10
        add(&r, 21, Array(abc[20..<26]))   // hole 15..<20
        #expect(contiguous(r) == [])
        #expect(r.heldRangeCount == 2)
        add(&r, 1, Array(abc[0..<10]))
        #expect(contiguous(r) == Array(abc[0..<15]))
        #expect(r.heldRangeCount == 1)
        add(&r, 16, Array(abc[15..<20]))
        #expect(contiguous(r) == abc)
        #expect(r.heldRangeCount == 0)
        #expect(r.bytesDelivered == 26)
        #expect(r.outOfOrderSegments == 2)
        #expect(r.state == .streaming)
    }

    @Test func adjacentHeldRangesMerge() {
        var r = StreamReassembler(budget: 100)
        add(&r, 0, Array(abc[0..<2]))
        add(&r, 10, Array(abc[10..<12]))
        add(&r, 12, Array(abc[12..<14]))
        add(&r, 8, Array(abc[8..<10]))
        #expect(r.heldRangeCount == 1)
        add(&r, 2, Array(abc[2..<8]))
        #expect(contiguous(r) == Array(abc[0..<14]))
    }

    @Test func duplicatesAndOverlapsKeepTheFirstCopy() {
        var r = StreamReassembler(budget: 100)
        add(&r, 0, Array(abc[0..<10]))
        add(&r, 0, Array(abc[0..<10]))                 // exact retransmission
        add(&r, 5, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + Array(abc[10..<13]))  // overlap: old part differs
        #expect(contiguous(r) == Array(abc[0..<13]))
        #expect(r.duplicates == 2)
        // Overlap with a held range: the held bytes win.
        add(&r, 20, Array(abc[20..<24]))
        add(&r, 13, Array(abc[13..<20]) + [0xEE, 0xEE] + Array(abc[22..<26]))
        #expect(contiguous(r) == abc)
        // Retransmission of consumed bytes.
        r.consume(20)
        add(&r, 0, Array(abc[0..<26]))
        #expect(contiguous(r) == Array(abc[20..<26]))
        #expect(r.bytesDelivered == 26)
    }

    @Test func missingSegmentBecomesGapWhenHeldAreaFills() {
        var r = StreamReassembler(budget: 1000)
        add(&r, 0, Array(abc[0..<2]))
        // Segment at 2..<4 never comes; 9 separate ranges after it.
        for k in 0..<StreamReassembler.maxHeldRanges {
            add(&r, UInt32(10 + 10 * k), [1, 2, 3])
        }
        #expect(r.state == .streaming)
        #expect(r.heldRangeCount == StreamReassembler.maxHeldRanges)
        add(&r, 500, [9, 9])
        #expect(r.state == .gap)
        #expect(r.gaps == 1)
        #expect(contiguous(r) == Array(abc[0..<2]))
        add(&r, 2, Array(abc[2..<4]))
        #expect(r.bytesDropped == 4)
        #expect(contiguous(r) == Array(abc[0..<2]))
    }

    @Test func openHoleAtFinishIsAGap() {
        var r = StreamReassembler(budget: 100)
        add(&r, 0, [1])
        add(&r, 5, [5])
        r.finish()
        #expect(r.state == .gap)
        #expect(r.gaps == 1)
    }

    @Test func sequenceWrapAt2To32() {
        var r = StreamReassembler(budget: 64)
        let isn: UInt32 = 0xFFFF_FFF0
        add(&r, isn, [], syn: true)
        add(&r, isn &+ 1, Array(abc[0..<10]))        // 0xFFFFFFF1 ..< 0xFFFFFFFB
        add(&r, isn &+ 21, Array(abc[20..<26]))      // wraps: 0x00000005 ...
        add(&r, isn &+ 11, Array(abc[10..<20]))      // crosses 2^32
        #expect(contiguous(r) == abc)
        r.consume(26)
        #expect(r.nextSequence == isn &+ 27)
        add(&r, isn &+ 27, [42])
        #expect(contiguous(r) == [42])
    }

    @Test func budgetExceededKeepsWhatFits() {
        var r = StreamReassembler(budget: 16)
        add(&r, 0, Array(abc[0..<10]))
        add(&r, 10, Array(abc[10..<20]))
        #expect(r.state == .budgetExceeded)
        #expect(contiguous(r) == Array(abc[0..<16]))
        #expect(r.bytesDelivered == 16)
        #expect(r.bytesDropped == 4)
        add(&r, 20, [1, 2, 3])
        #expect(r.bytesDropped == 7)
    }

    @Test func consumingMakesRoomWithinTheBudget() {
        var r = StreamReassembler(budget: 16)
        var out: [UInt8] = []
        var seq: UInt32 = 100
        for i in stride(from: 0, to: 26, by: 6) {
            let piece = Array(abc[i..<min(i + 6, 26)])
            add(&r, seq, piece)
            seq &+= UInt32(piece.count)
            // Consume only part, leaving a remainder that must be moved to the front.
            let bytes = r.withContiguous { Array($0) }
            let keep = min(3, bytes.count)
            out += bytes.dropLast(keep)
            r.consume(bytes.count - keep)
        }
        drainAll(&r, into: &out)
        #expect(out == abc)
        #expect(r.state == .streaming)
    }

    @Test func heldDataBeyondTheBudgetIsAGap() {
        var r = StreamReassembler(budget: 16)
        add(&r, 0, [1, 2])
        add(&r, 10, Array(repeating: 7, count: 10))
        #expect(r.state == .gap)
    }

    @Test func stoppedCopiesNothing() {
        var r = StreamReassembler(budget: 16)
        add(&r, 0, [1, 2, 3])
        r.stop()
        #expect(r.state == .stopped)
        #expect(r.isAllocated == false)
        add(&r, 3, Array(abc))
        #expect(r.bytesSkipped == 26)
        #expect(r.bytesDelivered == 3)
        #expect(contiguous(r) == [])
    }

    @Test(arguments: [
        "zeek-client-certificate", "zeek-tls12-handshake-failure", "pcapplusplus-tls-0", "pcapplusplus-tls-1",
        "pcapplusplus-tls-2", "suricata-der-incomplete", "edge-flow5-mtls-out", "edge-flow8-mtls-in",
        "edge-flow11-msturn-tcp", "edge-flow15-sip-tcp", "edge-flow17-tls13", "edge-flow18-expired",
        "heplify-sip-tcp", "heplify-sip-tcp-retrans",
    ])
    func deliversWhatTsharkFollows(fixture: String) {
        let expected = Fixtures.follow(fixture)
        let segments = Fixtures.segments(fixture)
        for (seed, shift) in [(UInt64(0), (UInt32(0), UInt32(0))), (1, (0x8000_0000, 0x1234_5678)), (2, (UInt32(0) &- 3000, UInt32(0) &- 700))] {
            let input = seed == 0 ? segments : resegment(segments, seed: seed, isnShift: shift)
            var o = StreamReassembler(budget: 8192)
            var r = StreamReassembler(budget: 8192)
            var gotO: [UInt8] = [], gotR: [UInt8] = []
            for seg in input {
                seg.payload.withUnsafeBytes { p in
                    if seg.direction == .orig { o.add(seq: seg.seq, payload: p, syn: seg.syn) } else { r.add(seq: seg.seq, payload: p, syn: seg.syn) }
                }
                if seg.direction == .orig { drainAll(&o, into: &gotO) } else { drainAll(&r, into: &gotR) }
            }
            #expect(gotO == expected.orig, "orig, seed \(seed)")
            #expect(gotR == expected.resp, "resp, seed \(seed)")
            #expect(o.state != .gap && r.state != .gap)
            if seed == 0 && fixture == "heplify-sip-tcp-retrans" { #expect(r.duplicates == 1) }
        }
    }
}

/// A segment read where it is (`takesInPlace`, `addRead`) leaves the stream as `add` then
/// `consume` would: the same sequence, delivered count and leftover bytes. (`#expect` cannot
/// take a non-copyable value, so the figures are read first.)
@Suite("StreamReassembler: segments read in place")
struct StreamReassemblerInPlaceTests {
    @Test("only a segment continuing an empty, allocated, streaming buffer with room is taken in place")
    func whichSegments() {
        var r = StreamReassembler(budget: 64)
        add(&r, 1000, [], syn: true)
        // Idle, no buffer yet: the first data goes through `add`.
        let idle = r.takesInPlace(seq: 1001, syn: false, count: 4)
        add(&r, 1001, Array(abc[0..<4]))
        // Bytes are waiting: not in place.
        let waiting = r.takesInPlace(seq: 1005, syn: false, count: 4)
        r.consume(4)
        let next = r.takesInPlace(seq: 1005, syn: false, count: 4)
        let afterHole = r.takesInPlace(seq: 1006, syn: false, count: 4)
        let retransmitted = r.takesInPlace(seq: 1004, syn: false, count: 4)
        let withSYN = r.takesInPlace(seq: 1005, syn: true, count: 4)
        let empty = r.takesInPlace(seq: 1005, syn: false, count: 0)
        // The buffer is min(4096, budget) = 64 bytes: 65 would grow it (here: past the budget).
        let fits = r.takesInPlace(seq: 1005, syn: false, count: 64)
        let tooLong = r.takesInPlace(seq: 1005, syn: false, count: 65)
        #expect(!idle && !waiting && next && !afterHole && !retransmitted && !withSYN && !empty && fits && !tooLong)
        // A range held after a hole: not in place.
        add(&r, 1010, Array(abc[9..<12]))
        let held = r.heldRangeCount, behindHeld = r.takesInPlace(seq: 1005, syn: false, count: 4)
        #expect(held == 1 && !behindHeld)
    }

    @Test("what the reader left is kept and continued by the next segment")
    func leftoverKept() {
        var r = StreamReassembler(budget: 64)
        add(&r, 1000, [], syn: true)
        add(&r, 1001, Array(abc[0..<2]))
        r.consume(2)
        let segment = Array(abc[2..<12])
        let taken = r.takesInPlace(seq: 1003, syn: false, count: segment.count)
        segment.withUnsafeBytes { r.addRead($0.baseAddress, count: $0.count, consumed: 7) }
        let (delivered, at) = (r.bytesDelivered, r.nextSequence)
        #expect(taken && delivered == 12 && at == 1010)   // 1001 + 2 + 7
        #expect(contiguous(r) == Array(abc[9..<12]))
        add(&r, 1013, Array(abc[12..<15]))
        #expect(contiguous(r) == Array(abc[9..<15]))
        // All read: nothing kept, and the next segment may be read in place again.
        r.consume(6)
        let last = Array(abc[15..<20])
        let again = r.takesInPlace(seq: 1016, syn: false, count: last.count)
        last.withUnsafeBytes { r.addRead($0.baseAddress, count: $0.count, consumed: 5) }
        let (left, end, total) = (r.contiguousCount, r.nextSequence, r.bytesDelivered)
        #expect(again && left == 0 && end == 1021 && total == 20)
    }
}

/// A flow table's streams take their first 4 KiB from their slab's pool and give them back
/// there when the stream stops, grows past them or ends; the bytes they count are unchanged.
@Suite("StreamReassembler: first buffers from a pool")
struct StreamReassemblerPoolTests {
    @Test("a first buffer is a block of the pool until the stream stops, grows or ends")
    func blocksGoBack() {
        let pool = StatePool<ReassemblyBlock>(alignment: 64, kind: "test")
        let big = [UInt8](repeating: 0x41, count: 5000)
        do {
            var stopped = StreamReassembler(budget: 64 * 1024, buffers: pool)
            add(&stopped, 1001, Array(abc[0..<10]))
            let (held, counted) = (pool.inUse, stopped.allocatedBytes)
            stopped.stop()
            #expect(held == 1 && counted == 4096 && pool.inUse == 0)

            var grown = StreamReassembler(budget: 64 * 1024, buffers: pool)
            add(&grown, 1001, Array(abc[0..<10]))
            let before = pool.inUse
            // 5,010 bytes held: the buffer doubles to 8 KiB (malloc), the block goes back.
            add(&grown, 1011, big)
            let (after, counted2, bytes) = (pool.inUse, grown.allocatedBytes, grown.contiguousCount)
            #expect(before == 1 && after == 0 && counted2 == 8192 && bytes == 5010)
            #expect(contiguous(grown) == Array(abc[0..<10]) + big)
            // Stopped once grown: the 8 KiB go back to malloc, none to the pool.
            grown.stop()
            let (grownAfterStop, inUseAfterStop) = (grown.allocatedBytes, pool.inUse)
            #expect(grownAfterStop == 0 && inUseAfterStop == 0)

            // A budget below 4 KiB (the command line takes 1,024 on): no block, whose 4,096 bytes
            // would be held past the budget counted against --reassembly-memory, but malloc.
            for budget in [100, 1024] {
                var small = StreamReassembler(budget: budget, buffers: pool)
                add(&small, 1001, Array(abc[0..<10]))
                let (inSmall, countedSmall) = (pool.inUse, small.allocatedBytes)
                #expect(inSmall == 0 && countedSmall == budget)
                #expect(contiguous(small) == Array(abc[0..<10]))
            }

            var ending = StreamReassembler(budget: 64 * 1024, buffers: pool)
            add(&ending, 1001, Array(abc[0..<10]))
            #expect(pool.inUse == 1)
        }
        // The streams ended with the scope: their blocks are back.
        #expect(pool.inUse == 0)
    }
}

import Testing
@testable import EdgeflowKit

@Suite("Layout")
struct LayoutTests {
    /// Results are plain data: bitwise-copyable and of bounded size.
    @Test func sizes() {
        func isBitwiseCopyable<T: BitwiseCopyable>(_: T.Type) -> Bool { true }
        #expect(isBitwiseCopyable(STUNMessage.self) && isBitwiseCopyable(TCPPDU.self))
        #expect(MemoryLayout<STUNMessage>.size <= 1024)
        // A stream's time slices live out of line (Benchmarks/README.md: 320 bytes a stream, 2,096 an RTP flow).
        #expect(MemoryLayout<RTPStreamStats>.size <= 320 && MemoryLayout<RTPFlowStats>.size <= 2096)
    }

    /// What an RTP packet reads and writes lies in the fewest cache lines (Benchmarks/README.md,
    /// seventeenth and thirty-first sessions): a known stream's offset beside the RTP state's
    /// pointer in the inspection, the flow's stream lookup in its state's first 64 bytes, every
    /// stream on a 64-byte boundary (320 bytes each, from offset 64), a stream's per-packet fields
    /// in its first 64 bytes and in its third line, which holds the open slice's last 24 bytes
    /// and the loss pattern's first 32; the flow
    /// record's per-datagram fields, `dnsPorts` among them, in its first 128 bytes; a STUN flow's
    /// counters every message updates in its state's first 64 bytes.
    @Test func cacheLines() throws {
        #expect(MemoryLayout<RTPFlowStats>.offset(of: \RTPFlowStats.stats) == 64)
        #expect(MemoryLayout<RTPFlowStats>.offset(of: \RTPFlowStats.streams) == 56)
        #expect(MemoryLayout<RTPStreamStats>.stride == 320)
        // What a packet of a known stream reads in its stream's first line, and where the flow's
        // state keeps the known streams (before `streams`).
        let packetFields: [PartialKeyPath<RTPStreamStats>] = [\.packets, \.jitterSeconds, \.maxJitterSeconds, \.previousClockHz,
                                                              \.previousNominal, \.firstTimestamp, \.knownSSRC, \.maxSeq,
                                                              \.previousPayloadType]
        for field in packetFields { #expect(MemoryLayout<RTPStreamStats>.offset(of: field)! < 64) }
        // The stream's other line: the open slice's end, last arrival and largest gap, then the
        // loss pattern's bits, highest timestamp, spacing and packets since the last loss.
        let line = 128
        let slices = try #require(MemoryLayout<RTPStreamStats>.offset(of: \RTPStreamStats.slices))
        let pattern = try #require(MemoryLayout<RTPStreamStats>.offset(of: \RTPStreamStats.pattern))
        #expect(slices == 96 && pattern == 160)
        #expect(slices + MemoryLayout<RTPSlices>.offset(of: \RTPSlices.end)! == line + 8)
        #expect(MemoryLayout<RTPSlices>.offset(of: \RTPSlices.lastArrival)! == 48)
        #expect(MemoryLayout<RTPSlices>.offset(of: \RTPSlices.openMaxGap)! + 8 == MemoryLayout<RTPSlices>.size)
        #expect(pattern + MemoryLayout<RTPLossPattern>.offset(of: \RTPLossPattern.pkt)! + 8 == line + 64)
        // The RTP state's pointer beside the protocol enum took padding, and the known streams'
        // offsets the rest of it: an inspection is 56 bytes, as before.
        #expect(MemoryLayout<FlowInspection>.stride == 56)
        var slab = InspectionSlab(capacity: 2)
        let slot = slab.add()
        let entry = UnsafeRawPointer(slab[slot])
        let known = withUnsafeMutablePointer(to: &slab[slot].pointee.knownStreams) { UnsafeRawPointer($0) - entry }
        let rtp = withUnsafeMutablePointer(to: &slab[slot].pointee.rtpState) { UnsafeRawPointer($0) - entry }
        #expect(known + MemoryLayout<RTPKnownStreams>.size <= rtp && rtp == 40 && known >= 32)
        let history = try #require(MemoryLayout<FlowRecord>.offset(of: \FlowRecord.history))
        #expect(history + MemoryLayout<FlowHistory>.size <= 128)
        #expect(MemoryLayout<FlowRecord>.offset(of: \FlowRecord.respIPBytes)! < 128)
        #expect(MemoryLayout<FlowRecord>.offset(of: \FlowRecord.dnsPorts)! < 128)
        // The state is allocated on a cache line (`StateArena.rtp`), every block of its pool.
        let arena = StateArena()
        for _ in 0..<3 {
            let facts = InspectionFacts(states: FrozenStates(arena, rtp: HeapValue(copying: RTPFlowStats.fresh, in: arena.rtp)))
            #expect(try #require(facts.rtp).withAddress { Int(bitPattern: $0) } % 64 == 0)
        }
        // A STUN message's first reads and writes in its flow state's first line, on a cache line
        // too (`StateArena.stun`); the transactions, a key beside its time, in the next four lines
        // (a request and its response touch one of them), the counts by method and class in the
        // four after: a request touches three lines, a response those and its RTT sample's.
        let first: [PartialKeyPath<STUNFlowStats>] = [\.messages, \.matched, \.rttMin, \.rttMax, \.started, \.keysThisLap,
                                                      \.keysLastLap, \.answered, \.methodsSeen, \.msTURN]
        for field in first { #expect(MemoryLayout<STUNFlowStats>.offset(of: field)! < 64) }
        #expect(MemoryLayout<STUNFlowStats>.offset(of: \STUNFlowStats.transactions) == 64)
        #expect(MemoryLayout<STUNFlowStats>.offset(of: \STUNFlowStats.counts) == 64 + 256)
        // 1,792 bytes a state in its pool (28 lines; 1,856 before, Benchmarks/README.md,
        // thirty-second session), and a new state all zero bits: a block never handed out
        // before is not written (`StatePool.allocate(zeroed:)`).
        #expect(arena.stun.stride == 1792)
        #expect(withUnsafeBytes(of: STUNFlowStats()) { $0.allSatisfy { $0 == 0 } })
        #expect(UnsafeRawBufferPointer(start: STUNFlowStats.fresh, count: MemoryLayout<STUNFlowStats>.size).allSatisfy { $0 == 0 })
        for _ in 0..<3 {
            var slot: HeapValue<STUNFlowStats>? = nil
            let facts = InspectionFacts(states: FrozenStates(arena, stun: HeapValue.made(&slot, zeroed: STUNFlowStats.fresh, in: arena.stun)))
            #expect(try #require(facts.stun).withAddress { Int(bitPattern: $0) } % 64 == 0)
        }
    }
}

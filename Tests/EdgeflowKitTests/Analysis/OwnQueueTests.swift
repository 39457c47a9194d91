import Testing
@testable import EdgeflowKit

/// The calling thread of a sharded run tracks its own plain packets `LookupAhead.depth` own
/// packets late (`OwnQueue`), so that their lookups are prefetched; a drain tracks the rest.
@Suite("The calling thread's own packets, tracked a few packets late")
struct OwnQueueTests {
    @Test("each packet is tracked once four more have come, the rest when the queue is drained, in order")
    func tracksLate() throws {
        let frames = (0..<6).map { Frames.udp4("10.0.0.\($0 + 1)", 50_000, "52.112.0.1", 3478) }
            + [Frames.tcp4("10.0.0.9", 50_001, "52.112.0.2", 443, flags: 0x02)]
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: frames.reduce(0) { $0 + $1.count }, alignment: 8)
        defer { buffer.deallocate() }
        let places = UnsafeMutablePointer<OwnQueue.Waiting>.allocate(capacity: LookupAhead.depth)
        defer { places.deallocate() }
        let w = ShardWorker(settings: FlowSettings())
        var t = w.makeTracker()
        var counts = CaptureSummary()
        var queue = OwnQueue(places: places)
        var at = 0
        for (k, f) in frames.enumerated() {
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[at..<(at + f.count)])
            f.withUnsafeBytes { (buffer.baseAddress! + at).copyMemory(from: $0.baseAddress!, byteCount: f.count) }
            at += f.count
            let time = Int64(1_700_000_000_000_000_000) + Int64(k) * 1_000_000
            if let u = PacketDecoder.plainDatagram(bytes, linkType: .ethernet) {
                queue.add(.init(plain: .datagram(u), bytes: bytes, timestamp: time, index: k + 1),
                          ends: .init(src: u.src, srcPort: u.srcPort, dst: u.dst, dstPort: u.dstPort, proto: IPProtocol.udp), w, &counts, &t)
            } else {
                let s = try #require(PacketDecoder.plainSegment(bytes, linkType: .ethernet))
                queue.add(.init(plain: .segment(s), bytes: bytes, timestamp: time, index: k + 1),
                          ends: .init(src: s.src, srcPort: s.srcPort, dst: s.dst, dstPort: s.dstPort, proto: IPProtocol.tcp), w, &counts, &t)
            }
            // Seven flows of one packet each: packet k + 1 - 4 is the last one tracked.
            #expect(t.liveFlows == max(0, k + 1 - LookupAhead.depth), "after packet \(k + 1)")
            #expect(counts.ipPackets == t.liveFlows)
        }
        queue.drain(w, &counts, &t)
        #expect(t.liveFlows == 7 && counts.ipPackets == 7)
        // In the packets' order: each flow's first packet is its packet's time.
        let firsts = (0..<7).map { t.table[$0].firstTimestamp }
        #expect(firsts == (0..<7).map { Int64(1_700_000_000_000_000_000) + Int64($0) * 1_000_000 })
        queue.drain(w, &counts, &t)
        #expect(t.liveFlows == 7 && counts.ipPackets == 7)
    }
}

import Testing
@testable import EdgeflowKit

/// A shard hands every DNS message on to the run's one book as an event; the message is copied
/// into arenas made once (`ShardDNSCopies`), not into a new array per message.
@Suite("Shard DNS copies")
struct ShardDNSCopiesTests {
    /// Message `i` of `length` bytes: its bytes follow from `i` alone.
    private func message(_ i: Int, length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0 &* 7) }
    }

    /// The bytes of every DNS event, in order.
    private func forwarded(_ events: [ShardEvent]) -> [[UInt8]] {
        events.compactMap { e in
            if case .dns(let m, _) = e.payload { return Array(m.bytes) }
            return nil
        }
    }

    @Test("messages reach the events intact, and one arena serves once the events are replayed")
    func reuse() {
        let w = ShardWorker(settings: FlowSettings())
        var sent = 0, bytes = 0
        // 100 rounds of 50 messages of 12 to 511 bytes: about 1.3 MB in all, 19 times an arena.
        for _ in 0..<100 {
            var expected: [[UInt8]] = []
            for _ in 0..<50 {
                let m = message(sent, length: 12 + sent * 37 % 500)
                m.withUnsafeBytes { w.dns.record($0) }
                expected.append(m)
                sent += 1
                bytes += m.count
            }
            #expect(forwarded(w.takeEvents()) == expected)
        }
        #expect(bytes > 19 * ShardDNSCopies.arenaBytes)
        #expect(w.dnsArenasMade == 1)
    }

    @Test("messages whose events are not replayed yet are never written over")
    func held() {
        let w = ShardWorker(settings: FlowSettings())
        // 200 messages of 300 bytes (60,000 of an arena's 65,536), their events kept.
        var early: [[UInt8]] = []
        for i in 0..<200 {
            let m = message(i, length: 300)
            m.withUnsafeBytes { w.dns.record($0) }
            early.append(m)
        }
        let kept = w.takeEvents()
        // 20 rounds of 100 more (600,000 bytes), each round's events dropped after it.
        for r in 0..<20 {
            var expected: [[UInt8]] = []
            for i in 0..<100 {
                let m = message(1_000 + r * 100 + i, length: 300)
                m.withUnsafeBytes { w.dns.record($0) }
                expected.append(m)
            }
            #expect(forwarded(w.takeEvents()) == expected)
        }
        #expect(forwarded(kept) == early)
        // The held arena, and at most two taking turns for the rounds.
        #expect(w.dnsArenasMade >= 2 && w.dnsArenasMade <= 3)
    }

    @Test("a message larger than an arena gets one of its own")
    func large() {
        let w = ShardWorker(settings: FlowSettings())
        let big = message(7, length: ShardDNSCopies.arenaBytes + 100)
        big.withUnsafeBytes { w.dns.record($0) }
        let small = message(8, length: 40)
        small.withUnsafeBytes { w.dns.record($0) }
        #expect(forwarded(w.takeEvents()) == [big, small])
    }
}

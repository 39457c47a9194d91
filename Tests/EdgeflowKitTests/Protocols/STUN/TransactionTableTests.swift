import Testing
@testable import EdgeflowKit

/// A STUN flow's table of remembered transactions (`STUNFlowStats.record`): the filter words
/// that tell a new request from a retransmission without comparing every key, and the newest
/// request tried first for a response, against a plain model of RFC 8489 §6.2.1's rules.
@Suite("STUN transaction table")
struct TransactionTableTests {
    /// The rules as a list: the last 16 distinct request ids, oldest first; a request whose id
    /// is listed is a retransmission, a response answers a listed id once, a new id pushes the
    /// oldest out (counted if it was never answered).
    struct Model {
        var ids: [(id: UInt8, time: Int64, answered: Bool)] = []
        var matched = 0, retransmissions = 0, evicted = 0
        var rtts: [Int64] = []

        mutating func request(_ id: UInt8, at t: Int64) {
            if ids.contains(where: { $0.id == id }) { retransmissions += 1; return }
            if ids.count == 16 {
                if !ids[0].answered { evicted += 1 }
                ids.removeFirst()
            }
            ids.append((id, t, false))
        }

        mutating func response(_ id: UInt8, at t: Int64) {
            guard let i = ids.firstIndex(where: { $0.id == id }), !ids[i].answered else { return }
            ids[i].answered = true
            matched += 1
            rtts.append(max(0, t - ids[i].time))
        }

        var unanswered: Int { evicted + ids.filter { !$0.answered }.count }
    }

    /// A Binding message of class `type` whose 96-bit transaction id is `id` repeated.
    static func message(_ type: UInt16, _ id: UInt8) -> [UInt8] {
        Frames.be16(type) + Frames.be16(0) + Frames.be32(0x2112_A442) + [UInt8](repeating: id, count: 12)
    }

    /// Random runs of requests (new, retransmitted, long after) and responses (to the newest
    /// request, to older ones, twice, to ids never asked), from a pool of ids small enough
    /// that the table fills, wraps round many times and forgets ids that come back later.
    @Test(arguments: [(UInt64(1), 40), (2, 400), (3, 4_000), (4, 4_000)])
    func againstModel(seed: UInt64, messages: Int) throws {
        var rng = SplitMix64(seed: seed)
        var stats = STUNFlowStats()
        var model = Model()
        var last: UInt8 = 0
        let pool = UInt8(truncatingIfNeeded: 8 + rng.next() % 48)
        for k in 0..<messages {
            let t = Int64(k) * 1_000_000 + Int64(rng.next() % 1_000)
            let roll = rng.next() % 10
            let id: UInt8 = roll < 4 ? last : UInt8(truncatingIfNeeded: rng.next() % UInt64(pool))
            // Half of the messages requests (the last run: one in three, most responses unasked for).
            let isRequest = roll == 0 || roll >= (seed == 4 ? 8 : 5)
            let bytes = Self.message(isRequest ? 0x0001 : 0x0101, id)
            let m = try #require(stun(bytes))
            withUnsafePointer(to: m) { stats.record($0, timestamp: t, fromOriginator: isRequest) }
            if isRequest {
                model.request(id, at: t)
                last = id
            } else {
                model.response(id, at: t)
            }
            // Worked out from the table's counters (`unanswered`), before and after it wraps round.
            if stats.unanswered != model.unanswered { Issue.record("unanswered after message \(k)"); break }
        }
        #expect(stats.messages == messages)
        #expect(stats.matched == model.matched && stats.retransmissions == model.retransmissions)
        #expect(stats.unanswered == model.unanswered)
        #expect(stats.rttCount == model.rtts.count)
        if let lo = model.rtts.min(), let hi = model.rtts.max() { #expect(stats.rttMin == lo && stats.rttMax == hi) }
        let kept = stats.rtt.span
        for i in 0..<min(model.rtts.count, STUNFlowStats.rttSlots) { #expect(kept[i] == model.rtts[i], "sample \(i)") }
        // Every run both retransmits and answers; the third also pushes unanswered ids out.
        #expect(model.retransmissions > 0 && model.matched > 0)
        if seed == 3 { #expect(model.evicted > 0) }
    }

    /// The top six bits of the keys of the requests below (transaction id: byte `b` twelve
    /// times, cookie 0x2112A442), `b` = 0 to 99, worked out by a Python transcription of
    /// `STUNFlowStats.key`'s formula: `w = b * 0x01010101`, `x = (cookie << 32 | w) ^ (w << 32 | w)`,
    /// `((x * 0x9E3779B97F4A7C15) mod 2^64 | 1) >> 58`.
    static let topBits: [Int] = [61, 10, 47, 60, 3, 15, 53, 1, 51, 63, 37, 49, 57, 5, 43, 55, 8, 20, 58, 6, 14, 26, 0, 12, 62,
                                 10, 48, 60, 4, 16, 54, 2, 28, 41, 14, 27, 34, 47, 20, 33, 18, 30, 4, 16, 24, 36, 10, 22, 39, 51,
                                 25, 37, 45, 57, 31, 43, 29, 41, 15, 27, 35, 47, 21, 33, 2, 14, 52, 0, 8, 20, 58, 6, 55, 4, 41,
                                 54, 61, 10, 47, 60, 12, 25, 63, 11, 18, 31, 4, 17, 2, 14, 52, 0, 8, 20, 58, 6, 33, 45, 19, 31]

    /// `filterBit` by its doc comment's rule, on keys written by hand; and the keys of
    /// `filterHoldsThisLapAndTheLast`'s requests, whose top bits `topBits` gives.
    @Test("a key's filter bit is its top six bits")
    func filterBits() {
        #expect(STUNFlowStats.filterBit(0) == 1 && STUNFlowStats.filterBit(1) == 1)
        #expect(STUNFlowStats.filterBit(0x03FF_FFFF_FFFF_FFFF) == 1)
        #expect(STUNFlowStats.filterBit(0x0400_0000_0000_0001) == 2)
        #expect(STUNFlowStats.filterBit(0x8000_0000_0000_0001) == 1 << 32)
        #expect(STUNFlowStats.filterBit(0xFC00_0000_0000_0000) == 1 << 63 && STUNFlowStats.filterBit(.max) == 1 << 63)
        // The keys of the requests of `filterHoldsThisLapAndTheLast`, against the bits worked out apart.
        for b in 0..<100 {
            let key = STUNFlowStats.key(STUNHeader(type: 1, length: 0, cookie: 0x2112_A442,
                                                    transactionID: (UInt32(b) * 0x0101_0101, UInt32(b) * 0x0101_0101, UInt32(b) * 0x0101_0101)))
            #expect(Int(key >> 58) == Self.topBits[b], "id \(b)")
        }
    }

    /// The filter words hold the bits of the keys written since `pendingNext` last came back to
    /// 0 and of the sixteen written before them (so of every remembered key), and no other: a
    /// key's bit is its top six bits, `k` giving `1 << k` (`filterBit`'s doc comment), the
    /// expected words written from `topBits`.
    @Test func filterHoldsThisLapAndTheLast() throws {
        var stats = STUNFlowStats()
        var keys: [UInt64] = []
        // The bits written out from `topBits`: `1 << k`.
        func word(_ ids: Range<Int>) -> UInt64 { ids.reduce(0) { $0 | 1 << UInt64(Self.topBits[$1]) } }
        for k in 0..<100 {
            let m = try #require(stun(Self.message(0x0001, UInt8(k))))
            withUnsafePointer(to: m) { stats.record($0, timestamp: Int64(k), fromOriginator: true) }
            keys.append(STUNFlowStats.key(m.header))
            let written = k + 1
            #expect(stats.pendingNext == written % 16)
            // This lap: the last `written % 16` requests; the last: the 16 before them.
            let lapStart = written - written % 16
            let thisLap = word(lapStart..<written), lastLap = written < 16 ? 0 : word((lapStart - 16)..<lapStart)
            #expect(stats.keysThisLap == thisLap, "after \(written)")
            #expect(stats.keysLastLap == lastLap, "after \(written)")
            #expect(stats.keysThisLap.nonzeroBitCount <= stats.pendingNext)
            for key in keys.suffix(16) { #expect(stats.mayRemember(key)) }
            // No other: a key whose top six bits are none of the words' is not remembered.
            let held = thisLap | lastLap
            var absent = 0
            for bit in 0..<64 where held & (1 << UInt64(bit)) == 0 {
                #expect(!stats.mayRemember(UInt64(bit) << 58 | 0x1234_5679), "bit \(bit) after \(written)")
                absent += 1
            }
            // At most 32 keys set at most 32 bits: at least 32 were checked absent.
            #expect(absent >= 32)
        }
        #expect(stats.retransmissions == 0 && stats.unanswered == 100)
    }
}

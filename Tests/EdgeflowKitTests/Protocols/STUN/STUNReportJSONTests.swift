import Testing
@testable import EdgeflowKit

/// The `stun` object's round trips (nanoseconds written as ms with three decimals, trailing
/// zeros dropped) and its per-method counts, zero or not, against text worked out by hand.
@Suite("STUN report JSON")
struct STUNReportJSONTests {
    /// The `stun` member `AppReport.STUN` writes for `stats`.
    static func json(_ stats: STUNFlowStats) -> String {
        let arena = StateArena()
        let facts = InspectionFacts(states: FrozenStates(arena, stun: HeapValue(stats, in: arena.stun)))
        let report = AppReport.STUN(facts.stun!)!
        var w = JSONWriter()
        report.write(to: &w, lastTimestamp: 0)
        return w.text
    }

    @Test("round trips: rounded to the microsecond, trailing zeros dropped, beyond 2^50 ns too")
    func roundTrips() {
        var s = STUNFlowStats()
        s.messages = 1
        // Sorted: p50 is the third of five (rank round(0.5 × 4) = 2), p95 the fifth (round(3.8) = 4).
        for (i, ns) in [999_501, 100_000, 1_234_567, 999_499, 120_000].enumerated() { s.rtt[i] = Int64(ns) }
        s.matched = 5
        s.rttMin = 120_000
        s.rttMax = 2_000_000
        // 0.12 ms; 0.999499 ms → 0.999; 1.234567 → 1.235; 2 ms exactly.
        #expect(Self.json(s).contains(#""rtt_ms":{"min":0.12,"p50":0.999,"p95":1.235,"max":2}"#))
        s.rttMin = 999_501
        // 2^51 ns = 2,251,799,813.685248 ms.
        s.rttMax = 1 << 51
        #expect(Self.json(s).contains(#""rtt_ms":{"min":1,"p50":0.999,"p95":1.235,"max":2251799813.685}"#))
        s.matched = 0
        #expect(Self.json(s).contains(#""rtt_ms":null,"#))
    }

    /// Worked out apart (Python, exact fractions and the Double way): ns / 10^6 ms rounded half
    /// away from zero to three decimals.
    @Test("round trips at a half microsecond, near and at 2^50 ns, and below zero (a clock that went back)",
          arguments: [(2_000_500, "2.001"), (1_234_500, "1.235"), (999_500, "1"), (500, "0.001"), (1_500, "0.002"),
                      (-1_500_000, "-1.5"), (-1_234_567, "-1.235"), (-2_000_500, "-2.001"),
                      ((1 << 50) - 1, "1125899906.843"), ((1 << 50) - 501, "1125899906.842"), (1 << 50, "1125899906.843"),
                      ((1 << 50) + 500, "1125899906.843")])
    func roundTripEdges(ns: Int, text: String) {
        var s = STUNFlowStats()
        s.messages = 1
        s.rtt[0] = Int64(ns)
        s.matched = 1
        s.rttMin = Int64(ns)
        s.rttMax = Int64(ns)
        let json = Self.json(s)
        #expect(json.contains(#""rtt_ms":{"min":\#(text),"p50":\#(text),"p95":\#(text),"max":\#(text)}"#), "\(json)")
    }

    /// The percentiles' positions are the nearest ranks `(q × (n − 1)).rounded()` that the
    /// report has always taken (in Double), for every number of samples kept; and, as outside
    /// truth, a table worked by hand in exact fractions (Python `Fraction`, `floor(q × (n − 1) +
    /// 1/2)`: half away from zero, not numpy's half to even): n = 1: (0, 0); 2: 0.5 → 1, 0.95 → 1;
    /// 3: 1, 1.9 → 2; 5: 2, 3.8 → 4 (as in `roundTrips`); 11: 5, 9.5 → 10; 21: 10, 19;
    /// 31: 15, 28.5 → 29; 51: 25, 47.5 → 48; 64 (`rttSlots`): 31.5 → 32, 59.85 → 60.
    @Test func percentileRanks() {
        let hand: [(n: Int, p50: Int, p95: Int)] = [(1, 0, 0), (2, 1, 1), (3, 1, 2), (5, 2, 4), (11, 5, 10), (21, 10, 19),
                                                    (31, 15, 29), (51, 25, 48), (64, 32, 60)]
        #expect(STUNFlowStats.rttSlots == 64)
        for (n, p50, p95) in hand {
            let rank = AppReport.STUN.ranks(of: n)
            #expect(rank.p50 == p50 && rank.p95 == p95, "n = \(n): \(rank)")
        }
        for n in 1...STUNFlowStats.rttSlots {
            let rank = AppReport.STUN.ranks(of: n)
            #expect(rank.p50 == min(n - 1, Int((0.5 * Double(n - 1)).rounded())), "n = \(n)")
            #expect(rank.p95 == min(n - 1, Int((0.95 * Double(n - 1)).rounded())), "n = \(n)")
        }
    }

    @Test("counts: zero members and non-zero ones, by method and in total")
    func counts() {
        var s = STUNFlowStats()
        s.messages = 10
        // counts[method × 4 + class]: request, indication, success, error.
        let binding = Int(STUNMethod.binding.rawValue) * 4, allocate = Int(STUNMethod.allocate.rawValue) * 4
        s.setCount(binding, 2)
        s.setCount(binding + 2, 2)
        s.setCount(allocate, 1)
        s.setCount(allocate + 1, 3)
        s.setCount(allocate + 3, 1)
        s.malformed = 4
        let text = Self.json(s)
        #expect(text.hasPrefix(#""stun":{"messages":10,"requests":3,"indications":3,"success":2,"errors":1,"#))
        #expect(text.contains(#""by_method":{"Binding":{"request":2,"success":2,"error":0,"indication":0},"#
            + #""Allocate":{"request":1,"success":0,"error":1,"indication":3}},"#))
        #expect(text.contains(#""channel_data":{"packets":0,"bytes":0},"allocation":{"requests":0,"#))
        #expect(text.hasSuffix(#""channels":[],"malformed":4}"#))
        s.setCount(allocate + 1, 0)
        s.setCount(allocate + 3, 0)
        s.setCount(allocate + 2, 7)
        s.malformed = 0
        s.channelDataPackets = 1
        s.channelDataBytes = 36
        let zeros = Self.json(s)
        #expect(zeros.contains(#""indications":0,"success":9,"errors":0,"#))
        #expect(zeros.contains(#""Allocate":{"request":1,"success":7,"error":0,"indication":0}},"#))
        #expect(zeros.contains(#""channel_data":{"packets":1,"bytes":36},"allocation":{"requests":0,"#))
        #expect(zeros.hasSuffix(#""channels":[],"malformed":0}"#))
    }

    @Test("by_method: every method's key is its name, in method order, separated by commas")
    func methodKeys() {
        var s = STUNFlowStats()
        s.messages = 16
        for m in STUNMethod.allCases { s.setCount(Int(m.rawValue) * 4 + 2, 1) }
        let members = STUNMethod.allCases.map { "\"\($0.name)\":{\"request\":0,\"success\":1,\"error\":0,\"indication\":0}" }
        #expect(Self.json(s).contains("\"by_method\":{" + members.joined(separator: ",") + "},"))
        // By hand: MS-TURN's Set Active Destination (0x006 in its legacy numbering) alone.
        var one = STUNFlowStats()
        one.messages = 1
        one.setCount(Int(STUNMethod.msSetActiveDestination.rawValue) * 4, 1)
        #expect(Self.json(one).contains(#""by_method":{"Set Active Destination":{"request":1,"success":0,"error":0,"indication":0}},"#))
    }
}

extension STUNFlowStats {
    /// `counts[slot] = n`, with the method's bit in `methodsSeen`, as `record` keeps them.
    fileprivate mutating func setCount(_ slot: Int, _ n: UInt32) {
        counts[slot] = n
        methodsSeen |= 1 << UInt16(slot / 4)
    }
}

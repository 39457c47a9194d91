import Testing
@testable import EdgeflowKit

/// The live flows' creation order at the end of input: the radix sort gives what a stable
/// comparison sort (the standard library's `sort`, stable) gives.
@Suite("Creation order")
struct CreationOrderTests {
    private func expectSorted(_ live: [(sequence: Int, place: Int)]) {
        var radix = live
        CreationOrder.sort(&radix)
        var stable = live
        stable.sort { $0.sequence < $1.sequence }
        #expect(radix.map(\.sequence) == stable.map(\.sequence))
        #expect(radix.map(\.place) == stable.map(\.place))
    }

    @Test("empty, one, equal sequences, and hand-worked orders")
    func small() {
        var none: [(sequence: Int, place: Int)] = []
        CreationOrder.sort(&none)
        #expect(none.isEmpty)
        var some: [(sequence: Int, place: Int)] = [(7, 0), (5, 1), (300, 2), (5, 3), (6, 4), (1 << 40, 5), (256, 6)]
        CreationOrder.sort(&some)
        #expect(some.map(\.place) == [1, 3, 4, 0, 6, 2, 5])
        expectSorted([(4, 0), (4, 1), (4, 2)])
        expectSorted([(-3, 0), (Int.max, 1), (Int.min, 2), (0, 3), (-3, 4)])
    }

    @Test("a table's order after removals (nearly sorted), random sequences with repeats, spans of one to eight bytes")
    func random() {
        var rng = SplitMix64(seed: 0x0DE2)
        for bits in [1, 7, 8, 9, 16, 23, 33, 62] {
            let n = 3_000
            let limit = 1 << bits
            var live = (0..<n).map { (sequence: Int.random(in: 0..<limit, using: &rng), place: $0) }
            expectSorted(live)
            live.sort { $0.sequence < $1.sequence }
            // Records moved from the end into holes, as a flow table's removals leave them.
            for _ in 0..<50 { live.swapAt(Int.random(in: 0..<n, using: &rng), n - 1 - Int.random(in: 0..<100, using: &rng)) }
            expectSorted(live)
        }
    }
}

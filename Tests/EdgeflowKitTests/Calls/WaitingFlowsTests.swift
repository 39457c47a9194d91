import Testing
@testable import EdgeflowKit

/// The call correlator's index lists held inline, against the array they replace: ids noted in
/// order, the last one not noted twice unless `again`, the oldest dropped beyond 8, ids removed.
@Suite("Waiting flows")
struct WaitingFlowsTests {
    /// What an index's array held: `note` as it was written for `[Int]`.
    static func note(_ list: inout [Int], _ id: Int, again: Bool = false) {
        guard again || list.last != id else { return }
        list.append(id)
        if list.count > 8 { list.removeFirst() }
    }

    @Test("hand-worked lists")
    func handWorked() {
        var w = WaitingFlows()
        #expect(w.isEmpty && Array(w) == [])
        w.note(3)
        w.note(3)
        #expect(Array(w) == [3])
        w.note(3, again: true)
        #expect(Array(w) == [3, 3])
        for id in 4...12 { w.note(id) }
        #expect(Array(w) == [5, 6, 7, 8, 9, 10, 11, 12] && w.count == 8)
        w.note(12)
        #expect(Array(w) == [5, 6, 7, 8, 9, 10, 11, 12])
        w.remove(8)
        #expect(Array(w) == [5, 6, 7, 9, 10, 11, 12])
        w.remove(99)
        #expect(Array(w) == [5, 6, 7, 9, 10, 11, 12])
        var twice = WaitingFlows()
        for id in [1, 2, 1, 1] { twice.note(id, again: true) }
        twice.remove(1)
        #expect(Array(twice) == [2])
        twice.remove(2)
        #expect(twice.isEmpty)
    }

    @Test("random notes and removals equal the array's")
    func againstArray() {
        var rng = SplitMix64(seed: 0x3A17)
        for _ in 0..<200 {
            var w = WaitingFlows(), a: [Int] = []
            for _ in 0..<40 {
                let id = Int.random(in: 0..<6, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0:
                    w.remove(id)
                    a.removeAll { $0 == id }
                case 1:
                    w.note(id, again: true)
                    Self.note(&a, id, again: true)
                default:
                    w.note(id)
                    Self.note(&a, id)
                }
                #expect(Array(w) == a && w.count == a.count && w.isEmpty == a.isEmpty)
            }
        }
    }
}

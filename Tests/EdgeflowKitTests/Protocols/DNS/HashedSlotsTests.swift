import Testing
@testable import EdgeflowKit

/// `HashedSlots` against `Dictionary` as its model: random keys (and keys that share their top
/// bits, so that probes run on and wrap), values replaced, everything forgotten, slots grown.
@Suite("Hashed slots")
struct HashedSlotsTests {
    @Test("finds what a dictionary finds, through growth, replacement and clearing")
    func againstDictionary() {
        var rng = SplitMix64(seed: 17)
        var slots = HashedSlots<String>(limit: 256)
        var model: [UInt64: String] = [:]
        var asked: [UInt64] = []
        for round in 0..<4_000 {
            if slots.count >= 256 {
                slots.removeAll()
                model.removeAll()
            }
            // A key seen before now and then; else a new one, often with the top bits of another.
            let key: UInt64
            switch rng.next() % 4 {
            case 0 where !asked.isEmpty: key = asked[Int(rng.next() % UInt64(asked.count))]
            case 1: key = (rng.next() % 3) << 62 | rng.next() % 1_000
            case 2: key = UInt64.max - rng.next() % 8
            default: key = rng.next()
            }
            asked.append(key)
            let value = "v\(round)"
            slots.insert(key, value)
            model[key] = value
            #expect(slots.count == model.count)
            let probe = asked[Int(rng.next() % UInt64(asked.count))]
            #expect(slots.find(probe) == model[probe])
            #expect(slots.find(rng.next()) == nil)
        }
        for key in asked { #expect(slots.find(key) == model[key]) }
        #expect(HashedSlots<Int>(limit: 64).find(0) == nil)
    }
}

/// One key's list in an index of the call correlator (by SSRC, end, relayed address, ICE pair
/// or SDP end): the ids of the latest `capacity` waiting flows noted under it, oldest first,
/// held inline. An array per key was allocated, regrown as ids came and freed with the index
/// (7.8 M instructions to note the ids of the 5M capture's 6,017 flows with media).
struct WaitingFlows: Sequence {
    /// The ids' room: 8 per key, since a stream is relayed two or three times, and hostile
    /// traffic repeating one key on many flows then costs no more per flow.
    private typealias Slots = InlineArray<8, Int>
    /// Ids kept per key.
    static var capacity: Int { Slots.count }

    private var ids = Slots(repeating: 0)
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Adds waiting flow `id` (unless it is the last already and not `again`), dropping the
    /// oldest beyond `capacity`.
    mutating func note(_ id: Int, again: Bool = false) {
        guard again || count == 0 || ids[count &- 1] != id else { return }
        if count == Self.capacity {
            for i in 1..<Self.capacity { ids[i &- 1] = ids[i] }
            count &-= 1
        }
        ids[count] = id
        count &+= 1
    }

    /// Removes every `id`, keeping the others' order.
    mutating func remove(_ id: Int) {
        var kept = 0
        for i in 0..<count where ids[i] != id {
            ids[kept] = ids[i]
            kept &+= 1
        }
        count = kept
    }

    struct Iterator: IteratorProtocol {
        fileprivate let list: WaitingFlows
        fileprivate var at = 0

        mutating func next() -> Int? {
            guard at < list.count else { return nil }
            defer { at &+= 1 }
            // Through a span: an `InlineArray` read by subscript in a loop is copied for each read.
            return list.ids.span[at]
        }
    }

    func makeIterator() -> Iterator { Iterator(list: self) }
}

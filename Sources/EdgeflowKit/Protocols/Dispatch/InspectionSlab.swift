import CPrefetch

/// The live flows' inspections as values in one array allocated once at full capacity and
/// indexed by slot (the flow record keeps its slot): pages (huge pages, `LargePages`, where the
/// system has them) are touched only as slots are used,
/// and a packet reaches its flow's state through a fixed pointer, with no reference counting.
/// Freed slots are reused from a free list; a free slot holds an empty inspection. A TCP
/// flow's streams are in a second array under the same slot. The inspections' protocol states
/// are made in the slab's `arena`.
struct InspectionSlab: ~Copyable {
    /// The pools of the inspections' protocol states.
    let arena = StateArena()
    private let entries: UnsafeMutablePointer<FlowInspection>
    private let streamEntries: UnsafeMutablePointer<TCPStreams>
    private let free: UnsafeMutablePointer<Int32>
    private let capacity: Int
    private var freeCount = 0
    /// Slots handed out at least once (initialised).
    private var used = 0
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        entries = .allocate(capacity: self.capacity)
        streamEntries = .allocate(capacity: self.capacity)
        free = .allocate(capacity: self.capacity)
        LargePages.advise(UnsafeMutableRawPointer(entries), bytes: self.capacity * MemoryLayout<FlowInspection>.stride)
    }

    /// Whether another inspection fits.
    var isFull: Bool { count >= capacity }

    /// The inspection at a slot handed out by `add` and not yet removed.
    @inline(__always) subscript(_ slot: Int32) -> UnsafeMutablePointer<FlowInspection> { entries + Int(slot) }

    /// Asks for the lines of the inspection at `slot` (`LookupAhead`: any slot, handed out or
    /// not; one never used is skipped).
    @inline(__always) func prefetch(_ slot: Int32) {
        guard Int(slot) < used else { return }
        let p = UnsafeRawPointer(entries + Int(slot))
        edgeflow_prefetch(p)
        edgeflow_prefetch(p + (MemoryLayout<FlowInspection>.size &- 1))
    }

    /// Asks for the first line of the protocol state of the inspection at `slot` that its
    /// packets reach first: RTP, else STUN, else TLS (`LookupAhead`; a slot never used is skipped).
    @inline(__always) func prefetchState(_ slot: Int32) {
        guard Int(slot) < used else { return }
        switch entries[Int(slot)].state {
        case .media(let m):
            if let r = m.rtp { edgeflow_prefetch(r.address) } else if let s = m.stun { edgeflow_prefetch(s.address) }
        case .tls(let t): edgeflow_prefetch(t.address)
        default: break
        }
    }

    /// The TCP streams at a slot handed out by `add` and not yet removed.
    @inline(__always) func streams(_ slot: Int32) -> UnsafeMutablePointer<TCPStreams> { streamEntries + Int(slot) }

    /// Stores a new, empty inspection; returns its slot.
    mutating func add() -> Int32 {
        precondition(count < capacity, "inspection slab full")
        count += 1
        if freeCount > 0 {
            freeCount -= 1
            let slot = free[freeCount]
            entries[Int(slot)] = FlowInspection(arena: arena)
            return slot
        }
        (entries + used).initialize(to: FlowInspection(arena: arena))
        (streamEntries + used).initialize(to: TCPStreams())
        used += 1
        return Int32(used - 1)
    }

    /// Takes the inspection out of a slot and frees its streams, leaving it empty and free.
    mutating func remove(_ slot: Int32) -> FlowInspection {
        let i = Int(slot)
        let e = (entries + i).move()
        (entries + i).initialize(to: FlowInspection(state: .ignored, arena: arena))
        streamEntries[i] = TCPStreams()
        free[freeCount] = slot
        freeCount += 1
        count -= 1
        return e
    }

    deinit {
        for i in 0..<used { entries[i].discard() }
        entries.deinitialize(count: used)
        entries.deallocate()
        streamEntries.deinitialize(count: used)
        streamEntries.deallocate()
        free.deallocate()
    }
}

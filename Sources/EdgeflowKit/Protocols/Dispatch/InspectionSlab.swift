import CPrefetch

/// The live flows' inspections as values in one array allocated once at full capacity and
/// indexed by slot (the flow record keeps its slot): pages (huge pages, `PageAdvice.huge`, where the
/// system has them) are touched only as slots are used, and a packet reaches its flow's state
/// through a fixed pointer, with no reference counting. Freed slots are reused from a free
/// list, the last freed first; a free slot holds an empty inspection; after a peak the live
/// inspections are moved into the lowest slots (`isSparse`). A TCP flow's streams are in a
/// second array under the same slot. The inspections' protocol states are made in the slab's `arena`.
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
        PageAdvice.huge(UnsafeMutableRawPointer(entries), bytes: self.capacity * MemoryLayout<FlowInspection>.stride)
    }

    /// Whether another inspection fits.
    var isFull: Bool { count >= capacity }

    /// The inspection at a slot handed out by `add` and not yet removed.
    @inline(__always) subscript(_ slot: Int32) -> UnsafeMutablePointer<FlowInspection> { entries + Int(slot) }

    /// Asks for the lines of the inspection at `slot` (`LookupAhead`: any slot, handed out or
    /// not; one never used, and -1, none, are skipped).
    @inline(__always) func prefetch(_ slot: Int32) {
        guard UInt(bitPattern: Int(slot)) < UInt(bitPattern: used) else { return }
        let p = UnsafeRawPointer(entries + Int(slot))
        edgeflow_prefetch(p)
        edgeflow_prefetch(p + (MemoryLayout<FlowInspection>.size &- 1))
    }

    /// Asks for the first line of the protocol state of the inspection at `slot` that its
    /// packets reach first: RTP, else STUN, else TLS (`LookupAhead`; a slot never used, and -1,
    /// none, are skipped). The RTP state's first line is asked for even when the flow has a known
    /// stream (`RTPKnownStreams`), whose packets do not read it: without it the stream's first
    /// line missed more (Benchmarks/README.md, h-rtp5).
    @inline(__always) func prefetchState(_ slot: Int32) {
        guard UInt(bitPattern: Int(slot)) < UInt(bitPattern: used) else { return }
        if let r = entries[Int(slot)].rtpState { return edgeflow_prefetch(r.address) }
        switch entries[Int(slot)].state {
        case .media(let m):
            if let s = m.stun { edgeflow_prefetch(s.address) }
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

    /// Whether a peak has passed: fewer than a quarter of the slots ever used are live, and more
    /// than `trimmedSlots` are free. Then the sweep moves the live inspections into the lowest
    /// slots (`freeSlotsBelowLive`, `move`, `finishCompaction`), since live flows left in high
    /// slots (the flows that came after the peak's) would keep its pages. A compaction leaves as
    /// many slots used as live, so the next needs the live flows to fall to a quarter again.
    var isSparse: Bool { used &- count > Self.trimmedSlots && count &* 4 < used }

    /// Free slots below which the slab is not compacted (8,192: 3.3 MB of inspections).
    static let trimmedSlots = 8192

    /// The free slots below `count`: as many as the live inspections at or past it, which
    /// `move` takes there, one each.
    func freeSlotsBelowLive() -> [Int32] {
        (0..<freeCount).compactMap { free[$0] < count ? free[$0] : nil }
    }

    /// Moves the live inspection at `slot` (and its TCP streams) to the free slot `to`, leaving
    /// `slot` empty.
    mutating func move(_ slot: Int32, to: Int32) {
        let (from, into) = (Int(slot), Int(to))
        entries[into] = (entries + from).move()
        (entries + from).initialize(to: FlowInspection(state: .ignored, arena: arena))
        streamEntries[into] = (streamEntries + from).move()
        (streamEntries + from).initialize(to: TCPStreams())
    }

    /// Once every live inspection is below `count`: the slots from `count` on (all free) are
    /// given up and their pages given back to the system (`MADV_DONTNEED`: zeros when next
    /// touched; a slot at or past `used` is initialised before use). Returns the bytes given back.
    @discardableResult
    mutating func finishCompaction() -> Int {
        let wasUsed = used
        (entries + count).deinitialize(count: wasUsed &- count)
        (streamEntries + count).deinitialize(count: wasUsed &- count)
        used = count
        freeCount = 0
        return PageAdvice.giveBack(entries + used, to: entries + wasUsed)
            &+ PageAdvice.giveBack(streamEntries + used, to: streamEntries + wasUsed)
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

import CPrefetch
#if canImport(Glibc)
import Glibc
#endif

/// The live flows' inspections as values in one array allocated once at full capacity and
/// indexed by slot (the flow record keeps its slot): pages are touched only as slots are used,
/// and a packet reaches its flow's state through a fixed pointer, with no reference counting.
/// Freed slots are reused from a free list, the last freed first (after a `trim`, the lowest
/// first); a free slot holds an empty inspection. A TCP flow's streams are in a second array
/// under the same slot. The inspections' protocol states are made in the slab's `arena`.
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
    /// The fewest free slots since `trim` last sorted them.
    private var freeLow = 0
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        entries = .allocate(capacity: self.capacity)
        streamEntries = .allocate(capacity: self.capacity)
        free = .allocate(capacity: self.capacity)
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

    /// At a sweep, once a peak has passed: where more than three quarters of the slots ever
    /// used are free (and these more than `trimmedSlots`), and an eighth more came free than at
    /// the fewest since the last sort (so each sort is paid for by the frees before it), sorts
    /// the free slots so that the lowest are handed out first, gives up the free slots at the
    /// top (their entries' pages go back to the system: `MADV_DONTNEED`, zeros when next
    /// touched, and a slot at or past `used` is initialised before use), so that the live
    /// flows gather in the slots below. Returns the bytes given back.
    @discardableResult
    mutating func trim() -> Int {
        freeLow = min(freeLow, freeCount)
        guard freeCount > Self.trimmedSlots, freeCount &* 4 > used &* 3, freeCount > freeLow &+ max(1024, freeLow / 8) else { return 0 }
        // Descending, so that the lowest free slot is at the end, taken first by `add`.
        var list = UnsafeMutableBufferPointer(start: free, count: freeCount)
        list.sort(by: >)
        let wasUsed = used
        var top = 0
        while top < freeCount && Int(free[top]) == used &- 1 {
            used -= 1
            top += 1
        }
        (entries + used).deinitialize(count: wasUsed &- used)
        (streamEntries + used).deinitialize(count: wasUsed &- used)
        freeCount -= top
        if top > 0 { memmove(free, free + top, freeCount &* MemoryLayout<Int32>.stride) }
        freeLow = freeCount
        return PageRelease.giveBack(entries + used, to: entries + wasUsed)
            &+ PageRelease.giveBack(streamEntries + used, to: streamEntries + wasUsed)
    }

    /// Free slots below which `trim` does nothing (8,192: 3.3 MB of inspections).
    static let trimmedSlots = 8192

    deinit {
        for i in 0..<used { entries[i].discard() }
        entries.deinitialize(count: used)
        entries.deallocate()
        streamEntries.deinitialize(count: used)
        streamEntries.deallocate()
        free.deallocate()
    }
}

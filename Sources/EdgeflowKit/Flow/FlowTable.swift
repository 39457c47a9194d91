import CPrefetch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Open-addressing hash table of live flows: a power-of-two array of slots (32-bit record index
/// above the hash's low 32 bits as tag) probed linearly from the slot the hash's low bits name,
/// over a dense array of records. A slot's tag holds its home, so the slots double in place
/// without reading a record (`growSlots`), at half load (three-quarters when large:
/// `looseSlots`); removal shifts the probe chain back, so there are no tombstones. The slots
/// are a mapping of their own (`SlotMapping`), on huge pages where they hold whole ones and the
/// system has them. The records are a mapping of their own too (`RecordMapping`), resized in
/// place: growing never holds the old and the new array at once, and copies nothing. A record
/// does not keep its hash: removal and `trim` compute it from the key (`hash(_:)`).
public struct FlowTable: ~Copyable {
    private var slots: UnsafeMutablePointer<UInt64>
    private var slotMask: Int
    private var records: UnsafeMutablePointer<FlowRecord>
    private var recordCapacity: Int
    public private(set) var count = 0
    /// Records before this index have their pages present (`populate`).
    private var populatedTo = 0
    /// The words the keys' hash mixes in (`FlowKey.tableHash`), from the table's seed.
    let secret: FlowKey.TableSecret

    /// The seed every table of this process hashes with unless given one: random, so that
    /// nobody can craft a capture whose flows' keys share a probe chain (each new flow would
    /// then scan the chain: a capture of n such flows costs n² probes) without knowing it. Fixed where
    /// `SWIFT_DETERMINISTIC_HASHING` is set, as Swift's own hashing is, for reproducible
    /// instruction counts. No report depends on it: flows are kept and reported in creation order.
    public static let processSeed = seed(deterministic: getenv("SWIFT_DETERMINISTIC_HASHING") != nil)

    /// The fixed seed of deterministic runs.
    static let fixedSeed: UInt64 = 0x5EED_F10E_ED6E_F10F

    /// `fixedSeed` when `deterministic`, else a random one (from the system's generator).
    static func seed(deterministic: Bool) -> UInt64 {
        deterministic ? fixedSeed : UInt64.random(in: .min ... .max)
    }

    /// The slots of the smallest table.
    private static let fewestSlots = 16

    /// Slots from which the table grows at three-quarters load, not half (8 MiB, 2^20 slots:
    /// the 5M capture's 54,761 flows never reach it; a 3M-flow flood's slots are 32 MiB, not 64).
    /// Below, the shorter probes of half load keep a lookup's instructions down (at three-quarters
    /// throughout, the 5M capture's lookups took 2.3 instructions a packet more).
    static let looseSlots = 1 << 20

    /// Whether `flows` are more than `slots` hold: half of them, or three quarters from `looseSlots` on.
    @inline(__always)
    private static func overfull(_ flows: Int, _ slots: Int) -> Bool {
        flows &* 4 > slots &* (slots >= looseSlots ? 3 : 2)
    }

    /// - Parameter capacity: initial number of flows held without growing.
    public init(capacity: Int = 1 << 14, seed: UInt64 = FlowTable.processSeed) {
        let cap = max(16, capacity)
        var slotCount = Self.fewestSlots
        while Self.overfull(cap, slotCount) { slotCount <<= 1 }
        slots = Self.emptySlots(slotCount)
        slotMask = slotCount - 1
        guard let mapped = RecordMapping.make(cap) else { Self.refused(RecordMapping.bytes(cap), "records of \(cap) flows") }
        records = mapped
        recordCapacity = cap
        secret = FlowKey.TableSecret(seed: seed)
    }

    deinit {
        SlotMapping.unmap(slots, slotMask &+ 1)
        RecordMapping.unmap(records, recordCapacity)
    }

    @inline(__always)
    public func hash(_ key: FlowKey) -> UInt64 { key.tableHash(secret) }

    /// Index of the record for `key`, or nil.
    @inline(__always)
    public func find(_ key: FlowKey, hash: UInt64) -> Int? {
        var i = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let e = slots[i]
            if e == 0 { return nil }
            if UInt32(truncatingIfNeeded: e) == UInt32(truncatingIfNeeded: hash) {
                let r = Int(truncatingIfNeeded: e >> 32) &- 1
                if records[r].key == key { return r }
            }
            i = (i &+ 1) & slotMask
        }
    }

    /// Asks for the slot a lookup of `hash` reads first (`LookupAhead`).
    @inline(__always)
    func prefetchSlot(hash: UInt64) {
        edgeflow_prefetch(slots + (Int(truncatingIfNeeded: hash) & slotMask))
    }

    /// The record named by the first slot a lookup of `hash` reads that holds `hash`'s tag
    /// (-1: none before an empty slot), with the lines of its first 128 bytes (`FlowRecord`'s
    /// hot part) asked for (`LookupAhead`). Only tags are compared: the record's key is not
    /// read (its lines are not here yet).
    @inline(__always)
    func prefetchRecord(hash: UInt64) -> Int {
        var i = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let e = slots[i]
            if e == 0 { return -1 }
            if UInt32(truncatingIfNeeded: e) == UInt32(truncatingIfNeeded: hash) {
                let r = Int(truncatingIfNeeded: e >> 32) &- 1
                let p = UnsafeRawPointer(records + r)
                edgeflow_prefetch(p)
                edgeflow_prefetch(p + 64)
                edgeflow_prefetch(p + 127)
                return r
            }
            i = (i &+ 1) & slotMask
        }
    }

    /// Asks for the lines of record `index` (below `count`): a walk over the records in order
    /// (`Engine.finish`) asks for those a few steps on.
    @inline(__always)
    func prefetch(_ index: Int) {
        let p = UnsafeRawPointer(records + index)
        edgeflow_prefetch(p)
        edgeflow_prefetch(p + 64)
        edgeflow_prefetch(p + 128)
        edgeflow_prefetch(p + (MemoryLayout<FlowRecord>.size &- 1))
    }

    /// Adds a record (its key must not be present; `hash` is `hash(record.key)`) and returns its index.
    @inline(__always)
    public mutating func insert(_ record: FlowRecord, hash: UInt64) -> Int {
        if count == recordCapacity { growRecords() }
        if Self.overfull(count &+ 1, slotMask &+ 1) { growSlots() }
        if count == populatedTo { populate() }
        let index = count
        (records + index).initialize(to: record)
        count &+= 1
        place(hash: hash, index: index)
        return index
    }

    @inline(__always)
    private func place(hash: UInt64, index: Int) {
        var i = Int(truncatingIfNeeded: hash) & slotMask
        while slots[i] != 0 { i = (i &+ 1) & slotMask }
        slots[i] = UInt64(index &+ 1) << 32 | hash & 0xFFFF_FFFF
    }

    /// Access to a live record; changing it needs the table itself to be mutable (the
    /// records are in place, not copied out and back).
    @inline(__always)
    public subscript(_ index: Int) -> FlowRecord {
        unsafeAddress { UnsafePointer(records + index) }
        unsafeMutableAddress { records + index }
    }

    /// Removes the record at `index`, moving the last record into its place. Returns the
    /// removed record. Indices other than `index` and the last one stay valid.
    public mutating func remove(at index: Int) -> FlowRecord {
        let removed = records[index]
        removeSlot(for: index, hash: hash(removed.key))
        let last = count &- 1
        if index != last {
            let moved = records[last]
            records[index] = moved
            retarget(hash: hash(moved.key), from: last, to: index)
        }
        count = last
        return removed
    }

    /// Removes every record; the records' storage is kept, the slots are given back and the
    /// fewest made anew (a 3M-flow flood's 32 MB are not written over with zeros at the end of
    /// input; a table filled again grows them again).
    public mutating func removeAll() {
        SlotMapping.unmap(slots, slotMask &+ 1)
        slots = Self.emptySlots(Self.fewestSlots)
        slotMask = Self.fewestSlots &- 1
        count = 0
    }

    private func slotIndex(of index: Int, hash: UInt64) -> Int {
        var i = Int(truncatingIfNeeded: hash) & slotMask
        let want = UInt64(index &+ 1)
        while slots[i] >> 32 != want { i = (i &+ 1) & slotMask }
        return i
    }

    private func retarget(hash: UInt64, from: Int, to: Int) {
        let i = slotIndex(of: from, hash: hash)
        slots[i] = UInt64(to &+ 1) << 32 | slots[i] & 0xFFFF_FFFF
    }

    private func removeSlot(for index: Int, hash: UInt64) {
        var hole = slotIndex(of: index, hash: hash)
        slots[hole] = 0
        var j = hole
        while true {
            j = (j &+ 1) & slotMask
            let e = slots[j]
            if e == 0 { return }
            let home = Int(truncatingIfNeeded: e) & slotMask
            // Move the entry back unless its home lies cyclically in (hole, j].
            if (j &- home) & slotMask >= (j &- hole) & slotMask {
                slots[hole] = e
                slots[j] = 0
                hole = j
            }
        }
    }

    /// Records whose pages are made present at once, in one call, before the first of them is
    /// written (8,192: 1.4 MB): page by page, a flood of new flows spent a fifth of its CPU
    /// taking one fault per 4 KiB page of records.
    static let populateRecords = 8192

    /// Makes the pages of the next `populateRecords` records present (as far as the capacity
    /// goes); records before `populatedTo` stay present as the table grows and shrinks.
    private mutating func populate() {
        let end = min(recordCapacity, populatedTo &+ Self.populateRecords)
        PageAdvice.populate(UnsafeMutableRawPointer(records + populatedTo), bytes: (end &- populatedTo) &* MemoryLayout<FlowRecord>.stride)
        populatedTo = end
    }

    /// At a sweep, once a peak has passed: where the live flows are fewer than a quarter of the
    /// records whose pages are present (and these more than twice `populateRecords`), gives back
    /// the pages past twice the live records (their contents are not needed: a record is written
    /// before it is read; they come back as zeros when `populate` reaches them again); where they
    /// use fewer than an eighth of the slots (and these more than `trimmedSlots`), rebuilds the
    /// slots in the first part of their mapping, with a quarter of it used, and unmaps the rest.
    /// Each halves what it keeps, so a table at a steady level, or one that shrank by less than
    /// half, does neither. Returns the bytes given back.
    @discardableResult
    mutating func trim() -> Int {
        var given = 0
        if populatedTo > Self.populateRecords &* 2 && count &* 4 < populatedTo {
            let keep = max(count &* 2, Self.populateRecords)
            given &+= PageAdvice.giveBack(records + keep, to: records + populatedTo)
            populatedTo = keep
        }
        let slotCount = slotMask &+ 1
        if slotCount > Self.trimmedSlots && count &* 8 < slotCount {
            var newCount = Self.trimmedSlots
            while newCount < count &* 4 { newCount <<= 1 }
            slots.initialize(repeating: 0, count: newCount)
            slotMask = newCount &- 1
            for r in 0..<count { place(hash: hash(records[r].key), index: r) }
            given &+= SlotMapping.shrink(slots, from: slotCount, to: newCount)
        }
        return given
    }

    /// Slots below which `trim` does not shrink the slots (65,536: 512 KiB).
    static let trimmedSlots = 1 << 16

    /// Doubles the records' mapping (`RecordMapping.grow`); records are plain bits
    /// (`BitwiseCopyable`), so moving them is moving their pages. Memory the system refuses ends
    /// the run (`refused`): there is no smaller table to fall back to.
    private mutating func growRecords() {
        let capacity = recordCapacity &* 2
        guard let grown = RecordMapping.grow(records, from: recordCapacity, to: capacity) else {
            Self.refused(RecordMapping.bytes(capacity), "records of \(capacity) flows")
        }
        records = grown
        recordCapacity = capacity
    }

    /// Ends the run for `bytes` the system refused for `what` (`BusErrorGuard.refused`).
    private static func refused(_ bytes: Int, _ what: String) -> Never {
        let reason = String(cString: strerror(errno))
        BusErrorGuard.refused("the flow table", "\(bytes) bytes for its \(what) (\(reason))",
                              advice: "Lower --max-flows")
    }

    /// A mapping of `count` empty slots (`SlotMapping.make`). Memory the system refuses ends the
    /// run (`refused`).
    private static func emptySlots(_ count: Int) -> UnsafeMutablePointer<UInt64> {
        guard let slots = SlotMapping.make(count) else { refused(SlotMapping.bytes(count), "\(count) slots") }
        return slots
    }

    /// Doubles the slots in place (`SlotMapping.grow`: only the new half's pages are made) and
    /// splits their entries: an entry whose home was `h` has `h` or `h + old` now, by one more bit
    /// of its tag. The slots are walked once in order from the first empty one, each entry not
    /// at its new home taken out and placed again from there: every slot it probes past holds an
    /// entry already placed (upper half, or lower slots up to its own, just emptied), so none
    /// is left behind an emptied slot. The entries before the first empty slot (a probe chain
    /// that wrapped around the old end, or homed there) are set aside and placed last. Memory
    /// the system refuses ends the run (`refused`).
    private mutating func growSlots() {
        let old = slotMask &+ 1
        let new = old &* 2
        precondition(new <= 1 << 32, "a slot's tag names its home in at most 2^32 slots")
        guard let grown = SlotMapping.grow(slots, from: old, to: new) else { Self.refused(SlotMapping.bytes(new), "\(new) slots") }
        slots = grown
        slotMask = new &- 1
        Self.split(grown, mask: new &- 1, old: old)
    }

    /// `growSlots`' split of the first `old` slots of `slots` (`mask + 1` of them, the rest empty).
    private static func split(_ slots: UnsafeMutablePointer<UInt64>, mask: Int, old: Int) {
        @inline(__always) func placeAgain(_ e: UInt64) {
            var i = Int(truncatingIfNeeded: e) & mask
            while slots[i] != 0 { i = (i &+ 1) & mask }
            slots[i] = e
        }
        var wrapped = 0
        while slots[wrapped] != 0 { wrapped &+= 1 }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: wrapped) { aside in
            for i in 0..<wrapped {
                aside.initializeElement(at: i, to: slots[i])
                slots[i] = 0
            }
            var p = wrapped &+ 1
            while p < old {
                let e = slots[p]
                if e != 0 && Int(truncatingIfNeeded: e) & mask != p {
                    slots[p] = 0
                    placeAgain(e)
                }
                p &+= 1
            }
            for e in aside { placeAgain(e) }
        }
    }
}

/// Bounded in-order reassembly of one TCP direction, shared by the TLS and STUN-over-TCP
/// inspectors.
///
/// One buffer is allocated at the first segment that carries data (4 KiB, doubled as needed
/// up to `budget` bytes, never more; and never past the allowance the caller gives, which is
/// how a memory limit shared by all streams is kept). A stream given a pool (`buffers`: its
/// inspection slab's, for a flow table's streams) takes its first 4 KiB from there and gives
/// them back there, not to malloc (which took about 700 instructions a stream for them). The
/// contiguous bytes live at `[head, tail)`; segments that arrive ahead of a hole are written
/// straight to their final position after `tail` and remembered as at most `maxHeldRanges`
/// sequence ranges, so filling the hole only moves `tail` (nothing is copied twice). Overlaps
/// keep the first copy. All sequence arithmetic is modulo 2^32 (offsets are taken as signed
/// 32-bit differences).
///
/// The consumer reads `withContiguous { bytes in ... }` and drops a parsed prefix with
/// `consume(n)`; the remainder is moved to the front of the buffer only when a later segment
/// would not fit behind it. After `stop()` the reassembler copies nothing and `add` is O(1).
public struct StreamReassembler: ~Copyable {
    public enum State: UInt8, Sendable, BitwiseCopyable {
        /// No segment with data yet (the buffer is not allocated).
        case idle
        /// Delivering bytes.
        case streaming
        /// A hole was never filled: the held out-of-order area filled up, or held data went
        /// past the budget. Terminal: later segments are dropped.
        case gap
        /// In-order bytes arrived that did not fit in the budget because the consumer had not
        /// consumed enough. Terminal: the bytes that fit stay readable.
        case budgetExceeded
        /// The consumer needs no more bytes. Terminal.
        case stopped
        /// The run's memory for reassembly (shared by all streams) was used up when this
        /// stream needed to allocate or grow. Terminal: the bytes already held stay readable.
        case outOfMemory
    }

    /// Most out-of-order ranges held at once; one more distinct range means `.gap`.
    public static let maxHeldRanges = 8
    public static let defaultBudget = 64 * 1024

    public let budget: Int
    public private(set) var state: State = .idle
    /// Bytes that became contiguous (readable), in total.
    public private(set) var bytesDelivered = 0
    /// Bytes thrown away because of the budget or a gap (not counting retransmitted bytes).
    public private(set) var bytesDropped = 0
    /// Payload bytes passed to `add` after `stop()`.
    public private(set) var bytesSkipped = 0
    /// Times the stream was declared to have a gap (0 or 1, as `.gap` is terminal).
    public private(set) var gaps = 0
    /// Segments that repeated bytes already held or consumed (retransmissions, overlaps).
    public private(set) var duplicates = 0
    /// Segments held out of order at least once.
    public private(set) var outOfOrderSegments = 0

    private var storage: UnsafeMutableRawPointer? = nil
    /// Bytes allocated at `storage` (grows by doubling up to `budget`).
    private var capacity = 0
    /// Where a first buffer of `firstBuffer` bytes comes from and goes back to; nil: malloc (as a
    /// smaller budget's first buffer, which a whole block would hold past what it counts).
    /// Its owner (the inspection slab's arena) outlives every stream it gives buffers to.
    private unowned(unsafe) let buffers: StatePool<ReassemblyBlock>?
    private var head = 0
    private var tail = 0
    /// Sequence number of the byte at `head`.
    private var headSeq: UInt32 = 0
    private var started = false
    /// Held ranges as (start, end) sequence numbers, sorted, disjoint, not adjacent to each
    /// other, all after the contiguous end.
    private var held: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var heldCount = 0

    /// - Parameter budget: the buffer size in bytes (at least 1).
    public init(budget: Int = StreamReassembler.defaultBudget) {
        self.budget = max(1, budget)
        buffers = nil
    }

    /// A stream whose first buffer is a block of `buffers`, which must outlive it.
    init(budget: Int, buffers: StatePool<ReassemblyBlock>) {
        self.budget = max(1, budget)
        self.buffers = buffers
    }

    deinit { if let storage { freeBuffer(storage) } }

    /// The first buffer's size: the most a block of `buffers` holds.
    static let firstBuffer = MemoryLayout<ReassemblyBlock>.size

    /// Number of contiguous bytes waiting to be consumed.
    public var contiguousCount: Int { tail &- head }
    /// Out-of-order ranges currently held.
    public var heldRangeCount: Int { heldCount }
    /// The sequence number of the next byte the consumer will read, once a segment was seen.
    public var nextSequence: UInt32? { started ? headSeq : nil }
    /// True once the buffer has been allocated.
    public var isAllocated: Bool { storage != nil }
    /// Bytes currently allocated for this stream.
    public var allocatedBytes: Int { capacity }

    /// Adds one segment. `seq` is the segment's raw TCP sequence number; with `syn` the first
    /// data byte is `seq + 1`. `memoryAllowance` is how many more bytes this call may allocate
    /// (the rest of a memory limit shared with other streams); past it the stream stops with
    /// `.outOfMemory`.
    public mutating func add(seq: UInt32, payload: UnsafeRawBufferPointer, syn: Bool, memoryAllowance: Int = .max) {
        if state == .stopped { bytesSkipped &+= payload.count; return }
        var seq = seq
        if syn {
            seq = seq &+ 1
            if !started { started = true; headSeq = seq }
        }
        let count = payload.count
        guard count > 0 else { return }
        if state == .gap || state == .budgetExceeded || state == .outOfMemory { bytesDropped &+= count; return }
        if !started { started = true; headSeq = seq }
        var memoryAllowance = memoryAllowance
        if storage == nil {
            let first = min(Self.firstBuffer, budget)
            guard memoryAllowance >= first else { bytesDropped &+= count; state = .outOfMemory; return }
            capacity = first
            memoryAllowance &-= capacity
            // A budget below a block's size takes what it counts from malloc, not a whole block.
            if let buffers, capacity == Self.firstBuffer {
                storage = UnsafeMutableRawPointer(buffers.allocate())
            } else {
                storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
            }
            state = .streaming
        }

        // Offsets relative to `head` (sequence `headSeq`).
        var rel = Int(Int32(bitPattern: seq &- headSeq))
        var src = 0
        let end = rel &+ count
        if end <= 0 { duplicates &+= 1; return }
        var repeated = false
        if rel < 0 { src = -rel; rel = 0; repeated = true }
        let contig = tail &- head
        if rel < contig {
            if end <= contig { duplicates &+= 1; return }
            src &+= contig &- rel
            rel = contig
            repeated = true
        }
        if repeated { duplicates &+= 1 }
        let length = end &- rel

        if rel == contig {
            // In order: copy the part not already held, then pull held ranges in.
            if end > budget {
                let fit = max(0, budget &- rel)
                if fit > 0 {
                    guard ensureRoom(upTo: budget, allowance: memoryAllowance) else { return refuse(count: length) }
                    writeUncovered(rel: rel, src: src, length: fit, payload: payload)
                }
                advanceTail(over: fit)
                bytesDropped &+= length &- fit
                state = .budgetExceeded
                return
            }
            guard ensureRoom(upTo: end, allowance: memoryAllowance) else { return refuse(count: length) }
            writeUncovered(rel: rel, src: src, length: length, payload: payload)
            advanceTail(over: length)
            return
        }

        // Ahead of a hole.
        if end > budget {
            bytesDropped &+= length
            declareGap()
            return
        }
        // Write the bytes no held range covers yet (first copy wins), then record the range.
        guard ensureRoom(upTo: end, allowance: memoryAllowance) else { return refuse(count: length) }
        writeUncovered(rel: rel, src: src, length: length, payload: payload)
        let startSeq = headSeq &+ UInt32(truncatingIfNeeded: rel)
        let endSeq = headSeq &+ UInt32(truncatingIfNeeded: end)
        if !insertHeld(start: startSeq, end: endSeq) {
            bytesDropped &+= length
            declareGap()
            return
        }
        outOfOrderSegments &+= 1
    }

    /// Whether `add(seq:payload:syn:)` of this segment would only copy it into an empty buffer
    /// with room for it: the stream is streaming, holds no bytes (none contiguous, no held
    /// range), the segment (no SYN) starts at the next byte and fits where `add` would write it.
    /// The caller may then read the segment where it is and hand it over with `addRead`.
    @inline(__always)
    func takesInPlace(seq: UInt32, syn: Bool, count: Int) -> Bool {
        state == .streaming && tail == head && heldCount == 0 && !syn && seq == headSeq && count > 0 && count <= capacity &- head
    }

    /// Adds a segment that `takesInPlace` accepted (its `count` bytes at `payload`) and whose first
    /// `consumed` bytes the consumer has read in place: those are delivered and consumed, the rest
    /// (a frame the segment's end cut) is copied in and stays contiguous, as `add` then
    /// `consume(consumed)` would leave it. What `takesInPlace` accepted is asked again only before
    /// bytes are copied (a frame cut: rare), where a segment it did not accept would write past the
    /// buffer.
    @inline(__always)
    mutating func addRead(_ payload: UnsafeRawPointer?, count: Int, consumed: Int) {
        let used = min(max(0, consumed), count)
        bytesDelivered &+= count
        headSeq = headSeq &+ UInt32(truncatingIfNeeded: used)
        let rest = count &- used
        guard rest > 0, let storage else { return }
        precondition(state == .streaming && tail == head && heldCount == 0 && count <= capacity &- head,
                     "addRead takes only a segment takesInPlace accepted, with nothing added since")
        (storage + head).copyMemory(from: payload.unsafelyUnwrapped + used, byteCount: rest)
        tail = head &+ rest
    }

    /// Calls `body` with the contiguous bytes (empty before the first segment).
    public func withContiguous<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let storage else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: storage + head, count: tail &- head))
    }

    /// Drops the first `n` contiguous bytes (clamped to what is there).
    public mutating func consume(_ n: Int) {
        let n = min(max(0, n), tail &- head)
        head &+= n
        headSeq = headSeq &+ UInt32(truncatingIfNeeded: n)
        if head == tail && heldCount == 0 { head = 0; tail = 0 }
    }

    /// The consumer needs no more bytes: later segments are skipped without copying. The
    /// buffer is released.
    public mutating func stop() {
        state = .stopped
        if let storage { freeBuffer(storage) }
        storage = nil
        capacity = 0
        head = 0; tail = 0; heldCount = 0
    }

    /// The stream ended (FIN/RST or end of capture): a hole that is still open counts as a
    /// gap.
    public mutating func finish() {
        if heldCount > 0 && state == .streaming { declareGap() }
    }

    // MARK: - Internals

    /// Frees `buffer`, which holds `capacity` bytes: a block-sized first buffer back to `buffers`,
    /// any other to malloc.
    private func freeBuffer(_ buffer: UnsafeMutableRawPointer) {
        if let buffers, capacity == Self.firstBuffer {
            buffers.release(buffer.assumingMemoryBound(to: ReassemblyBlock.self))
        } else {
            buffer.deallocate()
        }
    }

    private mutating func refuse(count: Int) {
        bytesDropped &+= count
        state = .outOfMemory
        heldCount = 0
    }

    private mutating func declareGap() {
        state = .gap
        gaps &+= 1
        heldCount = 0
    }

    /// Makes `[head, head + relEnd)` writable: moves the live area to the front, then grows
    /// the buffer (by doubling, at most to `budget`; callers keep `relEnd <= budget`). Returns
    /// false, changing nothing, when growing would allocate more than `allowance` bytes.
    private mutating func ensureRoom(upTo relEnd: Int, allowance: Int) -> Bool {
        guard head &+ relEnd > capacity, let old = storage else { return true }
        if relEnd > capacity {
            var grown = capacity
            while grown < relEnd { grown &*= 2 }
            if min(grown, budget) &- capacity > allowance { return false }
        }
        let live = max(tail &- head, heldEndRel())
        if head > 0 {
            if live > 0 { old.copyMemory(from: old + head, byteCount: live) }
            tail &-= head
            head = 0
        }
        guard relEnd > capacity else { return true }
        var grown = capacity
        while grown < relEnd { grown &*= 2 }
        grown = min(grown, budget)
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
        if live > 0 { fresh.copyMemory(from: old, byteCount: live) }
        freeBuffer(old)
        storage = fresh
        capacity = grown
        return true
    }

    /// End of the last held range relative to `head`, or 0.
    private func heldEndRel() -> Int {
        guard heldCount > 0 else { return 0 }
        return Int(Int32(bitPattern: UInt32(truncatingIfNeeded: heldAt(heldCount &- 1)) &- headSeq))
    }

    /// Copies payload bytes `[src, src+length)` to relative position `rel`, skipping the bytes
    /// that held ranges already cover (the first copy wins).
    private func writeUncovered(rel: Int, src: Int, length: Int, payload: UnsafeRawBufferPointer) {
        guard let storage, length > 0 else { return }
        let base = payload.baseAddress.unsafelyUnwrapped
        var cursor = rel
        let stop = rel &+ length
        var i = 0
        while cursor < stop {
            // Next held range that ends after `cursor`.
            var nextStart = stop
            var nextEnd = stop
            while i < heldCount {
                let r = heldAt(i)
                let s = Int(Int32(bitPattern: UInt32(truncatingIfNeeded: r >> 32) &- headSeq))
                let e = Int(Int32(bitPattern: UInt32(truncatingIfNeeded: r) &- headSeq))
                if e <= cursor { i &+= 1; continue }
                nextStart = max(s, cursor); nextEnd = e
                break
            }
            let copyEnd = min(nextStart, stop)
            if copyEnd > cursor {
                let dst: UnsafeMutableRawPointer = storage + (head &+ cursor)
                let from: UnsafeRawPointer = base + (src &+ cursor &- rel)
                dst.copyMemory(from: from, byteCount: copyEnd &- cursor)
            }
            if nextStart >= stop { break }
            cursor = min(nextEnd, stop)
            i &+= 1
        }
    }

    /// Extends `tail` by `n` newly written bytes and then over every held range it reaches.
    private mutating func advanceTail(over n: Int) {
        tail &+= n
        bytesDelivered &+= n
        while heldCount > 0 {
            let r = heldAt(0)
            let s = Int(Int32(bitPattern: UInt32(truncatingIfNeeded: r >> 32) &- headSeq))
            let e = Int(Int32(bitPattern: UInt32(truncatingIfNeeded: r) &- headSeq))
            let contig = tail &- head
            guard s <= contig else { break }
            if e > contig { bytesDelivered &+= e &- contig; tail = head &+ e }
            removeHeld(at: 0)
        }
    }

    /// Inserts [start, end) into the held list, merging with overlapping or adjacent ranges.
    /// Returns false if the list is full and the range touches no existing one.
    private mutating func insertHeld(start: UInt32, end: UInt32) -> Bool {
        var s = Int(Int32(bitPattern: start &- headSeq))
        var e = Int(Int32(bitPattern: end &- headSeq))
        // Find the ranges that overlap or touch [s, e).
        var first = heldCount
        var last = -1
        for i in 0..<heldCount {
            let r = heldAt(i)
            let rs = Int(Int32(bitPattern: UInt32(truncatingIfNeeded: r >> 32) &- headSeq))
            let re = Int(Int32(bitPattern: UInt32(truncatingIfNeeded: r) &- headSeq))
            if re < s { continue }
            if rs > e { if first == heldCount { first = i }; break }
            if first == heldCount { first = i }
            last = i
            if rs < s { s = rs }
            if re > e { e = re }
        }
        let mergedStart: UInt32 = headSeq &+ UInt32(truncatingIfNeeded: s)
        let mergedEnd: UInt32 = headSeq &+ UInt32(truncatingIfNeeded: e)
        let merged = UInt64(mergedStart) << 32 | UInt64(mergedEnd)
        if last >= first {
            // Replace ranges first...last by the merged one.
            setHeld(first, merged)
            let drop = last &- first
            if drop > 0 {
                for _ in 0..<drop { removeHeld(at: first &+ 1) }
            }
            return true
        }
        guard heldCount < Self.maxHeldRanges else { return false }
        // Insert at `first` (the position of the first range after it, or the end).
        var i = heldCount
        while i > first { setHeld(i, heldAt(i &- 1)); i &-= 1 }
        setHeld(first, merged)
        heldCount &+= 1
        return true
    }

    private mutating func removeHeld(at index: Int) {
        var i = index
        while i < heldCount &- 1 { setHeld(i, heldAt(i &+ 1)); i &+= 1 }
        heldCount &-= 1
    }

    @inline(__always) private func heldAt(_ i: Int) -> UInt64 {
        withUnsafeBytes(of: held) { $0.load(fromByteOffset: i &* 8, as: UInt64.self) }
    }

    @inline(__always) private mutating func setHeld(_ i: Int, _ v: UInt64) {
        withUnsafeMutableBytes(of: &held) { $0.storeBytes(of: v, toByteOffset: i &* 8, as: UInt64.self) }
    }
}

/// The bytes of a stream's first reassembly buffer (`StreamReassembler.firstBuffer`), a block of
/// its inspection slab's pool (`StateArena.streams`).
typealias ReassemblyBlock = InlineArray<4096, UInt8>

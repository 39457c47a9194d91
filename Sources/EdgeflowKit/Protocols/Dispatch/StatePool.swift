import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Fixed-size blocks for one kind of per-flow protocol state (`HeapValue`), cut from chunks of
/// memory mapped for it alone. Hand-written because malloc cannot be told to do this for one kind
/// of object: the states of one kind lie side by side, not among other objects (and an RTP state
/// on a cache line without `posix_memalign`'s slack), and a chunk's pages are made present in one
/// call (`MADV_POPULATE_WRITE`), not by a fault per 4 KiB page as new flows write their states.
/// Not advised for transparent huge pages: that saved no measurable CPU and made a chunk's
/// pages take 4.7 times as long to make present (Benchmarks/README.md, h-arena).
///
/// One thread at a time owns the pool (the thread that owns its `InspectionSlab`): it allocates,
/// and frees the states it does not freeze (`release`). A frozen state (`FrozenValue`) is freed on
/// whatever thread drops it: its block goes on a lock-free list (`giveBack`) that the owner takes
/// whole when its own list is empty. Freed blocks are reused before the pool grows, so it holds
/// at most as many blocks as there were states at once (flows inspected, and ended flows whose
/// frozen states are not freed yet) and the rest of its last chunk; chunks grow from 64 KiB by
/// doubling to 2 MiB, and go back to the system with the pool (its slab's `StateArena` and
/// every frozen state of it gone).
final class StatePool<Value>: @unchecked Sendable {
    // Sendable: `returned` is atomic; everything else is the owner's (see above), or the last
    // reference's, in `deinit`.

    /// Bytes from one block to the next: the value's stride rounded up to `alignment`.
    let stride: Int
    /// The owner's free blocks, each holding the address of the next (nil ends the list).
    private var free: UnsafeMutableRawPointer? = nil
    /// Blocks freed by frozen states, pushed by any thread, taken whole by the owner.
    private let returned = Atomic<UnsafeMutableRawPointer?>(nil)
    /// The part of the newest chunk not handed out yet.
    private var next: UnsafeMutableRawPointer? = nil
    private var left = 0
    /// Every chunk mapped, with its length.
    private var chunks: [(base: UnsafeMutableRawPointer, bytes: Int)] = []
    /// The length of the next chunk.
    private var chunkBytes = StatePool.firstChunk
    /// Bytes mapped for the pool so far.
    private(set) var mappedBytes = 0

    static var firstChunk: Int { 64 << 10 }
    static var largestChunk: Int { 2 << 20 }

    /// - Parameter alignment: the boundary each block starts on (at least the value's own, and
    ///   malloc's 16 bytes): a cache line for a state laid out by cache line.
    init(alignment: Int = 16) {
        let a = max(alignment, MemoryLayout<Value>.alignment, 16)
        precondition(a & (a - 1) == 0 && a <= 4096, "a state's alignment is a power of two up to a page")
        stride = (max(MemoryLayout<Value>.stride, 1) + a - 1) & ~(a - 1)
    }

    /// Memory for one value (uninitialised).
    @inline(__always) func allocate() -> UnsafeMutablePointer<Value> {
        let p: UnsafeMutableRawPointer
        if let f = free {
            free = f.load(as: UnsafeMutableRawPointer?.self)
            p = f
        } else {
            p = refill()
        }
        return p.bindMemory(to: Value.self, capacity: 1)
    }

    /// A block when the owner's list is empty: the frozen states' returns (taken whole), else
    /// the newest chunk's next block, else a new chunk's first.
    @inline(never) private func refill() -> UnsafeMutableRawPointer {
        if returned.load(ordering: .relaxed) != nil, let list = returned.exchange(nil, ordering: .acquiring) {
            free = list.load(as: UnsafeMutableRawPointer?.self)
            return list
        }
        if left < stride { mapChunk() }
        guard let p = next else { preconditionFailure("a state pool's chunk holds at least one block") }
        next = p + stride
        left -= stride
        return p
    }

    /// Frees a value's memory (already deinitialised) on the owner's thread.
    @inline(__always) func release(_ p: UnsafeMutablePointer<Value>) {
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: free, as: UnsafeMutableRawPointer?.self)
        free = raw
    }

    /// Frees a value's memory (already deinitialised) on any thread.
    func giveBack(_ p: UnsafeMutablePointer<Value>) {
        let raw = UnsafeMutableRawPointer(p)
        var head = returned.load(ordering: .relaxed)
        while true {
            raw.storeBytes(of: head, as: UnsafeMutableRawPointer?.self)
            let (done, now) = returned.compareExchange(expected: head, desired: raw, successOrdering: .releasing,
                                                       failureOrdering: .relaxed)
            if done { return }
            head = now
        }
    }

    /// Maps the next chunk and hands out blocks from its start.
    private func mapChunk() {
        let bytes = max(chunkBytes, stride)
        chunkBytes = min(chunkBytes * 2, Self.largestChunk)
        let base = Self.map(bytes)
        chunks.append((base, bytes))
        mappedBytes += bytes
        next = base
        left = bytes
    }

    /// A chunk of `bytes`, its pages made present in one call (Linux 5.14; older kernels refuse
    /// it, and the pages then fault in as they are first written).
    private static func map(_ bytes: Int) -> UnsafeMutableRawPointer {
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            fatalError("out of memory for flows' protocol states (\(bytes) bytes more): lower --max-inspected-flows")
        }
        #if os(Linux)
        _ = madvise(p, bytes, 23)   // MADV_POPULATE_WRITE
        #endif
        return p
    }

    deinit {
        for c in chunks { munmap(c.base, c.bytes) }
    }
}

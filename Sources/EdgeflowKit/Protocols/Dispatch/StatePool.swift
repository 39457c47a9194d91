import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Fixed-size blocks for one kind of per-flow protocol state (`HeapValue`, or a TCP stream's first
/// reassembly buffer), cut from chunks of
/// memory mapped for it alone. Hand-written because malloc cannot be told to do this for one kind
/// of object: the states of one kind lie side by side, not among other objects (and an RTP state
/// on a cache line without `posix_memalign`'s slack), and a chunk's pages are made present in one
/// call (`MADV_POPULATE_WRITE`), not by a fault per 4 KiB page as new flows write their states.
/// The 2 MiB chunks are advised for transparent huge pages (`PageAdvice.huge`), a trade: with the
/// system's `defrag` at `madvise` such a chunk takes about 3.6 ms to make present instead of
/// 0.8 ms (h-arena, which dropped the advice alone for no CPU saved), and with the slots and the
/// slab also on huge pages the 3-million-flow flood took about 3 % less CPU (h-core;
/// Benchmarks/README.md, twenty-first session).
///
/// One thread at a time owns the pool (the thread that owns its `InspectionSlab`): it allocates,
/// and frees the states it does not freeze (`release`). A frozen state (`FrozenStates`) is freed on
/// whatever thread drops it: its block goes on a lock-free list (`giveBack`) that the owner takes
/// whole when its own list is empty. Freed blocks are reused before the pool grows; chunks grow
/// from 64 KiB by doubling to 2 MiB.
///
/// Chunks go back to the system when the owner `trim`s (at its flow table's sweeps, never per
/// packet). Once the bytes spare (mapped, less the blocks in use) exceed by a largest chunk
/// what is kept spare (as much as the blocks in use, or a largest chunk if more), and an eighth
/// more blocks came free than at the fewest since it last sorted, the free blocks are sorted by chunk, chunks found wholly
/// free are unmapped (the largest first, while what stays spare is at least what is kept), and
/// the free list is rebuilt from the other chunks' blocks, the fullest chunks' first, so that
/// new states fill them and the emptiest drain. So a pool at a steady level, or one that
/// shrank by less than half, neither maps nor unmaps, and after a sweep a pool holds at most
/// its blocks in use, as much again (or a largest chunk) and a largest chunk, besides chunks
/// in which a state in use or not yet given back lies. What is left goes with the pool (its
/// slab's `StateArena` and every frozen state of it gone). A chunk the system refuses ends the
/// run with exit status 2 and what to lower (`BusErrorGuard.stop`): no caller could take it back.
final class StatePool<Value>: @unchecked Sendable {
    // Sendable: `returned` and `givenBack` are atomic; everything else is the owner's (see
    // above), or the last reference's, in `deinit`.

    /// A chunk mapped, and its free blocks while `trim` sorts them.
    private struct Chunk {
        let base: UnsafeMutableRawPointer
        let bytes: Int
        var freeHead: UnsafeMutableRawPointer? = nil
        var freeTail: UnsafeMutableRawPointer? = nil
        var freeCount = 0
        var unmaps = false
    }

    /// Bytes from one block to the next: the value's stride rounded up to `alignment`.
    let stride: Int
    /// What the states are, for the message when the system refuses a chunk.
    let kind: String
    /// What to do when a chunk is refused (`init`'s `advice`).
    let advice: String
    /// The owner's free blocks, each holding the address of the next (nil ends the list).
    private var free: UnsafeMutableRawPointer? = nil
    /// Blocks freed by frozen states, pushed by any thread, taken whole by the owner.
    private let returned = Atomic<UnsafeMutableRawPointer?>(nil)
    /// Blocks pushed onto `returned` since the owner last counted them (`trim`).
    private let givenBack = Atomic<Int>(0)
    /// The part of the newest chunk not handed out yet.
    private var next: UnsafeMutableRawPointer? = nil
    private var left = 0
    /// Every chunk mapped, by address.
    private var chunks: [Chunk] = []
    /// The newest chunk's start: blocks are cut from it up to `next`.
    private var newest: UnsafeMutableRawPointer? = nil
    /// The length of the next chunk.
    private var chunkBytes = StatePool.firstChunk
    /// Bytes mapped for the pool now.
    private(set) var mappedBytes = 0
    /// Chunks mapped and unmapped so far.
    private(set) var chunksMapped = 0
    private(set) var chunksUnmapped = 0
    /// Blocks handed out and not freed, less those given back that `trim` counted.
    private(set) var inUse = 0
    /// Blocks cut from the chunks mapped now.
    private var cut = 0
    /// The fewest free blocks since the last sorting: `trim` sorts again only when an eighth more
    /// (at least a first chunk's blocks) are free, not at every sweep of a pool whose chunks all
    /// hold a state in use.
    private var freeLow = 0

    static var firstChunk: Int { 64 << 10 }
    static var largestChunk: Int { 2 << 20 }

    /// - Parameters:
    ///   - alignment: the boundary each block starts on (at least the value's own, and
    ///     malloc's 16 bytes): a cache line for a state laid out by cache line.
    ///   - kind: what the blocks hold, in words ("STUN/TURN states").
    ///   - advice: what to do when the system refuses the pool a chunk: the setting that bounds it.
    init(alignment: Int = 16, kind: String = "\(Value.self) states",
         advice: String = "Lower --max-inspected-flows (or --max-flows)") {
        let a = max(alignment, MemoryLayout<Value>.alignment, 16)
        precondition(a & (a - 1) == 0 && a <= 4096, "a state's alignment is a power of two up to a page")
        stride = (max(MemoryLayout<Value>.stride, 1) + a - 1) & ~(a - 1)
        self.kind = kind
        self.advice = advice
    }

    /// Memory for one value (uninitialised).
    @inline(__always) func allocate() -> UnsafeMutablePointer<Value> {
        block().at.bindMemory(to: Value.self, capacity: 1)
    }

    /// A block and whether it was never handed out before (`cut`).
    @inline(__always) private func block() -> (at: UnsafeMutableRawPointer, cut: Bool) {
        let b: (at: UnsafeMutableRawPointer, cut: Bool)
        if let f = free {
            free = f.load(as: UnsafeMutableRawPointer?.self)
            b = (f, false)
        } else {
            b = refill()
        }
        inUse &+= 1
        return b
    }

    /// A block when the owner's list is empty: the frozen states' returns (taken whole), else
    /// the newest chunk's next block, else a new chunk's first.
    @inline(never) private func refill() -> (at: UnsafeMutableRawPointer, cut: Bool) {
        if returned.load(ordering: .relaxed) != nil, let list = returned.exchange(nil, ordering: .acquiring) {
            free = list.load(as: UnsafeMutableRawPointer?.self)
            return (list, false)
        }
        if left < stride { mapChunk() }
        guard let p = next else { preconditionFailure("a state pool's chunk holds at least one block") }
        next = p + stride
        left -= stride
        cut += 1
        return (p, true)
    }

    /// Frees a value's memory (already deinitialised) on the owner's thread.
    @inline(__always) func release(_ p: UnsafeMutablePointer<Value>) {
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: free, as: UnsafeMutableRawPointer?.self)
        free = raw
        inUse &-= 1
    }

    /// Frees a value's memory (already deinitialised) on any thread.
    func giveBack(_ p: UnsafeMutablePointer<Value>) {
        let raw = UnsafeMutableRawPointer(p)
        var head = returned.load(ordering: .relaxed)
        while true {
            raw.storeBytes(of: head, as: UnsafeMutableRawPointer?.self)
            let (done, now) = returned.compareExchange(expected: head, desired: raw, successOrdering: .releasing,
                                                       failureOrdering: .relaxed)
            if done { break }
            head = now
        }
        givenBack.wrappingAdd(1, ordering: .relaxed)
    }

    /// On the owner's thread, at a flow table's sweep: gives wholly free chunks back to the
    /// system where far more is spare than in use (see the type's comment). Returns the bytes
    /// unmapped.
    @discardableResult
    func trim() -> Int {
        guard cut > 0 else { return 0 }
        inUse &-= givenBack.exchange(0, ordering: .relaxed)
        let freeBlocks = cut - inUse
        freeLow = min(freeLow, freeBlocks)
        let keep = max(inUse * stride, Self.largestChunk)
        // Sorted again only once an eighth more blocks (at least a first chunk's) came free than
        // at the fewest since the last sort: each walk over the free blocks is paid for by the
        // frees before it, however often a capture's clock makes the table sweep.
        let newlyFree = max(Self.firstChunk / stride, freeLow / 8)
        guard mappedBytes - inUse * stride >= keep + Self.largestChunk, freeBlocks > freeLow + newlyFree else { return 0 }
        return sortFree(keeping: keep)
    }

    /// Sorts every free block into its chunk's list, unmaps wholly free chunks (the largest
    /// first) while at least `keep` bytes stay spare, and rebuilds the owner's list from the
    /// rest, the fullest chunks' blocks first.
    private func sortFree(keeping keep: Int) -> Int {
        for i in chunks.indices {
            chunks[i].freeHead = nil
            chunks[i].freeTail = nil
            chunks[i].freeCount = 0
        }
        var found = 0
        for list in [free, returned.exchange(nil, ordering: .acquiring)] {
            var p = list
            while let block = p {
                p = block.load(as: UnsafeMutableRawPointer?.self)
                let i = chunk(holding: block)
                block.storeBytes(of: chunks[i].freeHead, as: UnsafeMutableRawPointer?.self)
                if chunks[i].freeTail == nil { chunks[i].freeTail = block }
                chunks[i].freeHead = block
                chunks[i].freeCount += 1
                found += 1
            }
        }
        free = nil
        // Wholly free: every block cut from it is free (the newest chunk's are those before `next`).
        var empty = chunks.indices.filter { chunks[$0].freeCount == blocksCut(chunks[$0]) }
        empty.sort { chunks[$0].bytes > chunks[$1].bytes }
        var spare = mappedBytes - inUse * stride
        for i in empty where spare - chunks[i].bytes >= keep {
            spare -= chunks[i].bytes
            chunks[i].unmaps = true
        }
        var kept = chunks.indices.filter { !chunks[$0].unmaps && chunks[$0].freeCount > 0 }
        kept.sort { chunks[$0].freeCount > chunks[$1].freeCount }
        // Pushed emptiest first, so the fullest chunk's blocks are at the head.
        for i in kept {
            chunks[i].freeTail?.storeBytes(of: free, as: UnsafeMutableRawPointer?.self)
            free = chunks[i].freeHead
        }
        var unmapped = 0
        for c in chunks where c.unmaps {
            found -= c.freeCount
            cut -= c.freeCount
            if c.base == newest {
                newest = nil
                next = nil
                left = 0
            }
            munmap(c.base, c.bytes)
            mappedBytes -= c.bytes
            unmapped += c.bytes
            chunksUnmapped += 1
        }
        chunks.removeAll { $0.unmaps }
        freeLow = found
        return unmapped
    }

    /// The blocks cut from `c` so far: all it holds, but for the newest chunk.
    private func blocksCut(_ c: Chunk) -> Int {
        guard c.base == newest, let next else { return c.bytes / stride }
        return (next - c.base) / stride
    }

    /// The index of the chunk holding `block` (chunks are kept by address).
    private func chunk(holding block: UnsafeMutableRawPointer) -> Int {
        var low = 0, high = chunks.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if chunks[mid].base <= block { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// Maps the next chunk and hands out blocks from its start.
    private func mapChunk() {
        let bytes = max(chunkBytes, stride)
        chunkBytes = min(chunkBytes * 2, Self.largestChunk)
        let base = map(bytes)
        let at = chunks.firstIndex { $0.base > base } ?? chunks.count
        chunks.insert(Chunk(base: base, bytes: bytes), at: at)
        mappedBytes += bytes
        chunksMapped += 1
        newest = base
        next = base
        left = bytes
    }

    /// A chunk of `bytes`, its pages made present in one call (Linux 5.14; older kernels refuse
    /// it, and the pages then fault in as they are first written), as huge pages where it holds
    /// whole ones (`PageAdvice.huge`: the 2 MiB chunks, which Linux 6.7 on maps on a huge page's
    /// boundary). A chunk the system refuses ends the run.
    private func map(_ bytes: Int) -> UnsafeMutableRawPointer {
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            let reason = String(cString: strerror(errno))
            BusErrorGuard.refused("the inspected flows' protocol states", """
                \(bytes) bytes more for \(kind) (\(reason); \(mappedBytes) bytes held for \(inUse) of them in \
                this flow table)
                """, advice: advice)
        }
        #if os(Linux)
        PageAdvice.huge(p, bytes: bytes)
        PageAdvice.populate(p, bytes: bytes)
        #endif
        return p
    }

    deinit {
        for c in chunks { munmap(c.base, c.bytes) }
    }
}

extension StatePool where Value: BitwiseCopyable {
    /// Memory for one value holding the value at `zero`, whose bits are all zero: a block cut from
    /// a chunk for the first time is zero already (the system zeroed the chunk's pages, and no
    /// block past `next` was handed out before), so only a reused block is copied into, and a new
    /// state's lines are first written by what it records, not all at once by the copy.
    @inline(__always) func allocate(zeroed zero: UnsafePointer<Value>) -> UnsafeMutablePointer<Value> {
        let (at, cut) = block()
        let p = at.bindMemory(to: Value.self, capacity: 1)
        if !cut { p.initialize(from: zero, count: 1) }
        return p
    }
}

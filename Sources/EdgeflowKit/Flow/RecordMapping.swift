import CMapping
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The flow table's records in an anonymous mapping of their own: it starts on a page, so with
/// records of 192 bytes (three cache lines) every record starts on a line and its first 128
/// bytes (`FlowRecord`'s hot part) are two lines. (From `realloc` they started 16 bytes past a
/// page at a stride of 200: the first 128 bytes spanned three lines for 7 records of 8.) A
/// doubling resizes the mapping (`mremap`: in place or its page tables moved, nothing copied, as
/// glibc's `realloc` of a large block did). Small pages only: fresh huge pages cost this
/// project's test VM more system time than their faults saved (Benchmarks/README.md, h-slots),
/// and advice over part of the mapping would split it. Pages are made present by the table
/// (`FlowTable.populate`), a batch of records at a time.
enum RecordMapping {
    /// The bytes mapped for `capacity` records: whole pages.
    @inline(__always)
    static func bytes(_ capacity: Int) -> Int {
        (capacity &* MemoryLayout<FlowRecord>.stride &+ PageAdvice.pageSize &- 1) & ~(PageAdvice.pageSize &- 1)
    }

    /// A mapping for `capacity` records; nil where the system refuses it (`errno` set).
    static func make(_ capacity: Int) -> UnsafeMutablePointer<FlowRecord>? {
        let bytes = bytes(capacity)
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else { return nil }
        return p.bindMemory(to: FlowRecord.self, capacity: bytes / MemoryLayout<FlowRecord>.stride)
    }

    /// The records at `records` (a mapping for `old` of them) in a mapping for `new` (more), their
    /// bytes unchanged; `records` is not to be used again unless it is returned. Nil where the
    /// system refuses the memory (`errno` set; `records` then still holds them).
    static func grow(_ records: UnsafeMutablePointer<FlowRecord>, from old: Int, to new: Int) -> UnsafeMutablePointer<FlowRecord>? {
        let (oldBytes, newBytes) = (bytes(old), bytes(new))
        if newBytes == oldBytes { return records }
        #if os(Linux)
        guard let p = edgeflow_grow_mapping(records, oldBytes, newBytes), p != MAP_FAILED else { return nil }
        return p.assumingMemoryBound(to: FlowRecord.self)
        #else
        guard let to = make(new) else { return nil }
        UnsafeMutableRawPointer(to).copyMemory(from: records, byteCount: oldBytes)
        unmap(records, old)
        return to
        #endif
    }

    /// Unmaps the mapping for `capacity` records.
    static func unmap(_ records: UnsafeMutablePointer<FlowRecord>, _ capacity: Int) {
        munmap(UnsafeMutableRawPointer(records), bytes(capacity))
    }
}

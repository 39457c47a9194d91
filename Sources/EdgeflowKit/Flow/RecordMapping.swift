import CMapping
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The flow table's records in an anonymous mapping of their own, resized as the table doubles
/// (`mremap`: in place, or its page tables moved; nothing copied, as glibc's `realloc` of a large
/// block did). Nothing of theirs is ever in malloc's heap, whatever its mmap threshold (glibc
/// raises it as large blocks are freed, and the records' arrays under it then stayed resident
/// once freed). Small pages only: fresh huge pages cost this project's test VM more system time
/// than their faults saved (Benchmarks/README.md, h-slots), and advice over part of the mapping
/// would split it. Pages are made present by the table (`FlowTable.populate`), a batch of records
/// at a time.
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

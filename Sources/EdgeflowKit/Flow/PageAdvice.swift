#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Advice to the kernel on the whole pages of the flow state's preallocated arrays (flow
/// records, slots, inspections, state pools' chunks), never a byte outside them: make present,
/// give back after a peak, back with huge pages.
enum PageAdvice {
    /// The system's page size (at least 4 KiB).
    static let pageSize = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
    /// The bytes of a huge page (x86-64, and arm64 with 4 KiB pages).
    static let hugePageSize = 2 << 20

    /// Makes the whole pages within `bytes` from `start` present in one call
    /// (`MADV_POPULATE_WRITE`, Linux 5.14; older kernels refuse it, and the pages then fault in
    /// as they are first written).
    static func populate(_ start: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        advise(start, bytes: bytes, 23, unit: pageSize)
        #endif
    }

    /// Gives back the whole pages between `start` and `end` (`MADV_DONTNEED`: private anonymous
    /// pages read as zeros when next touched, so only memory whose contents are no longer
    /// needed); returns their bytes.
    @discardableResult
    static func giveBack<T: ~Copyable>(_ start: UnsafeMutablePointer<T>, to end: UnsafeMutablePointer<T>) -> Int {
        advise(UnsafeMutableRawPointer(start), bytes: Int(bitPattern: end) &- Int(bitPattern: start), MADV_DONTNEED, unit: pageSize)
    }

    /// Asks for huge pages over the whole huge pages within `bytes` from `start`, before they
    /// are first touched (`MADV_HUGEPAGE`: Linux, transparent huge pages at `madvise` or
    /// `always`). A hint: a kernel without them refuses it, and the pages stay small. For memory
    /// a packet's lookup reads at random (slots, slab, the pools' 2 MiB chunks; not the flow
    /// records: see `RecordMapping`): with 4 KiB pages nearly every lookup of a table
    /// larger than the TLB's reach (8 MB) also misses the TLB, and a prefetch does not hide the
    /// page walk (in a virtual machine, a walk of two page tables).
    static func huge(_ start: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        advise(start, bytes: bytes, 14, unit: hugePageSize)   // MADV_HUGEPAGE
        #endif
    }

    /// `advice` over the whole `unit`s within `bytes` from `start`; returns their bytes.
    @discardableResult
    private static func advise(_ start: UnsafeMutableRawPointer, bytes: Int, _ advice: Int32, unit: Int) -> Int {
        let first = (Int(bitPattern: start) &+ unit &- 1) & ~(unit &- 1)
        let last = (Int(bitPattern: start) &+ bytes) & ~(unit &- 1)
        guard last > first, let p = UnsafeMutableRawPointer(bitPattern: first) else { return 0 }
        _ = madvise(p, last &- first, advice)
        return last &- first
    }
}

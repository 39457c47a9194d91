#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Transparent huge pages for the memory a packet's lookup reads at random: the flow table's
/// slots, the inspection slab and the state pools' largest chunks (not memory that `realloc`
/// may grow: see `FlowTable`). With 4 KiB pages
/// nearly every lookup of a table larger than the TLB's reach (8 MB) also misses the TLB, and a
/// prefetch does not hide the page walk (in a virtual machine, a walk of two page tables).
enum LargePages {
    /// The bytes of a huge page (x86-64, and arm64 with 4 KiB pages).
    static let size = 2 << 20

    /// Asks the kernel to back the whole huge pages within `bytes` from `start` with huge pages
    /// (`MADV_HUGEPAGE`: Linux, transparent huge pages set to `madvise` or `always`), before they
    /// are first touched. A hint: a kernel without them refuses it, and the pages stay small; a
    /// range holding no whole huge page is left alone.
    static func advise(_ start: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        let first = (Int(bitPattern: start) &+ size &- 1) & ~(size &- 1)
        let last = (Int(bitPattern: start) &+ bytes) & ~(size &- 1)
        if last > first, let p = UnsafeMutableRawPointer(bitPattern: first) {
            _ = madvise(p, last &- first, 14)   // MADV_HUGEPAGE
        }
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gives the pages of preallocated arrays (flow records, slots, inspections) back to the system
/// after a peak, keeping the allocation: the whole pages between two addresses, never a byte
/// outside them.
enum PageRelease {
    /// The system's page size (at least 4 KiB).
    static let pageSize = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))

    /// Gives back the whole pages between `start` and `end` (`MADV_DONTNEED`: private anonymous
    /// pages read as zeros when next touched, so only memory whose contents are no longer
    /// needed); returns their bytes.
    @discardableResult
    static func giveBack<T: ~Copyable>(_ start: UnsafeMutablePointer<T>, to end: UnsafeMutablePointer<T>) -> Int {
        let first = (Int(bitPattern: start) &+ pageSize &- 1) & ~(pageSize &- 1)
        let last = Int(bitPattern: end) & ~(pageSize &- 1)
        guard last > first, let p = UnsafeMutableRawPointer(bitPattern: first) else { return 0 }
        _ = madvise(p, last &- first, MADV_DONTNEED)
        return last &- first
    }
}

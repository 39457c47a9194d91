import CMapping
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The flow table's slots in an anonymous mapping of their own: whole pages, from a huge page's
/// boundary once they fill one (`PageAdvice.huge`), present from the start (`PageAdvice.populate`).
/// Fresh pages are zeros, so nothing writes zeros over them, and every slot of the mapping past
/// the table's count is empty (0): a doubling within one page needs no new memory. From 2 MiB on,
/// a doubling moves the pages to a mapping twice the size (`mremap`: page tables moved, nothing
/// copied) and makes only the new half present: a 3M-flow flood's slots had the kernel zero every
/// array it made (twice the last one) and the table write zeros over each again.
enum SlotMapping {
    /// The bytes mapped for `count` slots: whole pages.
    @inline(__always)
    static func bytes(_ count: Int) -> Int { max(count &* MemoryLayout<UInt64>.stride, PageAdvice.pageSize) }

    /// A mapping of `count` empty slots, its pages present; nil where the system refuses it (`errno` set).
    static func make(_ count: Int) -> UnsafeMutablePointer<UInt64>? {
        let bytes = bytes(count)
        guard let p = reserve(bytes) else { return nil }
        PageAdvice.huge(p, bytes: bytes)
        PageAdvice.populate(p, bytes: bytes)
        return p.bindMemory(to: UInt64.self, capacity: bytes / MemoryLayout<UInt64>.stride)
    }

    /// The `old` slots at `slots` in a mapping of `new` (more) slots, the ones past `old` empty;
    /// `slots` is not to be used again unless it is returned. Nil where the system refuses the
    /// memory (`errno` set; `slots` then still holds the table, unless the move itself failed).
    static func grow(_ slots: UnsafeMutablePointer<UInt64>, from old: Int, to new: Int) -> UnsafeMutablePointer<UInt64>? {
        let (oldBytes, newBytes) = (bytes(old), bytes(new))
        if newBytes == oldBytes { return slots }
        guard let to = reserve(newBytes) else { return nil }
        #if os(Linux)
        if oldBytes >= PageAdvice.hugePageSize {
            // Below a huge page the pages are copied instead: the first huge page is then one too.
            guard edgeflow_move_mapping(slots, oldBytes, newBytes, to) == to else { return nil }
            PageAdvice.huge(to, bytes: newBytes)
            PageAdvice.populate(to + oldBytes, bytes: newBytes &- oldBytes)
            return to.assumingMemoryBound(to: UInt64.self)
        }
        #endif
        PageAdvice.huge(to, bytes: newBytes)
        PageAdvice.populate(to, bytes: newBytes)
        to.copyMemory(from: slots, byteCount: oldBytes)
        unmap(slots, old)
        return to.bindMemory(to: UInt64.self, capacity: newBytes / MemoryLayout<UInt64>.stride)
    }

    /// Gives back the pages of the slots past the first `new` of `old` (`new` of them fill whole
    /// pages); returns their bytes.
    static func shrink(_ slots: UnsafeMutablePointer<UInt64>, from old: Int, to new: Int) -> Int {
        let (oldBytes, newBytes) = (bytes(old), bytes(new))
        guard oldBytes > newBytes else { return 0 }
        munmap(UnsafeMutableRawPointer(slots) + newBytes, oldBytes &- newBytes)
        return oldBytes &- newBytes
    }

    /// Unmaps the mapping of `count` slots.
    static func unmap(_ slots: UnsafeMutablePointer<UInt64>, _ count: Int) {
        munmap(UnsafeMutableRawPointer(slots), bytes(count))
    }

    /// A fresh mapping of `bytes`, starting on a huge page's boundary where it holds one or more.
    private static func reserve(_ bytes: Int) -> UnsafeMutableRawPointer? {
        let align = bytes >= PageAdvice.hugePageSize ? PageAdvice.hugePageSize : 0
        guard let p = mmap(nil, bytes &+ align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              p != MAP_FAILED else { return nil }
        guard align > 0 else { return p }
        let head = (align &- Int(bitPattern: p) & (align &- 1)) & (align &- 1)
        if head > 0 { munmap(p, head) }
        munmap(p + (head &+ bytes), align &- head)
        return p + head
    }
}

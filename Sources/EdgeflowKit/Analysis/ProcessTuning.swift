#if canImport(Glibc)
import Glibc
#endif

/// Settings of the whole process that the engine works best with, made once at start-up
/// (they are the process's, not a run's: a library user decides whether to apply them).
public enum ProcessTuning {
    /// Tunes glibc's malloc for runs with several threads (harmless with one): a trim threshold
    /// of 16 MiB, since what one thread allocates another frees, and without it glibc hands the
    /// freed top of the heap back to the kernel and the next allocation faults in zeroed pages
    /// again. The threads keep glibc's arena per thread: with one arena for all (M_ARENA_MAX 1,
    /// tried) the threads' reports and flows waited on its lock some 5,000 times in a
    /// 5M-packet run (strace), and two threads took 6 % more wall time. Call once, before any other thread starts.
    public static func apply() {
        #if canImport(Glibc)
        _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, 16 << 20)
        applied = true
        #endif
    }

    /// How far `growThreadHeap` grows a flow worker's arena, and an ending or report thread's (a
    /// worker's grew by 37 MB in the 5M-packet run, an ending thread's by 6-9 MB).
    static let workerHeap = 48 << 20
    static let endingHeap = 16 << 20

    /// Set once by `apply`, before any other thread starts; read by the threads it tunes.
    nonisolated(unsafe) private static var applied = false

    /// Grows the calling thread's malloc arena by about `bytes` at once, once `apply` was called.
    /// glibc makes a new thread's arena (every thread's but the main one's) usable one page at a
    /// time, an `mprotect` per page as it fills (12,000 calls in a 5M-packet run with two threads,
    /// `strace -c -f`); blocks under the smallest mmap threshold (128 KiB), taken and given back
    /// here, make the room usable in large steps, and the trim gives their pages back (`madvise`)
    /// without taking the room away. Call first thing on a thread.
    static func growThreadHeap(_ bytes: Int) {
        #if canImport(Glibc)
        guard applied else { return }
        let block = 96 << 10
        let n = bytes / block
        let blocks = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: max(1, n))
        defer { blocks.deallocate() }
        for k in 0..<n { blocks[k] = malloc(block) }
        for k in (0..<n).reversed() { free(blocks[k]) }
        #endif
    }
}

#if canImport(Glibc)
/// glibc's mallopt(3), which the Glibc module does not export (malloc.h is not in it).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

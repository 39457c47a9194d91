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
        #endif
    }
}

#if canImport(Glibc)
/// glibc's mallopt(3), which the Glibc module does not export (malloc.h is not in it).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

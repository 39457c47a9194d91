import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM ask a long run to stop: the handler only sets a flag, which the run
/// polls between dispatches, then flushes and reports.
public enum StopSignal {
    private static let flag = Atomic<Bool>(false)

    public static func install() {
        signal(SIGINT) { _ in StopSignal.flag.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in StopSignal.flag.store(true, ordering: .relaxed) }
    }

    private static let writeFailed = Atomic<Bool>(false)

    /// Asks the run to stop as a signal would, because its output cannot be written.
    public static func requestAfterWriteError() {
        writeFailed.store(true, ordering: .relaxed)
        flag.store(true, ordering: .relaxed)
    }

    /// Why the run stopped, for the log's `reason`: `write_error` when asked by
    /// `requestAfterWriteError`, else `signal`.
    public static var reason: String { writeFailed.load(ordering: .relaxed) ? "write_error" : "signal" }

    public static var requested: Bool { flag.load(ordering: .relaxed) }

    /// Blocks until a signal asks to stop, or `seconds` pass.
    public static func wait(seconds: Double = .infinity) {
        flag.store(false, ordering: .relaxed)
        var left = seconds
        while !requested && left > 0 { usleep(100_000); left -= 0.1 }
    }
}

/// Wall-clock time in nanoseconds since the epoch.
func wallClock() -> Int64 {
    var t = timespec()
    clock_gettime(CLOCK_REALTIME, &t)
    return Int64(t.tv_sec) &* 1_000_000_000 &+ Int64(t.tv_nsec)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many threads `--threads auto` runs: one where sharding would not pay, else one per
/// core up to `most`. Every thread of a sharded run reads and decodes the headers of every
/// packet (`ShardedRun`), so each added thread costs that much more CPU in all (with two
/// threads, 1.34 times one thread's instructions, the busier thread doing 0.64 of one
/// thread's work: `Benchmarks/README.md`, "Cores that pay").
public enum ThreadChoice {
    /// Captures smaller than this (in all) are read by one thread: starting the workers and
    /// the report thread, and replaying, cost more than sharing the flows saves.
    public static let smallestSharded = 32 << 20
    /// At most this many threads: each reads every packet's headers, a share of the work
    /// that does not shrink as threads are added.
    public static let most = 4

    /// The cores online.
    public static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Threads for captures of `captureBytes` in all on `cores` cores.
    public static func threads(cores: Int, captureBytes: Int) -> Int {
        cores <= 1 || captureBytes < smallestSharded ? 1 : min(cores, most)
    }
}

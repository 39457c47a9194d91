import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if os(Linux)
/// glibc's `sched_getaffinity`, which Swift's Glibc module leaves out (it needs `_GNU_SOURCE`).
@_silgen_name("sched_getaffinity")
private func schedGetAffinity(_ pid: Int32, _ size: Int, _ mask: UnsafeMutableRawPointer) -> Int32
#endif

/// How many threads `--threads auto` runs: one where sharding would not pay (one or two cores,
/// a small capture), else one per core up to `most`. The calling thread of a sharded run reads
/// and routes every packet and adds every flow to the report in order (`ShardedRun`; every
/// table's live flows are ended and classified on a thread of their own, `TableEnding`), work
/// that added threads do not share (`Benchmarks/README.md`, "Where it stands": what each
/// choice costs on the 5-million-packet capture).
public enum ThreadChoice {
    /// Captures smaller than this (in all) are read by one thread: starting the workers and
    /// the report thread, and replaying, cost more than sharing the flows saves.
    public static let smallestSharded = 32 << 20
    /// Fewer cores than this run one thread: on 2 cores two threads take about a third more CPU
    /// than one for about three quarters of its wall time on the 5-million-packet capture
    /// (`Benchmarks/README.md`, "Where it stands"), and the second core is often the one the rest
    /// of the machine needs.
    public static let fewestCores = 3
    /// At most this many threads: the calling thread's share (reading and routing every packet,
    /// classifying the flows live at the end) does not shrink as threads are added.
    public static let most = 4

    /// The CPUs this process may run on (its affinity mask: `taskset`, a container's cpuset),
    /// capped by the cgroup v2 CPU quota when there is one; at least 1.
    public static var cores: Int {
        var cpus = affinityCPUs() ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/cpu.max", encoding: .utf8),
           let quota = quotaCPUs(cpuMax: text) {
            cpus = min(cpus, quota)
        }
        return max(1, cpus)
    }

    /// The CPUs in the calling thread's affinity mask (`sched_getaffinity`), or nil where it
    /// cannot be read.
    static func affinityCPUs() -> Int? {
        #if os(Linux)
        // glibc's cpu_set_t: 1,024 bits. CPU_COUNT is a C macro: the bits are counted here.
        var mask = [UInt64](repeating: 0, count: 16)
        let got = mask.withUnsafeMutableBytes { schedGetAffinity(0, $0.count, $0.baseAddress!) }
        guard got == 0 else { return nil }
        return mask.reduce(0) { $0 + $1.nonzeroBitCount }
        #else
        return nil
        #endif
    }

    /// The CPUs a cgroup v2 `cpu.max` allows ("$MAX $PERIOD": a quota of MAX microseconds of
    /// CPU time per PERIOD, rounded up; "max $PERIOD": no quota, nil), or nil for text it
    /// cannot read.
    static func quotaCPUs(cpuMax text: String) -> Int? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, fields[0] != "max", let quota = Int(fields[0]), let period = Int(fields[1]),
              quota > 0, period > 0 else { return nil }
        return quota / period + (quota % period == 0 ? 0 : 1)
    }

    /// Threads for captures of `captureBytes` in all on `cores` cores.
    public static func threads(cores: Int, captureBytes: Int) -> Int {
        cores < fewestCores || captureBytes < smallestSharded ? 1 : min(cores, most)
    }
}

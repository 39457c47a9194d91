import Foundation
import Testing
@testable import EdgeflowKit

#if os(Linux)
@_silgen_name("sched_setaffinity")
private func schedSetAffinity(_ pid: Int32, _ size: Int, _ mask: UnsafeRawPointer) -> Int32
@_silgen_name("sched_getaffinity")
private func schedGetAffinityForTest(_ pid: Int32, _ size: Int, _ mask: UnsafeMutableRawPointer) -> Int32
#endif

/// `--threads auto` must never cost where sharding cannot pay: one core, or a small capture;
/// and the cores are those this process may run on, not those the machine has.
@Suite("Automatic thread count")
struct ThreadChoiceTests {
    @Test("one thread on one or two cores or for a capture under 32 MB; else one per core, at most 4")
    func choice() {
        #expect(ThreadChoice.threads(cores: 1, captureBytes: 1 << 30) == 1)
        #expect(ThreadChoice.threads(cores: 2, captureBytes: 1 << 30) == 1)
        #expect(ThreadChoice.threads(cores: 3, captureBytes: 31 << 20) == 1)
        #expect(ThreadChoice.threads(cores: 3, captureBytes: 32 << 20) == 3)
        #expect(ThreadChoice.threads(cores: 3, captureBytes: 1 << 30) == 3)
        #expect(ThreadChoice.threads(cores: 16, captureBytes: 1 << 30) == 4)
    }

    /// cgroup v2's cpu.max (Documentation/admin-guide/cgroup-v2.rst): "$MAX $PERIOD", "max"
    /// for no limit; the default is "max 100000".
    @Test("cgroup v2 cpu.max: a quota in CPUs, rounded up; none for max")
    func cpuMax() {
        #expect(ThreadChoice.quotaCPUs(cpuMax: "max 100000\n") == nil)
        #expect(ThreadChoice.quotaCPUs(cpuMax: "200000 100000\n") == 2)
        #expect(ThreadChoice.quotaCPUs(cpuMax: "150000 100000") == 2)
        #expect(ThreadChoice.quotaCPUs(cpuMax: "50000 100000\n") == 1)
        #expect(ThreadChoice.quotaCPUs(cpuMax: "") == nil)
        #expect(ThreadChoice.quotaCPUs(cpuMax: "100000") == nil)
        #expect(ThreadChoice.quotaCPUs(cpuMax: "0 100000") == nil)
        #expect(ThreadChoice.quotaCPUs(cpuMax: "100000 0") == nil)
    }

    #if os(Linux)
    /// As under `taskset -c 0`: the thread may run on CPU 0 only (its mask is put back after).
    @Test("a thread bound to one CPU counts one, whatever the machine has")
    func affinity() throws {
        var saved = [UInt64](repeating: 0, count: 16)
        try #require(saved.withUnsafeMutableBytes { schedGetAffinityForTest(0, $0.count, $0.baseAddress!) } == 0)
        defer { _ = saved.withUnsafeBytes { schedSetAffinity(0, $0.count, $0.baseAddress!) } }
        let all = saved.reduce(0) { $0 + $1.nonzeroBitCount }
        #expect(ThreadChoice.affinityCPUs() == all)
        var one = [UInt64](repeating: 0, count: 16)
        one[0] = 1
        try #require(one.withUnsafeBytes { schedSetAffinity(0, $0.count, $0.baseAddress!) } == 0)
        #expect(ThreadChoice.affinityCPUs() == 1)
        #expect(ThreadChoice.cores == 1)
    }
    #endif

    @Test("auto runs one thread on a small capture, and its report is the one of --threads 1")
    func autoOnSmallCapture() throws {
        let path = repositoryRoot + "/Captures/edge-sample.pcap"
        var options = AnalyzeOptions(paths: [path])
        options.threads = AnalyzeOptions.automaticThreads
        let lease = try MappedCaptureReader(path: path).lease
        #expect(lease.size < ThreadChoice.smallestSharded)
        #expect(AnalyzeJob(options: options).threads(for: [lease]) == 1)
        let auto = try analyzeJSON([path]) { $0.threads = AnalyzeOptions.automaticThreads }
        let one = try analyzeJSON([path]) { $0.threads = 1 }
        #expect(auto as NSDictionary == one as NSDictionary)
    }
}

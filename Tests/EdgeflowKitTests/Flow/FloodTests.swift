import Foundation
import Testing
@testable import EdgeflowKit

/// Hostile traffic shapes: each stays within the configured bounds, and the report counts
/// what was evicted or dropped. Expected values follow from how the traffic is built.
@Suite("Floods stay within their bounds")
struct FloodTests {
    static let edge = "203.0.113.10", avEdge = "203.0.113.20", relay = "52.114.50.7"
    static let syn: UInt8 = 0x02, ack: UInt8 = 0x10

    /// One packet per microsecond, from 2026-03-02T09:00:00Z.
    private func report(_ frames: [[UInt8]], configure: (inout AnalyzeOptions) -> Void) throws -> [String: Any] {
        let records = frames.enumerated().map {
            TestRecord(seconds: 1_772_442_000 + UInt32($0.offset / 1_000_000), fraction: UInt32($0.offset % 1_000_000), data: $0.element)
        }
        let path = CaptureFile.temporary(CaptureFile.pcap(records))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try analyzeJSON([path], configure: configure)
    }

    private func address(_ i: Int) -> String { "10.\(i >> 16 & 0xFF).\(i >> 8 & 0xFF).\(i & 0xFF)" }

    @Test("a SYN flood from 100,000 sources stays at --max-flows; every eviction is counted")
    func synFlood() throws {
        var rng = SplitMix64(seed: 11)
        let n = 100_000, cap = 5_000
        let frames = (0..<n).map { i in
            Frames.tcp4(address(i), UInt16.random(in: 1024...65535, using: &rng), Self.edge, 5061, flags: Self.syn,
                        seq: UInt32.random(in: 0...UInt32.max, using: &rng))
        }
        let r = try report(frames) { $0.flow.maxFlows = cap }
        let c = r.capture
        #expect(c["flows"] as? Int == n)
        #expect(c["peak_live_flows"] as? Int == cap)
        let atEnd = r.flows.filter { $0["end_reason"] as? String == "end_of_input" }.count
        #expect(atEnd <= cap)
        #expect(c["flows_evicted"] as? Int == n - atEnd)
        #expect(r.flows.filter { $0["end_reason"] as? String == "evicted" }.count == n - atEnd)
    }

    /// README's "Limits" states the memory per live flow from this size (a record, and two to
    /// four 8-byte slots of the table at its load of a quarter to a half).
    @Test("a live flow's record stays at 168 bytes")
    func recordSize() {
        #expect(MemoryLayout<FlowRecord>.stride == 168)
        #expect(MemoryLayout<TCPFlowState>.size == 24)
        #expect(MemoryLayout<FlowHistory>.size == 21)
    }

    @Test("UDP from random ports to the A/V Edge: bounded the same way")
    func udpPortFlood() throws {
        let n = 60_000, cap = 2_000
        let frames = (0..<n).map { i in
            Frames.udp4(address(i / 40_000 + 1), UInt16(1024 + i % 40_000), Self.avEdge, 3478, payload: [0xDE, 0xAD, 0xBE, 0xEF])
        }
        let r = try report(frames) { $0.flow.maxFlows = cap }
        #expect(r.capture["flows"] as? Int == n)
        #expect(r.capture["peak_live_flows"] as? Int == cap)
        let atEnd = r.flows.filter { $0["end_reason"] as? String == "end_of_input" }.count
        #expect(r.capture["flows_evicted"] as? Int == n - atEnd)
    }

    @Test("TLS flows each parking data past a hole share one reassembly memory limit")
    func reassemblyMemoryLimit() throws {
        // Each flow: SYN, then 3,000 bytes starting 60,000 bytes after the ISN, so its buffer
        // must grow to the 64 KiB budget. 8 MiB hold exactly 128 such buffers.
        let flows = 400
        var frames: [[UInt8]] = []
        let parked = [0x16, 0x03, 0x01] + [UInt8](repeating: 0x42, count: 2_997)
        for i in 0..<flows {
            let src = address(i + 1)
            frames.append(Frames.tcp4(src, 40000, Self.edge, 5061, flags: Self.syn, seq: 1_000))
            frames.append(Frames.tcp4(src, 40000, Self.edge, 5061, flags: Self.ack, seq: 1_001 + 60_000, payload: parked))
        }
        let r = try report(frames) { $0.flow.reassemblyMemory = 8 << 20 }
        let re = r.capture["reassembly"] as! [String: Any]
        #expect(re["memory_limit"] as? Int == 8 << 20)
        #expect(re["peak_bytes"] as? Int == 128 * 65_536)
        #expect(re["streams_out_of_memory"] as? Int == flows - 128)
        #expect(r.capture["flows"] as? Int == flows)
    }

    @Test("tiny out-of-order segments: at most 8 held ranges, then the stream is given up")
    func tinyOutOfOrderSegments() throws {
        // 20,000 one-byte segments, every other byte, last first: no two ranges ever touch.
        var frames = [Frames.tcp4(Self.edge, 40000, "52.112.1.5", 5061, flags: Self.syn, seq: 5_000)]
        for k in stride(from: 19_999, through: 0, by: -1) {
            frames.append(Frames.tcp4(Self.edge, 40000, "52.112.1.5", 5061, flags: Self.ack, seq: 5_001 + 2 + UInt32(2 * k), payload: [0x16]))
        }
        let r = try report(frames) { _ in }
        let re = r.capture["reassembly"] as! [String: Any]
        // The buffer never outgrows the budget, and nothing is parsed from a stream with a hole.
        #expect((re["peak_bytes"] as! Int) <= 64 * 1024)
        #expect(r.flows.count == 1 && r.flows[0]["orig_pkts"] as? Int == 20_001)
        #expect(r.flows[0]["tls"] == nil)
    }

    @Test("first fragments whose tails never come are counted, not kept")
    func fragmentsNeverCompleted() throws {
        let n = 30_000
        var frames: [[UInt8]] = []
        for i in 0..<n {
            let u = Frames.udp(sport: UInt16(50_000 + i % 1_000), dport: 3478, payload: [UInt8](repeating: 0x80, count: 64))
            frames.append(Frames.ethernet(type: 0x0800)
                + Frames.ipv4Header(src: Self.avEdge, dst: Self.relay, proto: 17, payloadLength: u.count, moreFragments: true) + u)
            let tail = [UInt8](repeating: 0, count: 32)
            frames.append(Frames.ethernet(type: 0x0800)
                + Frames.ipv4Header(src: Self.avEdge, dst: Self.relay, proto: 17, payloadLength: tail.count, fragmentOffset: 100) + tail)
        }
        let r = try report(frames) { _ in }
        #expect(r.capture["ip_fragment_tails"] as? Int == n)
        #expect(r.capture["flows"] as? Int == 1_000)
        #expect(r.capture["peak_live_flows"] as? Int == 1_000)
    }

    @Test("100,000 STUN transactions on one flow: fixed-size state, every request counted")
    func stunTransactionFlood() throws {
        let n = 100_000, answered = 10
        var frames: [[UInt8]] = []
        func binding(_ type: UInt16, _ id: Int) -> [UInt8] {
            Frames.be16(type) + Frames.be16(0) + Frames.be32(0x2112_A442) + Frames.be32(UInt32(id)) + Frames.be32(0xED9E) + Frames.be32(0xF10E)
        }
        for i in 0..<n { frames.append(Frames.udp4(Self.avEdge, 3478, Self.relay, 3478, payload: binding(0x0001, i))) }
        for i in (n - answered)..<n { frames.append(Frames.udp4(Self.relay, 3478, Self.avEdge, 3478, payload: binding(0x0101, i))) }
        let r = try report(frames) { _ in }
        let stun = try #require(r.flows.first?["stun"] as? [String: Any])
        #expect(stun["messages"] as? Int == n + answered)
        #expect(stun["transactions_matched"] as? Int == answered)
        #expect(stun["unanswered"] as? Int == n - answered)
    }

    @Test("violations whose messages all differ: findings stay a bounded list, every flow counted")
    func findingsStayBounded() throws {
        let n = 3_000
        let frames = (0..<n).map { i in
            Frames.udp4(Self.avEdge, UInt16(10_000 + i), Self.relay, 3478, payload: [0xDE, 0xAD, 0xBE, 0xEF])
        }
        let r = try report(frames) { $0.edges[.avEdge] = [Prefix(Self.avEdge)!] }
        let violations = (r["findings"] as! [[String: Any]]).filter { $0["code"] as? String == "port_violation" }
        #expect(violations.count == Compliance.groupsPerCode + 1)
        #expect(violations.reduce(0) { $0 + ($1["flow_count"] as! Int) } == n)
    }

    /// 800 one-packet UDP flows, one a second from `start` (seconds).
    private func steadyFlows(from start: UInt32, tag: Int) -> [TestRecord] {
        (0..<800).map { TestRecord(seconds: start + UInt32($0), fraction: 0, data: Frames.udp4(address(tag << 12 | $0), 40000, Self.avEdge, 3478)) }
    }

    /// With a 120 s UDP timeout swept every 7.5 s, a flow a second leaves at most 120 + 7.5 + 1
    /// flows live, so 130, in each shard (a sharded run adds up its shards' peaks), and 64 more
    /// while the clock that went back waits its 64 packets (`SweepClock.allows`); without expiry
    /// 800 would be.
    @Test("a future outlier's timestamp does not switch idle expiry off", arguments: [1, 2])
    func futureOutlier(threads: Int) throws {
        var records = steadyFlows(from: 1_772_442_000, tag: 1)
        records.insert(TestRecord(seconds: 1_772_442_000 + 10_000_000, fraction: 0, data: Frames.udp4("10.99.0.1", 1, Self.avEdge, 3478)), at: 10)
        let path = CaptureFile.temporary(CaptureFile.pcap(records))
        let c = try analyzeJSON([path]) { $0.threads = threads }.capture
        // The clock going back sweeps again 64 packets (64 s here) after the outlier's sweep.
        #expect(try #require(c["peak_live_flows"] as? Int) <= (130 + 64 + 1) * threads)
        #expect(c["flows_expired"] as? Int ?? 0 >= 800 - 130 - 64)
    }

    /// Today's file then yesterday's (`--merge order`): today's 130 live flows wait for the end
    /// of input (yesterday's clock never passes them), yesterday's expire as they go (after the
    /// 64 packets a clock that went back waits).
    @Test("files merged newest first keep expiring flows", arguments: [1, 2])
    func newestFirst(threads: Int) throws {
        let today = CaptureFile.temporary(CaptureFile.pcap(steadyFlows(from: 1_772_442_000, tag: 1)))
        let yesterday = CaptureFile.temporary(CaptureFile.pcap(steadyFlows(from: 1_772_442_000 - 86_400, tag: 2)))
        let c = try analyzeJSON([today, yesterday], merge: .order) { $0.threads = threads }.capture
        #expect(try #require(c["peak_live_flows"] as? Int) <= (2 * 130 + 64) * threads)
    }

    /// Packets alternating between two clocks 20 s apart (interval 7.5 s): every packet is due,
    /// the one clock's after the other's sweep. Those that would move the clock back sweep once
    /// 64 packets (or a sixteenth of the live flows) have passed since the last sweep, and then
    /// the other clock's next packet is no longer onward either: about one sweep per 64 packets,
    /// where every packet swept. A steady clock sweeps once per interval, as it did.
    @Test("sweep clock: alternating clocks sweep a bounded number of times; a steady clock once an interval")
    func sweepClockAlternating() {
        let interval: Int64 = 7_500_000_000
        var clock = SweepClock(interval: interval)
        var sweeps = 0
        for i in 0..<100_000 {
            let now = Int64(i) * 1_000_000 + (i % 2 == 0 ? 20_000_000_000 : 0)
            if clock.isDue(now) && clock.allows(now, index: i, liveFlows: 10) { clock.swept(at: now); sweeps += 1 }
        }
        // 100 s of capture on each clock: 14 onward sweeps a clock at most, plus one per 64 packets.
        #expect(sweeps <= 100_000 / 64 + 2 * 14 && sweeps >= 100_000 / 128)
        var steady = SweepClock(interval: interval)
        var at: [Int64] = []
        for i in 0..<30_000 {
            let now = Int64(i) * 1_000_000
            if steady.isDue(now) && steady.allows(now, index: i, liveFlows: 1_000_000) { steady.swept(at: now); at.append(now) }
        }
        #expect(at == [0, 7_500_000_000, 15_000_000_000, 22_500_000_000])
    }

    @Test("sweep clock: due an interval either side of the last sweep, saturating at Int64's ends")
    func sweepClock() {
        var clock = SweepClock(interval: 10)
        #expect(clock.isDue(0) && clock.isDue(.min) && clock.isDue(.max))
        clock.swept(at: 100)
        #expect(!clock.isDue(91) && !clock.isDue(109) && clock.isDue(110) && !clock.isDue(90) && clock.isDue(89) && clock.isDue(.max) && clock.isDue(.min))
        clock.swept(at: .max - 5)
        #expect(!clock.isDue(.max) && !clock.isDue(.max - 14) && clock.isDue(.max - 16) && clock.isDue(0))
        clock.swept(at: .min + 5)
        #expect(!clock.isDue(.min) && !clock.isDue(.min + 14) && clock.isDue(.min + 15) && clock.isDue(.max))
    }
}

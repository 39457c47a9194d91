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
    @Test("a live flow's record stays at 200 bytes")
    func recordSize() {
        #expect(MemoryLayout<FlowRecord>.stride == 200)
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
}

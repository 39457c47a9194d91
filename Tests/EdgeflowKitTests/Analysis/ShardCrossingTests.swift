import Foundation
import Testing
@testable import EdgeflowKit

/// What a sharded run must get to a shard that does not own the packet (`ShardRouting`): an
/// ICMP error quoting its flow, SIP for its SDP book; and what it must do once for all shards:
/// stop at a capture cut short, split `--max-flows`. Any way of sharing the packets (handing
/// them over, or every thread reading the files) must pass these.
@Suite("Sharded runs: what crosses shards")
struct ShardCrossingTests {
    static func capture(_ name: String) -> String { repositoryRoot + "/Captures/" + name }

    /// The shard of a packet's flow, and of the flow an ICMP error quotes, with `n` threads.
    static func shards(_ bytes: UnsafeRawBufferPointer, threads n: Int) -> (own: Int, quoted: Int)? {
        let d = PacketDecoder.decode(bytes, originalLength: bytes.count, linkType: .ethernet)
        guard d.kind == .transport, IPProtocol.isICMP(d.proto), ICMPError.isError(proto: d.proto, type: d.srcPort),
              let q = try? ICMPError.quoted(in: bytes, d) else { return nil }
        let owner = ShardRouting.owners(shards: n)
        return (Int(owner[ShardRouting.bucket(of: d)]), Int(owner[ShardRouting.bucket(of: q)]))
    }

    @Test("ICMP errors quoting a flow of another thread than their own: the report of one thread, with 2 to 4 threads and batches of 1 and 3 items")
    func icmpAcrossShards() throws {
        let path = Self.capture("icmp/rejected.pcap")
        var reader = try MappedCaptureReader(path: path)
        var apart = Set<Int>()
        while let p = reader.next() {
            for n in 2...4 { if let s = Self.shards(p.bytes, threads: n), s.own != s.quoted { apart.insert(n) } }
        }
        // The case is met: some error lies on another shard than the flow it quotes.
        try #require(!apart.isEmpty)
        let one = ShardedRunTests.comparable(try analyzeJSON([path]))
        for n in apart.sorted() {
            for items in [1, 3] {
                let many = try analyzeJSON([path]) { $0.threads = n; $0.shardBatchItems = items }
                #expect(ShardedRunTests.comparable(many) == one, "\(n) threads, batches of \(items)")
            }
        }
    }

    @Test("SIP that another thread's flows need (relay-call-sip, SIP and TURN apart): the report of one thread, with 2 to 4 threads and batches of 1 and 3 items")
    func sipAcrossShards() throws {
        let n = try SDPClockTests.threadsApart((("198.51.100.10", 5060), ("203.0.113.20", 5060)),
                                               (("198.51.100.10", 50040), ("203.0.113.20", 3478)))
        let path = Self.capture("calls/relay-call-sip.pcap")
        let one = ShardedRunTests.comparable(try analyzeJSON([path]))
        for threads in Set([n, 2, 3, 4]).sorted() {
            for items in [1, 3] {
                let many = try analyzeJSON([path]) { $0.threads = threads; $0.shardBatchItems = items }
                #expect(ShardedRunTests.comparable(many) == one, "\(threads) threads, batches of \(items)")
            }
        }
    }

    /// Runs `paths` and collects what is passed to `warn`.
    static func warnings(_ paths: [String], threads: Int) throws -> (report: [String: Any], warned: [String]) {
        let out = scratchPath("crossing") + ".json"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = AnalyzeOptions(paths: paths)
        options.format = .json
        options.threads = threads
        options.shardBatchItems = 2
        var warned: [String] = []
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream) { warned.append("\($0.file) \($0.packet) \($0.offset): \($0.detail)") }
        try stream.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        return (try JSONSerialization.jsonObject(with: data) as! [String: Any], warned)
    }

    @Test("a capture cut short: the shards stop at the same packet, and the warning comes out once, as one thread's", arguments: [
        "malformed/truncated-mid-packet.pcap", "malformed/truncated-record-header.pcap", "malformed/pcapng-bad-block-length.pcapng",
    ])
    func truncated(name: String) throws {
        let path = Self.capture(name)
        let one = try Self.warnings([path], threads: 1)
        #expect(one.warned.count == 1)
        for n in [2, 3] {
            let many = try Self.warnings([path], threads: n)
            #expect(many.warned == one.warned, "\(n) threads")
            #expect(ShardedRunTests.comparable(many.report) == ShardedRunTests.comparable(one.report), "\(n) threads")
        }
    }

    @Test("--max-flows split between the threads: flows are evicted, and every packet is still in exactly one reported flow")
    func maxFlowsSplit() throws {
        // 400 UDP flows of 3 packets each, every flow's packets 400 records apart: with room
        // for 64 flows (split 21 and 43 with 2 threads) most are evicted between their packets.
        var records: [TestRecord] = []
        for round in 0..<3 {
            for f in 0..<400 {
                let frame = Frames.udp4("192.0.2.1", UInt16(20_000 + f), "198.51.100.2", 3478, payload: [UInt8](repeating: 1, count: 20))
                records.append(TestRecord(seconds: 1_000 + UInt32(round), fraction: UInt32(f) * 1_000, data: frame))
            }
        }
        let path = CaptureFile.temporary(CaptureFile.pcap(records))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for n in [1, 2, 3] {
            let report = try analyzeJSON([path]) { $0.threads = n; $0.flow.maxFlows = 64; $0.shardBatchItems = 3 }
            #expect(report.capture["flows_evicted"] as? Int ?? 0 > 400, "\(n) threads")
            let packets = report.flows.reduce(0) { $0 + ($1["orig_pkts"] as! Int) + ($1["resp_pkts"] as! Int) }
            #expect(packets == 1_200, "\(n) threads")
            #expect(report.capture["packets"] as? Int == 1_200)
        }
    }
}

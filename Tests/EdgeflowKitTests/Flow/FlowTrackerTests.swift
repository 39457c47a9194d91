import Foundation
import Testing
@testable import EdgeflowKit

/// Connection shapes with the conn_state and history Zeek documents for them
/// (base/protocols/conn/main.zeek: conn_state and history letters).
@Suite("Flow tracking")
struct FlowTrackerTests {
    static let a = "203.0.113.10", b = "52.112.1.5"
    static let syn: UInt8 = 0x02, ack: UInt8 = 0x10, fin: UInt8 = 0x01, rst: UInt8 = 0x04, psh: UInt8 = 0x08

    private func run(_ frames: [[UInt8]], spacing: UInt32 = 1, configure: (inout AnalyzeOptions) -> Void = { _ in }) throws -> [[String: Any]] {
        let records = frames.enumerated().map { TestRecord(seconds: 1_772_441_000 + UInt32($0.offset) * spacing, fraction: 0, data: $0.element) }
        return try analyzeJSON([CaptureFile.temporary(CaptureFile.pcap(records))], configure: configure).flows
    }

    private func handshakeAndClose(seq: UInt32 = 100) -> [[UInt8]] {
        let (a, b) = (Self.a, Self.b)
        return [
            Frames.tcp4(a, 50000, b, 5061, flags: Self.syn, seq: seq),
            Frames.tcp4(b, 5061, a, 50000, flags: Self.syn | Self.ack, seq: 500, ack: seq + 1),
            Frames.tcp4(a, 50000, b, 5061, flags: Self.ack, seq: seq + 1, ack: 501),
            Frames.tcp4(a, 50000, b, 5061, flags: Self.ack | Self.psh, seq: seq + 1, ack: 501, payload: Array(repeating: 1, count: 10)),
            Frames.tcp4(b, 5061, a, 50000, flags: Self.ack, seq: 501, ack: seq + 11),
            Frames.tcp4(b, 5061, a, 50000, flags: Self.ack | Self.psh, seq: 501, ack: seq + 11, payload: Array(repeating: 2, count: 20)),
            Frames.tcp4(a, 50000, b, 5061, flags: Self.fin | Self.ack, seq: seq + 11, ack: 521),
            Frames.tcp4(b, 5061, a, 50000, flags: Self.fin | Self.ack, seq: 521, ack: seq + 12),
            Frames.tcp4(a, 50000, b, 5061, flags: Self.ack, seq: seq + 12, ack: 522),
        ]
    }

    @Test("a full connection: SF, ShADadFf, counters per direction")
    func fullConnection() throws {
        let flows = try run(handshakeAndClose())
        #expect(flows.count == 1)
        let f = flows[0]
        #expect(f["conn_state"] as? String == "SF")
        #expect(f["history"] as? String == "ShADadFf")
        #expect(f["orig_h"] as? String == Self.a && f["orig_p"] as? Int == 50000)
        #expect(f["resp_h"] as? String == Self.b && f["resp_p"] as? Int == 5061)
        #expect(f["orig_pkts"] as? Int == 5 && f["resp_pkts"] as? Int == 4)
        #expect(f["orig_bytes"] as? Int == 10 && f["resp_bytes"] as? Int == 20)
        #expect(f["orig_ip_bytes"] as? Int == 5 * 40 + 10 && f["resp_ip_bytes"] as? Int == 4 * 40 + 20)
        #expect(f["duration"] as? Double == 8000)
        #expect(f["ts"] as? String == "2026-03-02T08:43:20.000000Z")
    }

    @Test("a SYN answered by RST is REJ, Sr")
    func rejected() throws {
        let f = try run([Frames.tcp4(Self.a, 50001, Self.b, 5061, flags: Self.syn, seq: 7),
                         Frames.tcp4(Self.b, 5061, Self.a, 50001, flags: Self.rst | Self.ack, seq: 0, ack: 8)])
        #expect(f.count == 1)
        #expect(f[0]["conn_state"] as? String == "REJ" && f[0]["history"] as? String == "Sr")
    }

    @Test("retransmitted SYNs never answered stay one S0 flow")
    func unanswered() throws {
        let syn = Frames.tcp4(Self.a, 50002, Self.b, 5061, flags: Self.syn, seq: 42)
        let f = try run([syn, syn, syn])
        #expect(f.count == 1)
        #expect(f[0]["conn_state"] as? String == "S0" && f[0]["history"] as? String == "S" && f[0]["orig_pkts"] as? Int == 3)
    }

    @Test("a 5-tuple reused after FIN starts a new flow")
    func reuse() throws {
        let f = try run(handshakeAndClose(seq: 100) + handshakeAndClose(seq: 90_000))
        #expect(f.count == 2)
        #expect(f[0]["end_reason"] as? String == "reused" && f[0]["conn_state"] as? String == "SF")
        #expect(f[1]["conn_state"] as? String == "SF" && f[1]["orig_pkts"] as? Int == 5)
        #expect(f[0]["uid"] as? String != f[1]["uid"] as? String)
    }

    @Test("retransmitted data is marked T")
    func retransmission() throws {
        let (a, b) = (Self.a, Self.b)
        let data = Frames.tcp4(a, 50003, b, 5061, flags: Self.ack | Self.psh, seq: 101, ack: 501, payload: [1, 2, 3])
        let f = try run([Frames.tcp4(a, 50003, b, 5061, flags: Self.syn, seq: 100),
                         Frames.tcp4(b, 5061, a, 50003, flags: Self.syn | Self.ack, seq: 500, ack: 101),
                         Frames.tcp4(a, 50003, b, 5061, flags: Self.ack, seq: 101, ack: 501),
                         data, data])
        #expect(f[0]["history"] as? String == "ShADT")
        #expect(f[0]["conn_state"] as? String == "S1")
    }

    @Test("a capture starting at the SYN-ACK flips the direction (^)")
    func flipped() throws {
        let f = try run([Frames.tcp4(Self.b, 5061, Self.a, 50004, flags: Self.syn | Self.ack, seq: 500, ack: 101),
                         Frames.tcp4(Self.a, 50004, Self.b, 5061, flags: Self.ack, seq: 101, ack: 501)])
        #expect(f[0]["orig_h"] as? String == Self.a && f[0]["resp_p"] as? Int == 5061)
        #expect(f[0]["history"] as? String == "^hA")
    }

    @Test("UDP both ways is SF with Dd; one way is S0")
    func udp() throws {
        let f = try run([Frames.udp4(Self.a, 3478, Self.b, 3478), Frames.udp4(Self.b, 3478, Self.a, 3478),
                         Frames.udp4(Self.a, 3479, Self.b, 3478)])
        #expect(f.count == 2)
        let both = try #require(f.first { $0["orig_p"] as? Int == 3478 })
        #expect(both["conn_state"] as? String == "SF" && both["history"] as? String == "Dd")
        let one = try #require(f.first { $0["orig_p"] as? Int == 3479 })
        #expect(one["conn_state"] as? String == "S0")
    }

    @Test("a UDP flow idle beyond the timeout ends; the flag changes it")
    func udpTimeout() throws {
        let frames = [Frames.udp4(Self.a, 3478, Self.b, 3478), Frames.udp4(Self.a, 3478, Self.b, 3478)]
        let split = try run(frames, spacing: 200)
        #expect(split.count == 2 && split[0]["end_reason"] as? String == "idle")
        let joined = try run(frames, spacing: 200) { $0.flow.udpTimeout = 300 * 1_000_000_000 }
        #expect(joined.count == 1 && joined[0]["orig_pkts"] as? Int == 2)
    }

    /// RFC 7983 demultiplexes one 5-tuple by first byte: after a STUN message (RFC 5769's sample
    /// request) the flow is inspected, and three RTP packets (V=2, PT 0, SSRC 0x11223344,
    /// sequence 1-3) from port 700, below the media ports, are its RTP stream. The same packets
    /// alone are no flow to follow: off the media ports they are not named RTP.
    @Test("RTP after STUN on one 5-tuple is RTP off the media ports; alone it is not")
    func rtpAfterSTUNOffMediaPorts() {
        let rtp = (1...3).map { (seq: UInt8) in
            Frames.udp4(Self.a, 700, Self.b, 3478, payload: [0x80, 0, 0, seq, 0, 0, 0, seq, 0x11, 0x22, 0x33, 0x44] + [UInt8](repeating: 0xFF, count: 160))
        }
        func services(_ frames: [[UInt8]]) -> ServiceSet {
            var tracker = FlowTracker(settings: FlowSettings(), dns: DNSBook())
            for (k, frame) in frames.enumerated() {
                let d = decode(frame)
                frame.withUnsafeBytes { tracker.track(d, timestamp: Int64(k) * 20_000_000, bytes: $0, index: k + 1) }
            }
            return tracker.table.count == 1 ? tracker.table[0].services : ServiceSet()
        }
        let multiplexed = services([Frames.udp4(Self.a, 700, Self.b, 3478, payload: RFC5769.request)] + rtp)
        #expect(multiplexed.contains(.stun) && multiplexed.contains(.rtp))
        let alone = services(rtp)
        #expect(!alone.contains(.rtp) && !alone.contains(.stun))
    }

    @Test("--max-flows bounds the table: the idlest flows are evicted and counted")
    func eviction() throws {
        var settings = FlowSettings()
        settings.maxFlows = 1000
        var tracker = FlowTracker(settings: settings, dns: DNSBook())
        var ended = 0, peak = 0
        for i in 0..<20_000 {
            let frame = Frames.udp4("10.0.\(i / 250).\(i % 250 + 1)", UInt16(1024 + i % 5000), "52.112.0.1", 3478)
            let d = decode(frame)
            frame.withUnsafeBytes { tracker.track(d, timestamp: Int64(i) * 1_000_000, bytes: $0, index: i + 1) }
            peak = max(peak, tracker.table.count)
            ended += tracker.ended.count
            tracker.ended.removeAll(keepingCapacity: true)
        }
        #expect(peak <= 1000)
        #expect(tracker.flowsEvicted == ended)
        #expect(tracker.flowsEvicted + tracker.table.count == 20_000)
    }

    @Test("--max-flows with every flow's last packet at one time evicts a sixteenth, not the table")
    func evictionTies() throws {
        var settings = FlowSettings()
        settings.maxFlows = 1024
        var tracker = FlowTracker(settings: settings, dns: DNSBook())
        for i in 0...1024 {
            let frame = Frames.udp4("10.0.\(i / 250).\(i % 250 + 1)", 40000, "52.112.0.1", 3478)
            let d = decode(frame)
            frame.withUnsafeBytes { tracker.track(d, timestamp: 1_000_000_000, bytes: $0, index: i + 1) }
        }
        // The 1,025th flow finds 1,024: 1,024 / 16 = 64 go, and it joins the 960 left.
        #expect(tracker.flowsEvicted == 64)
        #expect(tracker.table.count == 1024 - 64 + 1)
    }
}

@Suite("Flow table")
struct FlowTableTests {
    @Test("insert, find and remove agree with a dictionary across growth")
    func model() {
        var table = FlowTable(capacity: 16)
        var model: [FlowKey: Int] = [:]
        var rng = SplitMix64(seed: 0x7AB1E)
        var keys: [FlowKey] = []
        for step in 0..<50_000 {
            if keys.isEmpty || Int.random(in: 0..<3, using: &rng) != 0 {
                let k = FlowKey(a: IPAddress(ipv4: UInt32.random(in: 0..<5000, using: &rng)), b: IPAddress(ipv4: 7),
                                aPort: UInt16.random(in: 0..<4, using: &rng), bPort: 3478, proto: 17, ipVersion: 4)
                let h = table.hash(k)
                if table.find(k, hash: h) == nil {
                    let i = table.insert(FlowRecord(key: k, sequence: step, originatorIsA: true, timestamp: 0), hash: h)
                    #expect(table[i].key == k)
                    model[k] = step
                    keys.append(k)
                }
            } else {
                let j = Int.random(in: 0..<keys.count, using: &rng)
                let k = keys.remove(at: j)
                let i = table.find(k, hash: table.hash(k))!
                let removed = table.remove(at: i)
                #expect(removed.sequence == model.removeValue(forKey: k))
            }
        }
        #expect(table.count == model.count)
        for (k, seq) in model {
            let i = table.find(k, hash: table.hash(k))
            #expect(i != nil && table[i!].sequence == seq)
        }
    }

    /// A capture can be crafted against a known seed: flows to one server whose keys all start
    /// their probe in the first 64 of 65,536 slots (one key in 1,024 does), so that each new
    /// one scans the cluster. Under another seed the same keys spread as random keys do.
    @Test("keys crafted to share a probe chain under one seed spread under another; runs draw their seed")
    func craftedKeys() {
        let slots: UInt64 = 1 << 16
        let server = IPAddress(ipv4: 0x3470_000A)   // 52.112.0.10:5061
        let fixed = FlowKey.TableSecret(seed: FlowTable.fixedSeed)
        var rng = SplitMix64(seed: 0xC4AF7ED)
        var crafted: [FlowKey] = []
        while crafted.count < 500 {
            let k = FlowKey(a: IPAddress(ipv4: UInt32.random(in: 0x0100_0000..<0x3400_0000, using: &rng)), b: server,
                            aPort: UInt16.random(in: 1024...65535, using: &rng), bPort: 5061, proto: 6, ipVersion: 4)
            if k.tableHash(fixed) & (slots - 1) < 64 { crafted.append(k) }
        }
        let other = FlowKey.TableSecret(seed: FlowTable.seed(deterministic: false))
        var starts = Set<UInt64>()
        var inCluster = 0
        for k in crafted {
            let start = k.tableHash(other) & (slots - 1)
            starts.insert(start)
            if start < 64 { inCluster += 1 }
        }
        // 500 random starts among 65,536: about 2 shared and about 0.5 in the first 64.
        #expect(starts.count >= 480)
        #expect(inCluster <= 8)
        #expect(FlowTable.seed(deterministic: true) == FlowTable.fixedSeed)
        #expect(FlowTable.seed(deterministic: false) != FlowTable.seed(deterministic: false))
    }

    /// Families of keys built against the hash's shape, not searched for against one seed:
    /// each held a whole family in a few slots, or one hash, whatever the seed, while an
    /// operand of a multiply was known (a constant) or could be zeroed by a chosen word.
    /// Under a drawn seed each family must start its probes in as many of 2^18 slots as
    /// 20,000 random keys would (about 19,260; at least 18,500 asked).
    @Test("families of keys shaped against the hash spread like random keys under a drawn seed")
    func shapedFamilies() {
        let secret = FlowKey.TableSecret(seed: FlowTable.seed(deterministic: false))
        func distinctStarts(_ keys: [FlowKey]) -> Int { Set(keys.map { $0.tableHash(secret) & 0x3FFFF }).count }
        func v6(_ hi: UInt64, _ lo: UInt64) -> IPAddress { IPAddress(hi: hi, lo: lo) }
        // IPv4: sources that differ only above bit 18 of the address, 13 ports, to the one server
        // (126.209.160.180:10459) whose word cancelled the old constant operand's low 48 bits.
        var ipv4: [FlowKey] = []
        for i in 0..<1539 {
            for port in UInt16(40_000)..<40_013 where ipv4.count < 20_000 {
                ipv4.append(FlowKey(a: IPAddress(ipv4: UInt32(i) << 18 | 1), b: IPAddress(ipv4: 0x7ED1_A0B4),
                                    aPort: port, bPort: 10_459, proto: 6, ipVersion: 4))
            }
        }
        // IPv6: one end's low word equal to the old constant it was XORed with (that end's fold
        // was zero whatever its high word; the other end fixed), then the other end's high word
        // likewise (its low word varying, the first end fixed).
        let low = (0..<20_000).map { i in
            FlowKey(a: v6(0x2001_0DB8_0000_0000 | UInt64(i), 0x9E37_79B9_7F4A_7C15), b: v6(0xFFFF_0000_0000_0000, 1),
                    aPort: 40_000, bPort: 443, proto: 6, ipVersion: 6)
        }
        let high = (0..<20_000).map { i in
            FlowKey(a: v6(0x2001_0DB8_0000_0000, 1), b: v6(0xD6E8_FEB8_6659_FD93, UInt64(i)),
                    aPort: 40_000, bPort: 443, proto: 6, ipVersion: 6)
        }
        #expect(ipv4.count == 20_000)
        #expect(distinctStarts(ipv4) >= 18_500)
        #expect(distinctStarts(low) >= 18_500)
        #expect(distinctStarts(high) >= 18_500)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// The SDP's clock for RTP streams of dynamic payload types (`SDPBook`): on
/// Captures/calls/sip-call.pcap (baresip, opus on payload type 96, Scripts/record_sip_call_capture.sh)
/// against tshark's RTP stream analysis, which takes the clock from the same SDP, and RFC 3550
/// jitter worked out here from tshark's per-packet RTP timestamps and capture times
/// (Scripts/make_sip_call_fixtures.sh).
@Suite("SDP clocks for dynamic payload types")
struct SDPClockTests {
    static let capture = repositoryRoot + "/Captures/calls/sip-call.pcap"

    struct Packet {
        var src: String, dst: String, ssrc: UInt32, timestamp: UInt32, arrival: Double
    }

    /// tshark's RTP packets (sip-call.rtp.tshark.txt), those with an SSRC.
    static func packets() throws -> [Packet] {
        try RelayCallCaptureTests.fixture("sip-call.rtp.tshark.txt").compactMap { f in
            guard f.count >= 8, f[5].hasPrefix("0x"), let ssrc = UInt32(f[5].dropFirst(2), radix: 16),
                  let ts = UInt32(f[7]), let t = Double(f[0]) else { return nil }
            return Packet(src: "\(f[1]):\(f[2])", dst: "\(f[3]):\(f[4])", ssrc: ssrc, timestamp: ts, arrival: t)
        }
    }

    /// RFC 3550 §6.4.1 / A.8 jitter at `clock` Hz over packets in arrival order: the final value in ms.
    static func jitter(_ packets: [Packet], clock: Double) -> Double {
        var j = 0.0
        for (a, b) in zip(packets, packets.dropFirst()) {
            let d = (b.arrival - a.arrival) * clock - Double(Int32(bitPattern: b.timestamp &- a.timestamp))
            j += (abs(d) - j) / 16
        }
        return j * 1000 / clock
    }

    /// Checks each of tshark's streams on `report`: opus, tshark's maximum jitter, and the final
    /// jitter of RFC 3550 at `clock` Hz.
    static func expectStreams(_ report: [String: Any], clock: Double, codec: String?, source: String, maxJitter: Bool) throws {
        let packets = try packets()
        let streams = try RelayCallCaptureTests.streams("sip-call")
        #expect(streams.count == 2)
        for t in streams {
            let rtp = try RelayCallCaptureTests.rtpEntry(report, src: t.src, dst: t.dst, ssrc: t.ssrc)
            let label = "\(String(t.ssrc, radix: 16)) \(t.src) → \(t.dst)"
            #expect(rtp["payload_type"] as? Int == 96, "\(label)")
            #expect(rtp["codec"] as? String == codec, "\(label)")
            #expect(rtp["clock_source"] as? String == source, "\(label)")
            #expect(rtp["packets"] as? Int == t.packets, "\(label)")
            if maxJitter {
                let m = rtp["max_jitter_ms"] as? Double ?? -1
                #expect(abs(m - t.maxJitterMs) < 0.0015, "\(label): max jitter \(m) vs tshark \(t.maxJitterMs)")
            }
            let leg = packets.filter { $0.src == t.src && $0.dst == t.dst && $0.ssrc == t.ssrc }
            #expect(leg.count == t.packets, "\(label)")
            let expected = Self.jitter(leg, clock: clock)
            let j = rtp["jitter_ms"] as? Double ?? -1
            #expect(abs(j - expected) < 0.0015, "\(label): jitter \(j) vs RFC 3550 at \(clock) Hz \(expected)")
            #expect(expected > 0.5, "\(label): a jitter that tells the clocks apart")
        }
    }

    @Test("opus on payload type 96 takes the SDP's 48 kHz: tshark's maximum jitter, RFC 3550's final jitter")
    func opusTakesTheSDPClock() throws {
        let report = try analyzeJSON([Self.capture])
        try Self.expectStreams(report, clock: 48000, codec: "opus", source: "sdp", maxJitter: true)
        for f in report.flows {
            for s in f["rtp"] as? [[String: Any]] ?? [] {
                // 399 packets: too short for Call Quality Dashboard's classifier, but not for want of a clock.
                #expect(s["reasons"] as? [String] == ["too_short"])
                #expect(s["mos_note"] as? String == "ITU-T G.113 gives no Ie/Bpl for opus")
            }
        }
    }

    @Test("--rtp-clock 96=8000 is taken over the SDP's clock")
    func optionOverridesSDP() throws {
        let report = try analyzeJSON([Self.capture]) { $0.flow.rtpClockRates = [96: 8000] }
        try Self.expectStreams(report, clock: 8000, codec: nil, source: "option", maxJitter: false)
    }

    /// The shard (of `n` threads) that tracks the UDP flow between two ends.
    static func shard(_ a: (String, UInt16), _ b: (String, UInt16), threads n: Int) throws -> Int {
        var d = DecodedPacket()
        d.kind = .transport
        d.proto = IPProtocol.udp
        d.ipVersion = 4
        d.src = try #require(IPAddress(a.0))
        d.srcPort = a.1
        d.dst = try #require(IPAddress(b.0))
        d.dstPort = b.1
        let owners = ShardRouting.owners(shards: n)
        return Int(owners[ShardRouting.bucket(of: d)])
    }

    /// The fewest threads (2-8) that put two UDP flows on different shards.
    static func threadsApart(_ a: ((String, UInt16), (String, UInt16)), _ b: ((String, UInt16), (String, UInt16))) throws -> Int {
        try #require(try (2...8).first { n in try shard(a.0, a.1, threads: n) != shard(b.0, b.1, threads: n) },
                     "no thread count puts the two flows apart")
    }

    @Test("the SIP flow and the media flow on different threads: the report of one thread")
    func sdpReachesEveryShard() throws {
        let n = try Self.threadsApart((("10.77.0.1", 5060), ("10.77.0.2", 5060)), (("10.77.0.1", 3420), ("10.77.0.2", 12606)))
        let one = try analyzeJSON([Self.capture])
        let many = try analyzeJSON([Self.capture]) { $0.threads = n }
        try Self.expectStreams(many, clock: 48000, codec: "opus", source: "sdp", maxJitter: true)
        #expect(ShardedRunTests.comparable(many) == ShardedRunTests.comparable(one), "\(n) threads")
    }
}

@Suite("SDP book")
struct SDPBookTests {
    static func body(_ address: String, _ port: Int, _ rtpmap: String) -> [UInt8] {
        Array("v=0\r\no=- 1 1 IN IP4 \(address)\r\ns=-\r\nc=IN IP4 \(address)\r\nt=0 0\r\nm=audio \(port) RTP/AVP 96 0\r\na=rtpmap:\(rtpmap)\r\na=rtpmap:0 PCMU/8000\r\n".utf8)
    }

    static func record(_ book: inout SDPBook, _ address: String, _ port: Int, _ rtpmap: String) {
        body(address, port, rtpmap).withUnsafeBytes { book.record($0) }
    }

    @Test("a=rtpmap names: the codec by its name in any case and its clock (RFC 7587 §7 opus/48000/2)")
    func describedCodecs() {
        var book = SDPBook()
        Self.record(&book, "192.0.2.1", 4000, "96 OPUS/48000/2")
        Self.record(&book, "192.0.2.1", 4002, "96 SILK/16000")
        Self.record(&book, "192.0.2.1", 4004, "96 opus/8000")
        Self.record(&book, "192.0.2.1", 4006, "96 VP8/90000")
        let at = { (port: UInt16) in SDPBook.Endpoint(ip: IPAddress("192.0.2.1")!, port: port) }
        #expect(book.clock(96, at: at(4000)).map { [$0.rate, UInt32($0.codec.rawValue)] } == [48000, UInt32(RTPCodec.opus.rawValue)])
        #expect(book.clock(96, at: at(4002)).map { [$0.rate, UInt32($0.codec.rawValue)] } == [16000, UInt32(RTPCodec.silkWideband.rawValue)])
        #expect(book.clock(96, at: at(4004)).map { [$0.rate, UInt32($0.codec.rawValue)] } == [8000, UInt32(RTPCodec.unknown.rawValue)])
        #expect(book.clock(96, at: at(4006))?.rate == 90000)
        // Static types are RFC 3551's, not the book's; an endpoint no SDP named has nothing.
        #expect(book.clock(0, at: at(4000)) == nil)
        #expect(book.clock(96, at: at(4008)) == nil)
    }

    @Test("bounded: the endpoint recorded longest ago gives way, counted; naming an endpoint again is not an eviction")
    func evictsOldest() {
        var book = SDPBook()
        let n = SDPBook.capacity
        for k in 0..<n { Self.record(&book, "198.51.100.\(k / 250)", 10_000 + 2 * (k % 250), "96 opus/48000/2") }
        let first = SDPBook.Endpoint(ip: IPAddress("198.51.100.0")!, port: 10_000)
        let second = SDPBook.Endpoint(ip: IPAddress("198.51.100.0")!, port: 10_002)
        #expect(book.evicted == 0)
        // The second endpoint named again: now the newest.
        Self.record(&book, "198.51.100.0", 10_002, "96 SILK/16000")
        #expect(book.evicted == 1)
        #expect(book.clock(96, at: first) == nil)
        #expect(book.clock(96, at: second)?.rate == 16000)
        // Its old place held no endpoint any more: the next new one takes it, the book is full again.
        let third = SDPBook.Endpoint(ip: IPAddress("198.51.100.0")!, port: 10_004)
        Self.record(&book, "203.0.113.1", 20_000, "96 opus/48000/2")
        #expect(book.evicted == 1)
        #expect(book.clock(96, at: second)?.rate == 16000 && book.clock(96, at: third)?.rate == 48000)
        // Then the third endpoint gives way.
        Self.record(&book, "203.0.113.1", 20_002, "96 opus/48000/2")
        #expect(book.evicted == 2)
        #expect(book.clock(96, at: third) == nil)
        #expect(book.clock(96, at: second)?.rate == 16000)
    }

    @Test("an SDP seen after a stream's first packet does not change the stream's clock")
    func lateSDPDoesNotChangeAStream() throws {
        var book = SDPBook()
        var stats = RTPFlowStats()
        let end = SDPBook.Endpoint(ip: IPAddress("192.0.2.1")!, port: 4000)
        let clocks = RTPClocks(configured: [:])
        for k in 0..<3 {
            if k == 1 { Self.record(&book, "192.0.2.1", 4000, "96 opus/48000/2") }
            var header: [UInt8] = [0x80, 96, 0, UInt8(k), 0, 0, UInt8(k * 4), 0, 0, 0, 0, 7]
            let h = try header.withUnsafeMutableBytes { try RTPHeader.parse(UnsafeRawBufferPointer($0)) }
            stats.record(h, fromOriginator: true, arrival: Int64(k) * 20_000_000, clock: clocks.lookup(96),
                         described: { book.clock($0, at: end) })
        }
        #expect(stats.streams == 1 && stats.codec[0] == .unknown)
        #expect(stats.stats[0].lastClockRate == 0)
    }
}

@Suite("SDP book in a run")
struct SDPBookRunTests {
    /// An INVITE over UDP whose SDP (RFC 8866) offers opus (RFC 7587 §7) on payload type 96 at ADDRESS:PORT.
    static func invite(_ k: Int, _ address: String, _ port: Int) -> [UInt8] {
        let body = "v=0\r\no=- \(k) 1 IN IP4 \(address)\r\ns=-\r\nc=IN IP4 \(address)\r\nt=0 0\r\nm=audio \(port) RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"
        let head = "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060\r\nCall-ID: call-\(k)\r\nCSeq: 1 INVITE\r\n"
            + "Content-Type: application/sdp\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        return Frames.udp4("192.0.2.1", 5060, "192.0.2.2", 5060, payload: Array((head + body).utf8))
    }

    /// An RTP packet (RFC 3550 §5.1) of payload type 96, 20 ms of opus (960 ticks of 48 kHz) after the one before.
    static func rtp(_ seq: UInt16, ssrc: UInt32, from: (String, UInt16), to: (String, UInt16)) -> [UInt8] {
        let header: [UInt8] = [0x80, 96] + Frames.be16(seq) + Frames.be32(UInt32(seq) * 960) + Frames.be32(ssrc)
        return Frames.udp4(from.0, from.1, to.0, to.1, payload: header + [UInt8](repeating: 0xF8, count: 40))
    }

    @Test("one endpoint more than the book holds: the oldest is dropped, counted and warned about; its stream takes no SDP clock")
    func evictionIsReported() throws {
        var records: [TestRecord] = []
        let n = SDPBook.capacity + 1
        for k in 0..<n {
            records.append(TestRecord(seconds: 1_000, fraction: UInt32(k), data: Self.invite(k, "198.51.\(100 + k / 200).\(1 + k % 200)", 40_000)))
        }
        // Streams towards the first endpoint named (dropped) and the last (kept), 20 ms apart.
        let first = ("198.51.100.1", UInt16(40_000)), last = ("198.51.\(100 + (n - 1) / 200).\(1 + (n - 1) % 200)", UInt16(40_000))
        for seq in UInt16(1)...5 {
            let t = UInt32(seq) * 20_000
            records.append(TestRecord(seconds: 1_001, fraction: t, data: Self.rtp(seq, ssrc: 1, from: ("203.0.113.1", 50_000), to: first)))
            records.append(TestRecord(seconds: 1_001, fraction: t + 1, data: Self.rtp(seq, ssrc: 2, from: ("203.0.113.1", 50_002), to: last)))
        }
        let path = CaptureFile.temporary(CaptureFile.pcap(records))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let apart = try SDPClockTests.threadsApart((("192.0.2.1", 5060), ("192.0.2.2", 5060)), (("203.0.113.1", 50_002), last))
        for threads in [1, apart] {
            let report = try analyzeJSON([path]) { $0.threads = threads }
            #expect(report.capture["sdp_endpoints_evicted"] as? Int == 1, "\(threads) threads")
            let findings = report["findings"] as? [[String: Any]] ?? []
            #expect(findings.contains { $0["code"] as? String == "limit_reached" && ($0["message"] as? String ?? "").contains("SDP book") }, "\(threads) threads")
            let codecs = Dictionary(uniqueKeysWithValues: report.flows.flatMap { $0["rtp"] as? [[String: Any]] ?? [] }
                .map { ($0["ssrc"] as? String ?? "", $0["codec"] as? String ?? "none") })
            #expect(codecs == ["0x1": "none", "0x2": "opus"], "\(threads) threads")
        }
    }
}

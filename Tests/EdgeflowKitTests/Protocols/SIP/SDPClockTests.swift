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
    static func expectStreams(_ report: [String: Any], clock: Double, codec: String?, maxJitter: Bool) throws {
        let packets = try packets()
        let streams = try RelayCallCaptureTests.streams("sip-call")
        #expect(streams.count == 2)
        for t in streams {
            let rtp = try RelayCallCaptureTests.rtpEntry(report, src: t.src, dst: t.dst, ssrc: t.ssrc)
            let label = "\(String(t.ssrc, radix: 16)) \(t.src) → \(t.dst)"
            #expect(rtp["payload_type"] as? Int == 96, "\(label)")
            #expect(rtp["codec"] as? String == codec, "\(label)")
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
        try Self.expectStreams(report, clock: 48000, codec: "opus", maxJitter: true)
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
        try Self.expectStreams(report, clock: 8000, codec: nil, maxJitter: false)
    }

    /// The shard (of `n` threads) that tracks the UDP flow between two ends.
    static func shard(_ a: (String, UInt16), _ b: (String, UInt16), threads n: Int) throws -> Int {
        var d = DecodedPacket()
        d.kind = .transport
        d.proto = IPProtocol.udp
        d.src = try #require(IPAddress(a.0))
        d.srcPort = a.1
        d.dst = try #require(IPAddress(b.0))
        d.dstPort = b.1
        let owners = ShardRouting.owners(shards: n)
        return Int(owners[Int(FlowKey.of(d).key.hash(seed: ShardRouting.hashSeed) & 63)])
    }

    @Test("the SIP flow and the media flow on different threads: the report of one thread")
    func sdpReachesEveryShard() throws {
        let sip = ("10.77.0.1", UInt16(5060)), media = (("10.77.0.1", UInt16(3420)), ("10.77.0.2", UInt16(12606)))
        let n = try #require(try (2...8).first { n in try Self.shard(sip, ("10.77.0.2", 5060), threads: n) != Self.shard(media.0, media.1, threads: n) },
                             "no thread count puts the two flows apart")
        let one = try analyzeJSON([Self.capture])
        let many = try analyzeJSON([Self.capture]) { $0.threads = n }
        try Self.expectStreams(many, clock: 48000, codec: "opus", maxJitter: true)
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

import Testing
@testable import EdgeflowKit

/// The dispatcher's slab: slots handed out up to `--max-inspected-flows`, flows beyond it only
/// counted, a released slot's facts frozen and the slot reused empty. Payloads are RFC 5769's
/// sample request (§2.1) and response (§2.2), one STUN transaction.
@Suite("Dispatcher and its inspection slab")
struct DispatcherTests {
    private func udp(_ d: inout Dispatcher, _ slot: inout Int32, _ bytes: [UInt8], fromOriginator: Bool, at t: Int64) -> Service {
        bytes.withUnsafeBytes { p in
            d.udp(&slot, p, kind: UDPDemux.classify(p), stunPort: true, fromOriginator: fromOriginator, timestamp: t)
        }
    }

    @Test("one slot: the second flow is counted, not inspected; the released slot is reused empty")
    func slotsAndRelease() throws {
        var d = Dispatcher(capacity: 1, reassemblyBudget: 4096, dns: DNSBook())
        var first: Int32 = -1, second: Int32 = -1
        #expect(udp(&d, &first, RFC5769.request, fromOriginator: true, at: 1_000) == .stun)
        #expect(udp(&d, &first, RFC5769.ipv4Response, fromOriginator: false, at: 5_000) == .stun)
        #expect(first == 0)
        #expect(udp(&d, &second, RFC5769.request, fromOriginator: true, at: 2_000) == .stun)
        #expect(second == -2)
        let notInspected = d.flowsNotInspected
        #expect(notInspected == 1)

        let released = d.release(first)
        let facts = try #require(released)
        let stats = try #require(facts.stun?.value)
        #expect(stats.messages == 2)
        #expect(stats.matched == 1)
        #expect(stats.rttMin == 4_000)
        #expect(facts.rtp == nil && facts.tls == nil && facts.dtls == nil && facts.sip == nil)

        var third: Int32 = -1
        #expect(udp(&d, &third, RFC5769.request, fromOriginator: true, at: 9_000) == .stun)
        #expect(third == 0)
        let again = d.release(third)
        let reused = try #require(again?.stun?.value)
        #expect(reused.messages == 1)
        #expect(reused.matched == 0)
        let none = d.release(-2)
        #expect(none == nil)
    }

    @Test("a DTLS 1.3 unified-header datagram counts only on a flow whose DTLSPlaintext records showed DTLS")
    func dtlsUnifiedHeaderNeedsPlaintextFirst() throws {
        // Scripts/record_dtls13_capture.sh: datagram 0 the ClientHello (DTLSPlaintext, 0xFEFF),
        // datagram 2 the client's encrypted Finished (first byte 0x2E: 001, S, L, epoch 2).
        let nss = try DTLSCaptures.datagrams(DTLSCaptures.directory + "dtls13-nss.pcap")
        let hello = nss[0].payload, finished = nss[2].payload
        #expect(finished[0] == 0x2E)
        #expect(finished.withUnsafeBytes { UDPDemux.classify($0) } == .dtlsUnified)
        #expect(hello.withUnsafeBytes { UDPDemux.classify($0) } == .dtls)
        var d = Dispatcher(capacity: 4, reassemblyBudget: 4096, dns: DNSBook())
        var slot: Int32 = -1
        #expect(udp(&d, &slot, finished, fromOriginator: true, at: 1_000) == .unknown)
        #expect(slot == -1)
        #expect(udp(&d, &slot, hello, fromOriginator: true, at: 2_000) == .dtls)
        #expect(udp(&d, &slot, finished, fromOriginator: true, at: 3_000) == .dtls)
        let released = d.release(slot)
        let dtls = try #require(released?.dtls?.value)
        #expect(dtls.orig.records == 2 && dtls.orig.failure == nil)
    }

    @Test("a UDP SIP flow keeps its STUN keep-alives (RFC 5626 §4.4.1: STUN on the SIP flow)")
    func sipAndSTUNOnOneFlow() throws {
        var d = Dispatcher(capacity: 4, reassemblyBudget: 4096, dns: DNSBook())
        var slot: Int32 = -1
        let register = Array("""
            REGISTER sip:example.com SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r
            From: <sip:alice@example.com>;tag=1928301774\r
            To: <sip:alice@example.com>\r
            Call-ID: a84b4c76e66710@192.0.2.1\r
            CSeq: 1 REGISTER\r
            Content-Length: 0\r
            \r

            """.utf8)
        register.withUnsafeBytes { d.sipDatagram(&slot, $0) }
        #expect(udp(&d, &slot, RFC5769.request, fromOriginator: true, at: 1_000) == .stun)
        let released = d.release(slot)
        let facts = try #require(released)
        #expect(facts.sip?.value.messages == 1)
        #expect(facts.sip?.value.callIDs == ["a84b4c76e66710@192.0.2.1"])
        #expect(facts.stun?.value.messages == 1)
    }

    /// MS-TURN control frames (MS-TURN §2.1.4: 0x02, 0x00, 2-byte length) over TCP, the originator's
    /// stream cut into segments in several ways: whole frames are read from the segment, a frame
    /// a segment's end cuts is kept and completed by the next segment. The facts are the same
    /// for every cut: RFC 5769's request (§2.1), its long-term request (§2.4) and the first request
    /// again (a retransmission); the responder's ipv4Response (§2.2) answers the first.
    /// Frames are 112, 120 and 112 bytes. A segment is read in place only when its stream's
    /// buffer exists (not the direction's first segment, which allocates it) and holds no bytes:
    /// [112, 120, 112] the second and third; [112, 150, 82] the second (it leaves 30 bytes of the
    /// third frame); [344] none; [7, 193, 144] none (the 7 bytes wait, then 88); [1, 111, 1, 231]
    /// the third (the second completes the first frame and empties the stream).
    @Test("framed TCP: the same STUN facts whether segments hold whole frames, cut frames or one frame each",
          arguments: zip([[112, 120, 112], [112, 150, 82], [344], [7, 193, 144], [1, 111, 1, 231]], [2, 1, 0, 0, 1]))
    func framedTCPSegments(cuts: [Int], readInPlace: Int) throws {
        func frame(_ m: [UInt8]) -> [UInt8] { [0x02, 0x00, UInt8(m.count >> 8), UInt8(m.count & 0xFF)] + m }
        let orig = frame(RFC5769.request) + frame(RFC5769.longTermRequest) + frame(RFC5769.request)
        #expect(orig.count == 344 && cuts.reduce(0, +) == 344)
        var d = Dispatcher(capacity: 4, reassemblyBudget: 4096, dns: DNSBook())
        var slot: Int32 = -1
        var seq: UInt32 = 1001, at = 0
        for n in cuts {
            orig[at..<(at + n)].withUnsafeBytes {
                d.tcp(&slot, hint: .turnTCP, seq: seq, syn: false, isn: 1000, $0, fromOriginator: true, timestamp: 1_000)
            }
            seq &+= UInt32(n); at += n
        }
        frame(RFC5769.ipv4Response).withUnsafeBytes {
            d.tcp(&slot, hint: .turnTCP, seq: 9001, syn: false, isn: 9000, $0, fromOriginator: false, timestamp: 5_000)
        }
        // One 4 KiB buffer a direction (min(4096, budget)), allocated at its first segment, never grown.
        #expect(d.reassemblyPeak == 8192)
        #expect(d.segmentsReadInPlace == readInPlace)
        let stats = try #require(d.release(slot)?.stun?.value)
        #expect(stats.messages == 4)
        #expect(stats.count(.binding, .request) == 3 && stats.count(.binding, .successResponse) == 1)
        #expect(stats.retransmissions == 1 && stats.matched == 1)
        #expect(stats.rttMin == 5_000 - 1_000)
    }

    /// A TCP flow's two streams take their first buffers from the slab's pool (`StateArena.streams`)
    /// and give them back when the flow ends; the next flow's streams take the same blocks, so the
    /// pool maps one chunk however many flows come and go one after another.
    @Test("a TCP flow's first reassembly buffers are blocks of the slab's pool, back when it ends")
    func reassemblyBuffersPooled() throws {
        var d = Dispatcher(capacity: 4, reassemblyBudget: 64 * 1024, dns: DNSBook())
        let request = Self.frame(0x02, RFC5769.request), response = Self.frame(0x02, RFC5769.ipv4Response)
        for flow in 0..<100 {
            var slot: Int32 = -1
            request.withUnsafeBytes { d.tcp(&slot, hint: .turnTCP, seq: 1001, syn: false, isn: 1000, $0, fromOriginator: true, timestamp: 0) }
            response.withUnsafeBytes { d.tcp(&slot, hint: .turnTCP, seq: 9001, syn: false, isn: 9000, $0, fromOriginator: false, timestamp: 1) }
            let (held, reassembly) = (d.arena.streams.inUse, d.reassemblyBytes)
            #expect(held == 2 && reassembly == 8192, "flow \(flow)")
            let released = d.release(slot)
            let facts = try #require(released)
            #expect(facts.stun?.value.messages == 2)
        }
        #expect(d.arena.streams.inUse == 0 && d.reassemblyBytes == 0 && d.reassemblyPeak == 8192)
        #expect(d.arena.streams.chunksMapped == 1)
    }

    /// RTP in MS-TURN data frames (type 0x03) over TCP, after a control frame that sets the
    /// framing: a stream's first packet takes the general path, later ones the tracked stream's
    /// fast path. Sequence 100, 101, 103, 102, 105 from the originator: 5 packets, the highest 105,
    /// so 6 expected and 1 lost (104); 102 came after 103 (out of order); confirmed at 101.
    /// Two packets of another SSRC from the responder (7, 8) are a stream of its own, confirmed
    /// at 8, which the tracked path found (it alone notes the responder's last slot).
    @Test("RTP over MS-TURN TCP frames: a stream's counts, loss and order")
    func rtpInTURNDataFrames() throws {
        var d = Dispatcher(capacity: 4, reassemblyBudget: 4096, dns: DNSBook())
        var slot: Int32 = -1
        var seq: UInt32 = 1001
        func send(_ bytes: [UInt8], at t: Int64) {
            bytes.withUnsafeBytes { d.tcp(&slot, hint: .turnTCP, seq: seq, syn: false, isn: 1000, $0, fromOriginator: true, timestamp: t) }
            seq &+= UInt32(bytes.count)
        }
        send(Self.frame(0x02, RFC5769.request), at: 0)
        for (k, n) in [100, 101, 103, 102, 105].enumerated() {
            send(Self.frame(0x03, Self.rtp(UInt16(n), ssrc: 0xCAFE)), at: Int64(k + 1) * 20_000_000)
        }
        // Two frames from the responder (36 bytes each): the first opens stream 1, the second is
        // found by the tracked path, the only one that notes a direction's last slot.
        for (k, n) in [7, 8].enumerated() {
            Self.frame(0x03, Self.rtp(UInt16(n), ssrc: 0xBEEF)).withUnsafeBytes {
                d.tcp(&slot, hint: .turnTCP, seq: 5001 + UInt32(k * 36), syn: false, isn: 5000, $0, fromOriginator: false,
                      timestamp: 200_000_000 + Int64(k) * 20_000_000)
            }
        }
        let flow = try #require(d.release(slot)?.rtp?.value)
        #expect(flow.streams == 2)
        let s = flow.stats[0]
        #expect(flow.ssrc[0] == 0xCAFE && flow.fromOriginator[0] && flow.confirmed[0])
        #expect(s.packets == 5 && s.received == 5 && s.expected == 6 && s.lost == 1 && s.outOfOrder == 1)
        #expect(flow.ssrc[1] == 0xBEEF && !flow.fromOriginator[1] && flow.confirmed[1] && flow.stats[1].packets == 2)
        #expect(flow.lastResponderSlot == 1)
    }

    /// One segment of MS-TURN data frames after a first RTP frame (which set the framing and
    /// opened stream 0xCAFE): tracked frames are read by `FlowInspection.trackedFrames`, which
    /// stops at a frame of a new stream (0xBEEF) and at one that is not RTP (8 zero bytes), and
    /// the walk takes those and goes on. Every data frame is counted once on the channel (seven
    /// RTP frames of 32 bytes and the 8 bytes), each RTP packet once on its stream.
    @Test("MS-TURN data frames of tracked and new streams in one segment: each frame counted once")
    func mixedTURNDataFrames() throws {
        let first = Self.frame(0x03, Self.rtp(100, ssrc: 0xCAFE))
        let frames = [Self.rtp(101, ssrc: 0xCAFE), Self.rtp(102, ssrc: 0xCAFE), Self.rtp(1, ssrc: 0xBEEF), Self.rtp(103, ssrc: 0xCAFE),
                      Self.rtp(2, ssrc: 0xBEEF), [UInt8](repeating: 0, count: 8), Self.rtp(104, ssrc: 0xCAFE)]
        var d = Dispatcher(capacity: 4, reassemblyBudget: 4096, dns: DNSBook())
        var slot: Int32 = -1
        first.withUnsafeBytes { d.tcp(&slot, hint: .turnTCP, seq: 1001, syn: false, isn: 1000, $0, fromOriginator: true, timestamp: 0) }
        frames.flatMap { Self.frame(0x03, $0) }.withUnsafeBytes {
            d.tcp(&slot, hint: .turnTCP, seq: 1001 + UInt32(first.count), syn: false, isn: 1000, $0, fromOriginator: true,
                  timestamp: 20_000_000)
        }
        let released = d.release(slot)
        let facts = try #require(released)
        let stun = try #require(facts.stun?.value)
        #expect(stun.channelDataPackets == 8 && stun.channelDataBytes == 7 * 32 + 8)
        let flow = try #require(facts.rtp?.value)
        #expect(flow.streams == 2)
        #expect(flow.ssrc[0] == 0xCAFE && flow.stats[0].packets == 5 && flow.stats[0].expected == 5 && flow.confirmed[0])
        #expect(flow.ssrc[1] == 0xBEEF && flow.stats[1].packets == 2 && flow.confirmed[1])
    }

    /// The STUN and RTP states of one flow (the MS-TURN frames above) frozen in one
    /// `FrozenStates`: read in place through the facts, and through a report's STUN part after
    /// the facts are gone; both blocks go back to their pools only when the report goes.
    @Test("a flow's states frozen in one object: read in place, given back to their pools when the last holder goes")
    func frozenStatesGivenBack() throws {
        var d = Dispatcher(capacity: 4, reassemblyBudget: 4096, dns: DNSBook())
        var slot: Int32 = -1
        let first = Self.frame(0x03, Self.rtp(100, ssrc: 0xCAFE))
        first.withUnsafeBytes { d.tcp(&slot, hint: .turnTCP, seq: 1001, syn: false, isn: 1000, $0, fromOriginator: true, timestamp: 0) }
        [Self.rtp(101, ssrc: 0xCAFE), Self.rtp(1, ssrc: 0xBEEF), Self.rtp(2, ssrc: 0xBEEF)].flatMap { Self.frame(0x03, $0) }.withUnsafeBytes {
            d.tcp(&slot, hint: .turnTCP, seq: 1001 + UInt32(first.count), syn: false, isn: 1000, $0, fromOriginator: true,
                  timestamp: 20_000_000)
        }
        var facts = d.release(slot)
        #expect(facts?.states != nil && facts?.tls == nil && facts?.dtls == nil && facts?.sip == nil)
        #expect(facts?.stun?.value.channelDataPackets == 4 && facts?.rtp?.value.streams == 2)
        var app: AppReport? = AppReport(try #require(facts), firstTimestamp: 0, certificates: CertificateCache())
        facts = nil
        d.arena.stun.trim()
        d.arena.rtp.trim()
        // The report's STUN part holds the flow's states (its RTP streams were read out of them).
        #expect(d.arena.stun.inUse == 1 && d.arena.rtp.inUse == 1)
        #expect(app?.stun?.stats.channelDataPackets == 4 && app?.rtp.count == 2)
        app = nil
        d.arena.stun.trim()
        d.arena.rtp.trim()
        #expect(d.arena.stun.inUse == 0 && d.arena.rtp.inUse == 0)
    }

    /// A 32-byte RTP packet (PCMU, 160 samples a packet) of `ssrc` with sequence `seq`.
    private static func rtp(_ seq: UInt16, ssrc: UInt32) -> [UInt8] {
        let ts = UInt32(seq) &* 160
        let header: [UInt8] = [0x80, 0x00, UInt8(seq >> 8), UInt8(seq & 0xFF),
                               UInt8(ts >> 24), UInt8(ts >> 16 & 0xFF), UInt8(ts >> 8 & 0xFF), UInt8(ts & 0xFF),
                               UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xFF), UInt8(ssrc >> 8 & 0xFF), UInt8(ssrc & 0xFF)]
        return header + [UInt8](repeating: 0xD5, count: 20)
    }

    /// The one-thread datagram path (`FlowTracker.trackDatagram`): a flow's first datagram goes
    /// through `udp`, the next ones to `rtpKnown`, then `rtpNaming`, then `udp` for a new stream.
    /// A stream confirmed by `rtpNaming` (its second packet, in sequence) is its direction's
    /// known one, kept in the flow's inspection (`RTPKnownStreams`): its next packets of the same
    /// payload type are `rtpKnown`'s, another type's and the other direction's are not, until
    /// that direction's own stream is confirmed. PCMU, 20 ms and 160 ticks apart.
    @Test("the one-thread RTP path: a confirmed stream is its direction's known one, kept in the inspection")
    func knownStreamsInTheInspection() throws {
        var d = Dispatcher(capacity: 4, reassemblyBudget: 4096, dns: DNSBook())
        var slot: Int32 = -1
        func packet(_ seq: UInt16, ssrc: UInt32, pt: UInt8 = 0) -> [UInt8] {
            [0x80, pt] + Frames.be16(seq) + Frames.be32(UInt32(seq) * 160) + Frames.be32(ssrc) + [UInt8](repeating: 0xD5, count: 160)
        }
        var known: [Bool] = []
        func take(_ bytes: [UInt8], fromOriginator: Bool, at ms: Int64) -> Service? {
            bytes.withUnsafeBytes { p in
                if slot < 0 { return d.udp(&slot, p, kind: UDPDemux.classify(p), stunPort: false, fromOriginator: fromOriginator,
                                           timestamp: ms * 1_000_000) }
                let k = d.rtpKnown(inspected: slot, p, fromOriginator: fromOriginator, timestamp: ms * 1_000_000)
                known.append(k)
                if k { return nil }
                return d.rtpNaming(inspected: slot, p, fromOriginator: fromOriginator, timestamp: ms * 1_000_000)
                    ?? d.udp(&slot, p, kind: UDPDemux.classify(p), stunPort: false, fromOriginator: fromOriginator, timestamp: ms * 1_000_000)
            }
        }
        let named = [take(packet(1, ssrc: 0xAAAA_0001), fromOriginator: true, at: 0),
                     take(packet(2, ssrc: 0xAAAA_0001), fromOriginator: true, at: 20),
                     take(packet(3, ssrc: 0xAAAA_0001), fromOriginator: true, at: 40),
                     take(packet(500, ssrc: 0xBBBB_0002), fromOriginator: false, at: 45),
                     take(packet(4, ssrc: 0xAAAA_0001, pt: 13), fromOriginator: true, at: 60),
                     take(packet(501, ssrc: 0xBBBB_0002), fromOriginator: false, at: 65),
                     take(packet(5, ssrc: 0xAAAA_0001, pt: 13), fromOriginator: true, at: 80),
                     take(packet(502, ssrc: 0xBBBB_0002), fromOriginator: false, at: 85)]
        #expect(named == [.unknown, .rtp, nil, .unknown, .rtp, .rtp, nil, nil])
        // Taken by the known stream: the third packet, the comfort noise's second (the first
        // changed the type) and the responder's third.
        #expect(known == [false, true, false, false, false, true, true])
        let released = d.release(slot)
        let rtp = try #require(released?.rtp?.value)
        #expect(rtp.streams == 2 && rtp.stats[0].packets == 5 && rtp.stats[1].packets == 3 && rtp.confirmed[0] && rtp.confirmed[1])
        #expect(rtp.stats[0].lost == 0 && rtp.stats[1].lost == 0 && rtp.stats[1].extendedHighestSequence == 502)
    }

    /// `m` in an MS-TURN frame of `type` (0x02 control, 0x03 data; MS-TURN §2.1.4).
    private static func frame(_ type: UInt8, _ m: [UInt8]) -> [UInt8] { [type, 0x00, UInt8(m.count >> 8), UInt8(m.count & 0xFF)] + m }
}

import Testing
@testable import EdgeflowKit

@Suite("RTP and RTCP")
struct RTPTests {
    /// ndpi-FAX-Call-t38-CA-TDM-SIP-FB-1.pcap frame 160 (tshark: PT 102, marker, seq 101,
    /// timestamp 1741640081, SSRC 0x0eaf0eaf).
    @Test func rtpHeader() throws {
        let b = hex("80e6006567cf51910eaf0eaf20000373")
        let h = try #require(b.withUnsafeBytes { try? RTPHeader.parse($0) })
        #expect(h.payloadType == 102 && h.marker && h.sequence == 101)
        #expect(h.timestamp == 1741640081 && h.ssrc == 0x0eaf0eaf)
        #expect(h.csrcCount == 0 && !h.hasExtension && !h.hasPadding)
        #expect(h.payload == ByteRange(offset: 12, length: 4))

        // CSRC, extension and padding: V=2 P X CC=1.
        let x = hex("b1 00 0001 00000002 00000003 00000004 bede0001 11223344 aa bb 00 03")
        let hx = try #require(x.withUnsafeBytes { try? RTPHeader.parse($0) })
        #expect(hx.csrcCount == 1 && hx.hasExtension && hx.extensionProfile == 0xBEDE && hx.extensionWords == 1)
        #expect(hx.paddingLength == 3 && hx.payload == ByteRange(offset: 24, length: 1))
        // Broken lengths: the extension claims 9 words after its header at 16; padding 0; version 1.
        #expect(decodeFailure(hex("b1000001000000020000000300000004bede0009"), RTPHeader.parse) == RTPFailure(.extensionOverrun, at: 16))
        #expect(decodeFailure(hex("a0000001000000020000000300"), RTPHeader.parse) == RTPFailure(.badPadding, at: 12))
        #expect(decodeFailure(hex("40000001000000020000000300"), RTPHeader.parse) == RTPFailure(.badVersion, at: 0))
    }

    /// The usual header (first byte 0x80) read in place: frame 160's values, as `parse` reads
    /// them; any other first byte, or fewer than 12 bytes, is left to `parse`.
    @Test func plainRTPHeader() throws {
        let b = hex("80e6006567cf51910eaf0eaf20000373")
        let h = try #require(b.withUnsafeBytes { RTPHeader.plain($0) })
        #expect(h.payloadType == 102 && h.marker && h.sequence == 101)
        #expect(h.timestamp == 1741640081 && h.ssrc == 0x0eaf0eaf)
        #expect(h.payload == ByteRange(offset: 12, length: 4))
        #expect(b.withUnsafeBytes { try? RTPHeader.parse($0) } == h)
        for first: UInt8 in [0x81, 0x90, 0xA0, 0x40] {
            var altered = b
            altered[0] = first
            #expect(altered.withUnsafeBytes { RTPHeader.plain($0) } == nil)
        }
        #expect(Array(b[0..<11]).withUnsafeBytes { RTPHeader.plain($0) } == nil)
    }

    /// The frame-160 packet above cut short or altered: each failure names its reason and offset.
    @Test func rtpHeaderFailures() {
        let b = hex("80e6006567cf51910eaf0eaf20000373")
        #expect(decodeFailure(Array(b[0..<11]), RTPHeader.parse) == RTPFailure(.truncatedHeader, at: 11))
        var cc = b
        cc[0] = 0x82  // two CSRCs need 8 bytes after the fixed header, 4 are there
        #expect(decodeFailure(cc, RTPHeader.parse) == RTPFailure(.csrcOverrun, at: 12))
        var x = b
        x[0] = 0x90  // extension header at 12: profile 0x2000, 0x0373 words
        #expect(decodeFailure(x, RTPHeader.parse) == RTPFailure(.extensionOverrun, at: 12))
        #expect(decodeFailure(Array(x[0..<14]), RTPHeader.parse) == RTPFailure(.extensionOverrun, at: 12))
        var pad = b
        pad[0] = 0xA0  // padding count 0x73 = 115 is more than the 4 payload bytes
        #expect(decodeFailure(pad, RTPHeader.parse) == RTPFailure(.badPadding, at: 15))
    }

    /// ndpi-rtcp_multiple_pkts_in_the_same_datagram.pcap frames 1 and 2 (values from tshark -V).
    @Test func rtcpCompound() throws {
        let sr = hex("""
            81c8000c5d931534dd3ac1704d614df800007d00000000c800007d0000000000000000010000000000000000000000000000000081ca00\
            0e5d931534010835643933313533340725467265655357495443482e6f7267202d2d20436f6d6520746f20436c7565436f6e2e636f6d000000
            """)
        let c = try #require(sr.withUnsafeBytes { try? RTCPCompound.parse($0) })
        #expect(c.senderReports == 1 && c.sourceDescriptions == 1 && c.packets == 2 && c.length == sr.count)
        let s = try #require(c.senderInfo)
        #expect(s.ssrc == 0x5d931534 && s.ntpTimestamp == 0xdd3ac1704d614df8)
        #expect(s.rtpTimestamp == 32000 && s.packetCount == 200 && s.octetCount == 32000)
        #expect(c.firstReportBlock?.cumulativeLost == 1 && c.firstReportBlock?.fractionLost == 0)

        let rr = hex("""
            81c9000701932db400000000010000010000bec200000001000000000000000081ca000e01932db40107313933326462340725467265\
            655357495443482e6f7267202d2d20436f6d6520746f20436c7565436f6e2e636f6d00000000
            """)
        let r = try #require(rr.withUnsafeBytes { try? RTCPCompound.parse($0) })
        #expect(r.receiverReports == 1 && r.sourceDescriptions == 1 && r.senderInfo == nil)
        #expect(r.firstSSRC == 0x01932db4)
        let blk = try #require(r.firstReportBlock)
        #expect(blk.fractionLost == 1 && blk.cumulativeLost == 1 && blk.jitter == 1 && blk.extendedHighestSequence == 0xbec2)

        // Negative cumulative loss, BYE/APP/feedback/other counted; overrun rejected.
        let mix = hex("81c90007 00000001 00000002 00fffffe 00000000 00000000 00000000 00000000"
                      + "81cb0001 00000001 80cc0002 00000001 41424344 81cd0002 00000001 00000002 80cf0000 80de0000")
        let m = try #require(mix.withUnsafeBytes { try? RTCPCompound.parse($0) })
        #expect(m.firstReportBlock?.cumulativeLost == -2)
        #expect(m.byes == 1 && m.apps == 1 && m.feedback == 1 && m.extendedReports == 1 && m.other == 1)
        #expect(decodeFailure(hex("81c90007 00000001"), RTCPCompound.parse) == RTPFailure(.lengthOverrun, at: 2))
        #expect(decodeFailure(hex("8060000100000001"), RTCPCompound.parse) == RTPFailure(.notRTCP, at: 1))
        // The SR of frame 1 cut inside its SDES (second packet at 52, Length 14 = 60 bytes).
        #expect(decodeFailure(Array(sr[0..<80]), RTCPCompound.parse) == RTPFailure(.lengthOverrun, at: 54))
        #expect(decodeFailure(Array(sr[0..<7]), RTCPCompound.parse) == RTPFailure(.truncatedHeader, at: 7))
        var v1 = sr
        v1[0] = 0x41
        #expect(decodeFailure(v1, RTCPCompound.parse) == RTPFailure(.badVersion, at: 0))
    }

    @Test func clockRates() {
        #expect(RTPClock.rate(payloadType: 0) == 8000)
        #expect(RTPClock.rate(payloadType: 6) == 16000)
        #expect(RTPClock.rate(payloadType: 9) == 8000)
        #expect(RTPClock.rate(payloadType: 10) == 44100 && RTPClock.rate(payloadType: 11) == 44100)
        #expect(RTPClock.rate(payloadType: 14) == 90000 && RTPClock.rate(payloadType: 34) == 90000)
        #expect(RTPClock.rate(payloadType: 16) == 11025 && RTPClock.rate(payloadType: 17) == 22050)
        #expect(RTPClock.rate(payloadType: 18) == 8000)
        #expect(RTPClock.rate(payloadType: 1) == nil && RTPClock.rate(payloadType: 19) == nil)
        #expect(RTPClock.rate(payloadType: 96) == nil && RTPClock.rate(payloadType: 127) == nil)
    }

    func feed(_ seqs: [UInt16]) -> RTPStreamStats {
        var s = RTPStreamStats()
        for (i, q) in seqs.enumerated() {
            s.record(sequence: q, timestamp: UInt32(i) * 160, arrivalNanoseconds: Int64(i) * 20_000_000,
                     payloadType: 0, marker: false, clockRate: 8000)
        }
        return s
    }

    /// Worked by hand: 65530...65535, 0...5 is 12 numbers; 65534 and 2 never come, 65532 and 4
    /// come late, 3 twice: 11 packets, expected 12, lost 1 (duplicates offset losses, RFC 3550 A.3).
    @Test func sequenceGapsReorderWrap() {
        let s = feed([65530, 65531, 65533, 65532, 65535, 0, 1, 3, 3, 5, 4])
        #expect(s.packets == 11)
        #expect(s.extendedHighestSequence == 65536 + 5)
        #expect(s.expected == 12)
        #expect(s.lost == 1)
        #expect(s.outOfOrder == 2)
    }

    @Test func duplicatesMakeLossNegative() {
        let s = feed([10, 11, 11, 11, 12])
        #expect(s.packets == 5 && s.expected == 3 && s.lost == -2 && s.lostForReport == 0)
    }

    /// 100, 101, then a jump to 20000 confirmed by 20001: two runs of 2 and 3 expected.
    @Test func restartAfterJump() {
        let s = feed([100, 101, 20000, 20001, 20002])
        #expect(s.restarts == 1 && s.packets == 5 && s.expected == 5 && s.lost == 0)
        let t = feed([100, 101, 20000, 102, 103])   // a stray packet is not a restart
        #expect(t.restarts == 0 && t.expected == 4 && t.lost == 0)
    }

    /// 8 kHz, 20 ms packets arriving at 0, 20, 45, 60 ms: D = 0, 5, 5 ms;
    /// J = 5/16 = 0.3125 ms, then 0.3125 + (5 - 0.3125)/16 = 0.60546875 ms.
    @Test func jitterByHand() {
        var s = RTPStreamStats()
        for (i, ms) in [0, 20, 45, 60].enumerated() {
            s.record(sequence: UInt16(i), timestamp: 1000 + UInt32(i) * 160, arrivalNanoseconds: Int64(ms) * 1_000_000,
                     payloadType: 8, marker: false, clockRate: 8000)
        }
        #expect(abs(s.jitterMilliseconds - 0.60546875) < 1e-9)
        #expect(abs(s.jitter - 4.84375) < 1e-9)
        #expect(abs(s.maxJitterMilliseconds - 0.60546875) < 1e-9)
    }

    struct Row { var ssrc: UInt32; var seq: UInt16; var ts: UInt32; var ns: Int64; var pt: UInt8; var marker: Bool }

    static func fixture() throws -> [Row] {
        let text = try String(contentsOf: Fixtures.directory.appendingPathComponent("fax-rtp.txt"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let f = line.split(separator: "\t")
            guard f.count == 6, let ssrc = UInt32(f[0].dropFirst(2), radix: 16), let seq = UInt16(f[1]),
                  let ts = UInt32(f[2]), let pt = UInt8(f[4]) else { return nil }
            let t = f[3].split(separator: ".")
            guard t.count == 2, let sec = Int64(t[0]), let frac = Int64(t[1].padding(toLength: 9, withPad: "0", startingAt: 0)) else { return nil }
            return Row(ssrc: ssrc, seq: seq, ts: ts, ns: sec * 1_000_000_000 + frac, pt: pt, marker: f[5] == "1")
        }
    }

    /// `tshark -r ndpi-FAX-Call-t38-CA-TDM-SIP-FB-1.pcap -qz rtp,streams` prints:
    ///   0x17D90134  1171 packets, lost 0 (0.0%),      max jitter 1.343 ms
    ///   0x0EAF0EAF   132 packets, lost 1712 (92.8%),  max jitter 7.007 ms
    @Test(arguments: [(UInt32(0x17D90134), 1171, 0, 1.343), (UInt32(0x0EAF0EAF), 132, 1712, 7.007)])
    func matchesTshark(ssrc: UInt32, packets: Int, lost: Int, maxJitterMs: Double) throws {
        let rows = try Self.fixture()
        #expect(rows.count == 1303)
        var s = RTPStreamStats()
        for r in rows where r.ssrc == ssrc {
            s.record(sequence: r.seq, timestamp: r.ts, arrivalNanoseconds: r.ns, payloadType: r.pt,
                     marker: r.marker, clockRate: RTPClock.rate(payloadType: r.pt))
        }
        #expect(s.packets == Int64(packets))
        #expect(s.lost == Int64(lost))
        #expect(abs(s.maxJitterMilliseconds - maxJitterMs) < 0.01, "max jitter \(s.maxJitterMilliseconds)")
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// Where each RTP stream's clock came from (`clock_source`): RFC 3551's static types, `--rtp-clock
/// PT=HZ`, `--rtp-clock lync` ([MS-SDPEXT] §3.1.5.3 / [MS-RTPDT] §4 via `RTPCodec.lync`), an SDP's
/// `a=rtpmap`, or none.
@Suite("RTP clock sources")
struct RTPClockSourceTests {
    @Test("the table: RFC 3551 rates for static types, Lync's dynamic types with lync, the option over both")
    func table() {
        let plain = RTPClocks(configured: [:])
        // RFC 3551 Table 4: PCMU (0), PCMA (8) and G.722 (9) at 8000 Hz; 96-127 are dynamic.
        #expect([0, 8, 9].map { plain.source($0) } == [.rfc3551, .rfc3551, .rfc3551])
        #expect(plain.source(96) == .none && plain.source(114) == .none)
        let lync = RTPClocks(configured: [111: 48000, 9: 16000], lync: true)
        // [MS-RTPDT] §4: 114 x-msrta/16000, 104 SILK/16000; 111 (Siren there) given as WebRTC's opus.
        #expect(lync.source(114) == .lync && lync.source(104) == .lync && lync.source(0) == .rfc3551)
        #expect(lync.source(111) == .option && lync.rate(111) == 48000)
        #expect(lync.source(9) == .option && lync.rate(9) == 16000)
        #expect(lync.source(120) == .none)
    }

    /// An RTP packet (RFC 3550 §5.1): PT, sequence SEQ, timestamp SEQ × STEP, 40 bytes of payload.
    static func rtp(_ pt: UInt8, _ seq: UInt16, step: UInt32, ssrc: UInt32, from: (String, UInt16), to: (String, UInt16)) -> [UInt8] {
        let header: [UInt8] = [0x80, pt] + Frames.be16(seq) + Frames.be32(UInt32(seq) * step) + Frames.be32(ssrc)
        return Frames.udp4(from.0, from.1, to.0, to.1, payload: header + [UInt8](repeating: 0xD5, count: 40))
    }

    @Test("each stream says where its clock came from, null when it has none; the clock is the one that measured its jitter")
    func perStream() throws {
        // One stream per source, each on its own flow, 20 ms apart, its RTP timestamps 20 ms of
        // its clock apart, arriving 1 ms late every other packet: a jitter only the right clock gives.
        let streams: [(pt: UInt8, step: UInt32, ssrc: UInt32, port: UInt16)] =
            [(0, 160, 1, 40_000), (104, 320, 2, 40_002), (96, 320, 3, 40_004), (100, 960, 4, 40_006), (98, 960, 5, 40_008)]
        var records = [TestRecord(seconds: 999, fraction: 0, data: Self.offer(pt: 100, address: "192.0.2.9", port: 40_006))]
        for seq in UInt16(1)...8 {
            for s in streams {
                let t = UInt32(seq) * 20_000 + (seq % 2 == 0 ? 1_000 : 0) + UInt32(s.ssrc)
                records.append(TestRecord(seconds: 1_000, fraction: t,
                                          data: Self.rtp(s.pt, seq, step: s.step, ssrc: s.ssrc, from: ("203.0.113.1", s.port), to: ("192.0.2.9", s.port))))
            }
        }
        let path = CaptureFile.temporary(CaptureFile.pcap(records))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try analyzeJSON([path]) {
            $0.flow.rtpLyncPayloadTypes = true
            $0.flow.rtpClockRates = [96: 16000]
        }
        let entries = Dictionary(uniqueKeysWithValues: report.flows.flatMap { $0["rtp"] as? [[String: Any]] ?? [] }
            .map { ($0["ssrc"] as? String ?? "", $0) })
        #expect(entries.count == 5)
        let expected: [String: (source: String?, codec: String?)] =
            ["0x1": ("static", "PCMU"), "0x2": ("lync", "SILK"), "0x3": ("option", nil), "0x4": ("sdp", "opus"), "0x5": (nil, nil)]
        for (ssrc, e) in expected {
            let s = try #require(entries[ssrc])
            #expect(s["clock_source"] as? String == e.source, "\(ssrc)")
            #expect(s.keys.contains("clock_source"), "\(ssrc): written, as null when none")
            #expect(s["codec"] as? String == e.codec, "\(ssrc)")
            // RFC 3550 A.8 by hand: D alternates ±1 ms from the second packet on (7 transits),
            // J_k = J_{k-1} + (1 ms - J_{k-1}) / 16 from 0: 1 - (15/16)^7 ms. None: no clock, no jitter.
            let j: Double = e.source == nil ? 0 : 1 - pow(15.0 / 16.0, 7.0)
            #expect(abs((s["jitter_ms"] as? Double ?? -1) - j) < 0.0005, "\(ssrc)")
        }
    }

    /// An INVITE whose SDP offers opus (RFC 7587 §7) on payload type PT at ADDRESS:PORT.
    static func offer(pt: UInt8, address: String, port: Int) -> [UInt8] {
        let body = "v=0\r\no=- 1 1 IN IP4 \(address)\r\ns=-\r\nc=IN IP4 \(address)\r\nt=0 0\r\nm=audio \(port) RTP/AVP \(pt)\r\na=rtpmap:\(pt) opus/48000/2\r\n"
        let head = "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060\r\nCall-ID: sources\r\nCSeq: 1 INVITE\r\n"
            + "Content-Type: application/sdp\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        return Frames.udp4("192.0.2.1", 5060, "192.0.2.2", 5060, payload: Array((head + body).utf8))
    }
}

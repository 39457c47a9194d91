import Foundation
import Testing
@testable import EdgeflowKit

/// The codec table against Microsoft's published SDP, the Call Quality Dashboard label, and the
/// quality fields of a report against the formulas and real captures.
@Suite("RTP stream quality")
struct RTPStreamQualityTests {
    /// [MS-RTPDT] §4 / [MS-RTPRAD] §4: the audio offer of Microsoft Office Communicator, and the
    /// SILK and wideband CN lines of Lync's offers.
    static let lyncOffer = """
        a=rtpmap:114 x-msrta/16000
        a=rtpmap:111 SIREN/16000
        a=rtpmap:112 G7221/16000
        a=rtpmap:115 x-msrta/8000
        a=rtpmap:4 G723/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:97 RED/8000
        a=rtpmap:101 telephone-event/8000
        a=rtpmap:103 SILK/8000
        a=rtpmap:104 SILK/16000
        a=rtpmap:118 CN/16000
        a=rtpmap:9 G722/8000
        a=rtpmap:13 CN/8000
        """

    @Test func lyncPayloadTypes() throws {
        let lync = RTPClocks(configured: [:], lync: true)
        let plain = RTPClocks(configured: [:])
        for line in Self.lyncOffer.split(separator: "\n") {
            let f = line.dropFirst("a=rtpmap:".count).split(whereSeparator: { $0 == " " || $0 == "/" })
            let pt = try #require(UInt8(f[0])), name = String(f[1]), hz = try #require(UInt32(f[2]))
            #expect(lync.codec(pt).name == name, "PT \(pt)")
            #expect(lync.rate(pt) == hz, "PT \(pt)")
            // Without `lync` only RFC 3551's static types are known.
            #expect(plain.codec(pt).name == (pt < 96 ? name : nil), "PT \(pt)")
            #expect(plain.rate(pt) == (pt < 96 ? hz : nil), "PT \(pt)")
        }
        // A rate given for a type overrides the table, and a rate not the codec's unnames it
        // (WebRTC's Opus on 111).
        let opus = RTPClocks(configured: [111: 48000, 114: 16000], lync: true)
        #expect(opus.rate(111) == 48000 && opus.codec(111) == .unknown)
        #expect(opus.rate(114) == 16000 && opus.codec(114) == .rtAudioWideband)
    }

    /// A stream of `n` packets 20 ms apart with every `lossEvery`-th number missing, arrivals
    /// off by `late` ms on odd packets.
    static func stream(_ n: Int, lossEvery: Int = 0, late: Int64 = 0, pt: UInt8 = 0, codec: RTPCodec = .pcmu, clock: UInt32? = 8000) -> AppReport.RTPStream {
        var s = RTPStreamStats()
        var seq = 0
        for i in 0..<n {
            seq += 1
            if lossEvery > 0, seq % lossEvery == 0 { seq += 1 }
            s.record(sequence: UInt16(seq), timestamp: UInt32(seq * 160), arrivalNanoseconds: Int64(seq) * 20_000_000 + (i % 2 == 1 ? late * 1_000_000 : 0),
                     payloadType: pt, marker: false, clockRate: clock)
        }
        return AppReport.RTPStream(ssrc: 1, payloadType: pt, codec: codec, fromOriginator: true, stats: s)
    }

    /// CQD's audio classifier: more than 500 packets, and round trip > 500 ms, loss rate > 0.1
    /// or jitter > 30 ms makes it poor.
    @Test func callQualityDashboardLabel() {
        func label(_ s: AppReport.RTPStream, roundTrip: Double? = nil) -> String {
            let q = RTPStreamQuality(s, roundTrip: roundTrip)
            return ([q.label.rawValue] + q.reasons.map(\.rawValue)).joined(separator: " ")
        }
        #expect(label(Self.stream(501)) == "good")
        #expect(label(Self.stream(500)) == "unclassified too_short")
        #expect(label(Self.stream(600), roundTrip: 500) == "good")
        #expect(label(Self.stream(600), roundTrip: 501) == "poor round_trip")
        // Every 9th number lost: 1/9 = 0.111 > 0.1; every 10th: 0.1, not above it.
        #expect(label(Self.stream(600, lossEvery: 9)) == "poor packet_loss_rate")
        #expect(label(Self.stream(600, lossEvery: 10)) == "good")
        // Odd packets 70 ms late: |D| = 70 ms every packet, jitter → 70 ms.
        #expect(label(Self.stream(600, late: 70), roundTrip: 900) == "poor round_trip jitter")
        #expect(label(Self.stream(600, pt: 96, codec: .unknown, clock: nil)) == "unclassified no_clock")
        #expect(label(Self.stream(600, pt: 34, codec: .unknown, clock: 90000)) == "unclassified not_audio")
    }

    /// The E-model's inputs: delay from the flow's round trip (or the stated assumption) plus
    /// the jitter buffer, loss and BurstR from the stream; no MOS without G.113 values.
    @Test func emodelInputs() {
        let s = Self.stream(600, lossEvery: 50)   // 12 single losses
        let q = RTPStreamQuality(s, roundTrip: 120)
        #expect(q.oneWayDelay == 60 + 40)
        let ppl = Double(s.stats.lostForReport) / Double(s.stats.expected) * 100
        // 12 runs of one loss among 600 received: BurstR = 1/(12/600 + 12/12).
        let standard = EModelTests.g107(t: 100, ie: 0, bpl: 25.1, ppl: ppl, burstR: 1 / (12.0 / 600 + 1))
        #expect(abs(q.rating! - standard) < 1e-9)
        #expect(abs(q.mos! - EModelTests.mos(standard)) < 1e-9)
        #expect(RTPStreamQuality(s, roundTrip: nil).oneWayDelay == 50 + 40)
        let g729 = RTPStreamQuality(Self.stream(600, pt: 18, codec: .g729), roundTrip: nil)
        #expect(abs(g729.rating! - EModelTests.g107(t: 90, ie: 11, bpl: 19, ppl: 0, burstR: 1)) < 1e-9)
        for (codec, note) in [(RTPCodec.silkWideband, "ITU-T G.113 gives no Ie/Bpl for SILK"),
                              (.rtAudioWideband, "ITU-T G.113 gives no Ie/Bpl for x-msrta"),
                              (.siren, "ITU-T G.113 gives no Ie/Bpl for SIREN"),
                              (.g722, "G.722 needs the wideband E-model (G.107.1), not implemented"),
                              (.telephoneEvent, "not a voice codec")] {
            let q = RTPStreamQuality(Self.stream(600, pt: 104, codec: codec, clock: 16000), roundTrip: nil)
            #expect(q.mos == nil && q.rating == nil && q.noMOS?.words == note)
        }
    }

    /// Lync's SILK on PT 104 through a flow's state: named, and timed at 16 kHz for jitter.
    @Test func lyncStreamThroughFlowState() throws {
        var flow = RTPFlowStats()
        let clocks = RTPClocks(configured: [:], lync: true)
        for k in 0..<10 {
            let bytes: [UInt8] = [0x80, 104] + Frames.be16(UInt16(k)) + Frames.be32(UInt32(320 * k)) + Frames.be32(0xABCD)
            let h = try bytes.withUnsafeBytes { try RTPHeader.parse($0) }
            flow.record(h, fromOriginator: true, arrival: Int64(k) * 20_000_000 + (k == 5 ? 4_000_000 : 0), clock: clocks.lookup(104))
        }
        let stream = try #require(withUnsafePointer(to: flow) { AppReport.rtp($0) }.streams.first)
        #expect(stream.codec == .silkWideband && stream.stats.lastClockRate == 16000)
        #expect(stream.stats.jitterMilliseconds > 0 && stream.stats.pattern.spacingTicks == 320)
    }

    /// The 0x17D90134 stream of ndpi-FAX-Call-t38-CA-TDM-SIP-FB-1.pcap (1171 packets, tshark:
    /// lost 0, see RTPTests.matchesTshark): good by CQD, and its duplicates and late packets equal
    /// a plain count over its sequence numbers (seen before / below the highest and new); the
    /// 0x0EAF0EAF stream (1712 lost) too.
    @Test(arguments: [UInt32(0x17D90134), UInt32(0x0EAF0EAF)])
    func faxStreams(ssrc: UInt32) throws {
        var s = RTPStreamStats()
        var seen = Set<Int>(), highest = -1, base = -1, cycles = 0, last = -1
        var duplicates = 0, late = 0
        for r in try RTPTests.fixture() where r.ssrc == ssrc {
            s.record(sequence: r.seq, timestamp: r.ts, arrivalNanoseconds: r.ns, payloadType: r.pt,
                     marker: r.marker, clockRate: RTPClock.rate(payloadType: r.pt))
            // Unwrap: a number far below the last one has wrapped.
            if last >= 0, Int(r.seq) < last - 30000 { cycles += 65536 }
            last = Int(r.seq)
            let x = cycles + Int(r.seq)
            if base < 0 { base = x }
            if seen.contains(x) { duplicates += 1 } else if x < highest { late += 1 }
            seen.insert(x)
            highest = max(highest, x)
        }
        #expect(s.pattern.duplicates == Int64(duplicates))
        #expect(s.pattern.reordered == Int64(late))
        let q = RTPStreamQuality(AppReport.RTPStream(ssrc: ssrc, payloadType: 8, codec: .pcma, fromOriginator: true, stats: s), roundTrip: nil)
        if ssrc == 0x17D90134 {
            #expect(q.label == .good && q.reasons.isEmpty)
            #expect(s.pattern.lossRuns == 0 && q.burst.burstDensity == 0)
            #expect(abs(q.rating! - EModelTests.g107(t: 90, ie: 0, bpl: 25.1, ppl: 0, burstR: 1)) < 1e-9)
        } else {
            #expect(q.label == .unclassified && q.reasons == [.tooShort])
            #expect(s.pattern.lossRuns > 0 && s.pattern.longestLossRun > 1)
        }
    }

    /// Captures/edge-sample.pcap (RTP inside TURN ChannelData, and plain) and Captures/turn/ice.pcap:
    /// every PCMU stream gets the quality fields, with the flow's STUN round trip (median) as
    /// `rtt_ms` where it has one (else the stated 50 ms), and R from the formulas on the
    /// reported loss (single losses: as many runs as lost packets).
    @Test(arguments: ["edge-sample.pcap", "turn/ice.pcap"])
    func reportFields(capture: String) throws {
        let report = try analyzeJSON([repositoryRoot + "/Captures/" + capture])
        var checked = 0
        for f in report.flows {
            let p50 = ((f["stun"] as? [String: Any])?["rtt_ms"] as? [String: Any])?["p50"] as? Double
            for s in (f["rtp"] as? [[String: Any]]) ?? [] {
                #expect(s["codec"] as? String == "PCMU")
                #expect(s["rtt_source"] as? String == (p50 == nil ? "none" : "stun") && s["rtt_ms"] as? Double == p50)
                #expect(s["label"] as? String == "unclassified" && s["reasons"] as? [String] == ["too_short"])
                #expect(s["burst"] is [String: Any] && s["duplicates"] as? Int == 0 && s["mos_note"] is NSNull)
                let lost = try #require(s["lost"] as? Int), expected = try #require(s["expected"] as? Int)
                guard lost == 0 || s["max_loss_run"] as? Int == 1 else { continue }
                let burstR = lost == 0 ? 1 : 1 / (Double(lost) / Double(expected - lost) + 1)
                let r = EModelTests.g107(t: (p50.map { $0 / 2 } ?? 50) + 40, ie: 0, bpl: 25.1,
                                         ppl: Double(lost) / Double(expected) * 100, burstR: burstR)
                #expect(abs(try #require(s["r_factor"] as? Double) - r) < 0.001, "\(capture) \(s)")
                checked += 1
            }
        }
        #expect(checked >= 2)
    }

    /// The report's words (README's `rtp` entry: `label`, `reasons`, `rtt_source`).
    @Test("the label, reasons and round trip source as static text are the report's words")
    func staticWords() {
        let labels: [(RTPStreamQuality.Label, String)] = [(.good, "good"), (.poor, "poor"), (.unclassified, "unclassified")]
        for (label, word) in labels { #expect(label.staticName.description == word && label.rawValue == word) }
        let reasons: [(RTPStreamQuality.Reason, String)] = [(.roundTrip, "round_trip"), (.packetLossRate, "packet_loss_rate"), (.jitter, "jitter"),
                                                            (.tooShort, "too_short"), (.noClock, "no_clock"), (.notAudio, "not_audio")]
        for (reason, word) in reasons { #expect(reason.staticName.description == word && reason.rawValue == word) }
        let sources: [(RTPStreamQuality.RoundTripSource, String)] = [(.rtcp, "rtcp"), (.stun, "stun"), (.none, "none")]
        for (source, word) in sources { #expect(source.staticName.description == word && source.rawValue == word) }
    }
}

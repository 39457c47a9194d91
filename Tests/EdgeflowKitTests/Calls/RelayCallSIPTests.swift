import Foundation
import Testing
@testable import EdgeflowKit

/// The SDP's clock for RTP inside TURN, on Captures/calls/relay-call-sip.pcap
/// (Scripts/record_relay_call_capture.sh --sip: coturn as the A/V Edge; the client allocates, then
/// a plaintext INVITE offers its relayed address with "a=rtpmap:111 opus/48000/2" and the 200 OK
/// answers with the Office 365 end; the media is opus on payload type 111, in ChannelData on the
/// client leg and plain RTP on the Office 365 leg). Against tshark 4.0.17's fixtures
/// (Scripts/make_call_fixtures.sh relay-call-sip): the SIP and SDP lines, the TURN messages, the
/// RTP stream table and the per-packet RTP fields, ChannelData decoded. tshark gives the plain
/// leg's streams the SDP's clock (its SDP sets up their conversation) but not the ChannelData
/// leg's ("RTPType-111", no jitter): there the jitter is RFC 3550's at 48 kHz over tshark's
/// per-packet arrival times and RTP timestamps, the same computation that gives tshark's
/// maximum on the plain leg.
@Suite("RTP inside TURN takes the SDP's clock")
struct RelayCallSIPTests {
    typealias R = RelayCallCaptureTests
    static let name = "relay-call-sip"

    /// The SDP of the INVITE (the offer) and of its 200 OK (the answer): "ip:port" of c=/m= and the rtpmap.
    static func sdp() throws -> (offer: String, answer: String, rtpmaps: [String]) {
        let rows = try R.fixture("\(name).sip.tshark.txt").filter { $0.count >= 11 && !$0[9].isEmpty }
        func end(_ row: [Substring]) -> String {
            "\(row[8].split(separator: " ").last ?? ""):\(row[9].split(separator: " ")[1])"
        }
        let offer = try #require(rows.first { $0[5] == "INVITE" }), answer = try #require(rows.first { $0[6] == "200" })
        return (end(offer), end(answer), [offer, answer].map { String($0[10].split(separator: ",")[0]) })
    }

    @Test("the capture: the offer names the relayed address, the answer the channel's peer, both opus/48000 on 111")
    func captureNamesTheRelayedEnds() throws {
        let sdp = try Self.sdp()
        let turn = try RelayCallTests.turnFacts(Self.name)
        #expect(sdp.offer == turn.relayed && sdp.answer == turn.peer)
        #expect(sdp.rtpmaps == ["rtpmap:111 opus/48000/2", "rtpmap:111 opus/48000/2"])
        // tshark decodes the ChannelData leg's RTP without a clock, the plain leg's with the SDP's.
        let streams = try R.streams(Self.name)
        #expect(streams.count == 4)
        #expect(streams.filter { $0.src.hasSuffix(":3478") || $0.dst.hasSuffix(":3478") }.allSatisfy { $0.maxJitterMs == 0 })
        #expect(streams.filter { $0.src == turn.peer || $0.dst == turn.peer }.allSatisfy { $0.maxJitterMs > 0.1 })
    }

    /// Every stream on both legs: opus from the SDP, tshark's packets and loss, and the jitter
    /// at 48 kHz (tshark's maximum where tshark had the clock).
    static func expectStreams(_ report: [String: Any]) throws {
        let packets = try R.rtpPackets(name)
        for t in try R.streams(name) {
            let rtp = try R.rtpEntry(report, src: t.src, dst: t.dst, ssrc: t.ssrc)
            let label = "\(String(t.ssrc, radix: 16)) \(t.src) → \(t.dst)"
            #expect(rtp["payload_type"] as? Int == 111, "\(label)")
            #expect(rtp["codec"] as? String == "opus" && rtp["clock_source"] as? String == "sdp", "\(label)")
            #expect(rtp["packets"] as? Int == t.packets && rtp["lost"] as? Int == t.lost, "\(label)")
            let leg = packets.filter { $0.src == t.src && $0.dst == t.dst && $0.ssrc == t.ssrc }
            #expect(leg.count == t.packets, "\(label)")
            let j = R.rfc3550Jitter(leg, clock: 48000)
            #expect(j.max > 0.1, "\(label): a jitter that tells the clocks apart")
            if t.maxJitterMs > 0 { #expect(abs(j.max - t.maxJitterMs) < 0.0015, "\(label): RFC 3550 max \(j.max) vs tshark \(t.maxJitterMs)") }
            let maxJitter = rtp["max_jitter_ms"] as? Double ?? -1, jitter = rtp["jitter_ms"] as? Double ?? -1
            #expect(abs(maxJitter - j.max) < 0.0015, "\(label): max jitter \(maxJitter) vs \(j.max)")
            #expect(abs(jitter - j.last) < 0.0015, "\(label): jitter \(jitter) vs \(j.last)")
        }
    }

    @Test("ChannelData and plain legs: opus at 48 kHz from the SDP, tshark's packets and loss, RFC 3550 jitter")
    func streamsTakeTheSDPClock() throws {
        let report = try analyzeJSON([R.capture(Self.name)])
        try Self.expectStreams(report)
        let calls = try #require(report["calls"] as? [[String: Any]])
        #expect(calls.count == 1)
        for s in calls.first?["streams"] as? [[String: Any]] ?? [] {
            #expect(s["codec"] as? String == "opus" && s["clock_source"] as? String == "sdp")
            #expect((s["legs"] as? [[String: Any]] ?? []).map { $0["clock_source"] as? String } == ["sdp", "sdp"])
        }
    }

    @Test("the SIP flow and the ChannelData flow on different threads: the same streams")
    func threads() throws {
        let n = try SDPClockTests.threadsApart((("198.51.100.10", 5060), ("203.0.113.20", 5060)),
                                               (("198.51.100.10", 50040), ("203.0.113.20", 3478)))
        try Self.expectStreams(try analyzeJSON([R.capture(Self.name)]) { $0.threads = n })
    }

    @Test("--rtp-clock 111=8000 is taken over the SDP's clock inside TURN too")
    func optionFirst() throws {
        let report = try analyzeJSON([R.capture(Self.name)]) { $0.flow.rtpClockRates = [111: 8000] }
        for f in report.flows {
            for s in f["rtp"] as? [[String: Any]] ?? [] { #expect(s["clock_source"] as? String == "option" && s["codec"] is NSNull) }
        }
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// Captures/not-media.pcap (Scripts/gen_not_media_capture.py, issue #14): multicast discovery
/// whose bytes look like RTP/RTCP or SRV lookups, encrypted datagrams that look like RTP, and
/// one real RTP stream. What each frame is comes from tshark 4.0 (`frame.protocols`,
/// `dns.qry.type`, `-qz rtp,streams`), run here on the same file.
@Suite("Discovery traffic and lone RTP-looking datagrams are not media")
struct NotMediaTests {
    static let path = repositoryRoot + "/Captures/not-media.pcap"

    static func report() throws -> [String: Any] { try analyzeJSON([path]) }

    /// Frames 1-3 are LLMNR (tshark: `eth:ethertype:ip:udp:llmnr`, IPv6 for frame 3) with
    /// transaction ids 0x8b3c, 0x80c9, 0x9e01: first bytes of RTP (version 2, PT 60 / 1) and
    /// RTCP (PT 201). None of their flows is media.
    @Test func llmnrIsNotRTPNorRTCP() throws {
        let protocols = try tsharkFields(Self.path, ["-Y", "udp.port==5355", "-e", "frame.protocols", "-e", "dns.id"])
        #expect(protocols.map { $0[0] } == ["eth:ethertype:ip:udp:llmnr", "eth:ethertype:ip:udp:llmnr", "eth:ethertype:ipv6:udp:llmnr"])
        #expect(protocols.map { $0[1] } == ["0x8b3c", "0x80c9", "0x9e01"])
        let llmnr = try Self.report().flows.filter { $0["resp_p"] as? Int == 5355 }
        #expect(llmnr.count == 3)
        for f in llmnr {
            #expect(f["service"] as? String == "unknown")
            #expect((f["services"] as? [String])?.isEmpty == true)
            #expect(f["rtp"] == nil && f["rtcp"] == nil)
        }
    }

    /// Frames 4-6 are mDNS service discovery (tshark `mdns`; frames 4 and 6 ask SRV, type 33,
    /// `phone._sip._tcp.local`, frame 5 answers without a question), frame 7 a unicast DNS
    /// SRV query for `_sip._tls.contoso.com` that nothing answers. Only the unicast lookup
    /// is an unanswered SRV lookup.
    @Test func mdnsServiceDiscoveryIsNoSRVLookup() throws {
        let srv = try tsharkFields(Self.path, ["-Y", "dns.qry.type==33", "-e", "frame.number", "-e", "frame.protocols", "-e", "dns.qry.name"])
        #expect(srv.map { $0[0] } == ["4", "6", "7"])
        #expect(srv.map { $0[1].split(separator: ":").last.map(String.init) } == ["mdns", "mdns", "dns"])
        #expect(srv.map { $0[2] } == ["phone._sip._tcp.local", "phone._sip._tcp.local", "_sip._tls.contoso.com"])
        let findings = (try Self.report()["findings"] as? [[String: Any]] ?? []).filter { $0["code"] as? String == "dns_srv_unanswered" }
        #expect(findings.map { $0["message"] as? String } == ["SRV lookup _sip._tls.contoso.com was never answered"])
    }

    /// Frames 8-25 share one 5-tuple: 8 encrypted datagrams that parse as RTP with 8 SSRCs
    /// (more than the 6 stream slots) and never a following sequence number, then the real
    /// stream 0x11223344. tshark (`-d udp.port==50000,rtp -qz rtp,streams`) lists every SSRC;
    /// its row for the real stream is `0x11223344 g711U 10 0 (0.0%)` and every other row has 1
    /// packet. edgeflow reports a stream only after sequence continuity, so only the real
    /// one, with all its packets (the first included). Frame 26, one such datagram alone on
    /// 40002 → 50002, is no stream and its flow is not RTP.
    @Test func streamsNeedSequenceContinuity() throws {
        let streams = try tsharkFields(Self.path, ["-d", "udp.port==50000,rtp", "-d", "udp.port==50002,rtp", "-Y", "rtp",
                                                   "-e", "udp.dstport", "-e", "rtp.ssrc"])
        var perSSRC: [String: Int] = [:]
        for s in streams where s[0] == "50000" { perSSRC[s[1], default: 0] += 1 }
        #expect(perSSRC.count == 9)
        #expect(perSSRC["0x11223344"] == 10)
        #expect(perSSRC.filter { $0.key != "0x11223344" }.values.allSatisfy { $0 == 1 })
        #expect(streams.filter { $0[0] == "50002" }.count == 1)

        let report = try Self.report()
        let media = try #require(report.flows.first { $0["resp_p"] as? Int == 50000 })
        let rtp = try #require(media["rtp"] as? [[String: Any]])
        #expect(rtp.count == 1)
        #expect(rtp.first?["ssrc"] as? String == "0x11223344")
        #expect(rtp.first?["packets"] as? Int == 10)
        #expect(rtp.first?["expected"] as? Int == 10)  // sequence 1000-1009
        #expect(rtp.first?["lost"] as? Int == 0)
        #expect(media["service"] as? String == "rtp")
        let lone = try #require(report.flows.first { $0["resp_p"] as? Int == 50002 })
        #expect(lone["rtp"] == nil)
        #expect(lone["service"] as? String == "unknown")
    }

    /// The probation by hand: a stream is confirmed by a packet numbered one past the highest
    /// before it, and its first packet is counted; unconfirmed slots give way to new SSRCs.
    @Test func probationByHand() throws {
        func header(_ ssrc: UInt32, _ seq: UInt16) -> RTPHeader {
            let bytes: [UInt8] = [0x80, 0x00] + Frames.be16(seq) + Frames.be32(160 * UInt32(seq)) + Frames.be32(ssrc)
            return try! bytes.withUnsafeBytes { try RTPHeader.parse($0) }
        }
        var stats = RTPFlowStats()
        // Seven lone SSRCs 1 ms apart: the seventh takes the slot heard from longest ago, the first's.
        for s in 1...7 as ClosedRange<UInt32> {
            let confirmed = stats.record(header(s, UInt16(100 * s)), fromOriginator: true, arrival: Int64(s) * 1_000_000, clock: (8000, .pcmu))
            #expect(!confirmed)
        }
        #expect(stats.streams == RTPFlowStats.streamSlots)
        #expect(stats.untracked == 1)
        // SSRC 7 goes on with 701: confirmed, and its packets are 700 and 701.
        let follows = stats.record(header(7, 701), fromOriginator: true, arrival: 27_000_000, clock: (8000, .pcmu))
        #expect(follows)
        let i = (0..<stats.streams).first { stats.ssrc[$0] == 7 }!
        #expect(stats.confirmed[i] && stats.stats[i].packets == 2 && stats.stats[i].lost == 0)
        // A jump (not one past the highest) does not confirm.
        let jumps = stats.record(header(2, 205), fromOriginator: true, arrival: 0, clock: (8000, .pcmu))
        #expect(!jumps)
        // All slots full (five confirmed, one on probation): two new streams sending in turn
        // every 10 ms. The first takes the unconfirmed slot, keeps it as the slot taken last and is
        // confirmed by its next packet; the second finds no slot (counted untracked). Taking the
        // slot from each other, neither would ever be reported.
        var full = RTPFlowStats()
        for s in 1...5 as ClosedRange<UInt32> {
            for k in 0..<2 { full.record(header(s, UInt16(100 * s) + UInt16(k)), fromOriginator: true, arrival: Int64(k) * 20_000_000, clock: (8000, .pcmu)) }
        }
        full.record(header(6, 600), fromOriginator: true, arrival: 0, clock: (8000, .pcmu))
        var t: Int64 = 1_000_000_000
        for k in 0..<3 as Range<UInt16> {
            full.record(header(8, 800 + k), fromOriginator: true, arrival: t, clock: (8000, .pcmu))
            full.record(header(9, 900 + k), fromOriginator: true, arrival: t + 10_000_000, clock: (8000, .pcmu))
            t += 20_000_000
        }
        let eight = try #require((0..<full.streams).first { full.ssrc[$0] == 8 })
        #expect(full.confirmed[eight] && full.stats[eight].packets == 3)
        #expect(!(0..<full.streams).contains { full.ssrc[$0] == 9 })
    }

    /// Past `--max-inspected-flows` a flow is not followed, so no stream can show continuity;
    /// it keeps the name its packets suggest. tshark decodes 203.0.113.20:50010 ↔
    /// 198.51.100.21:50004 in the bundled sample as RTP (`-d udp.port==50010,rtp`): 84 RTP packets and 2 RTCP.
    @Test func uninspectedRTPKeepsItsName() throws {
        let sample = repositoryRoot + "/Captures/edge-sample.pcap"
        let rtp = try tsharkFields(sample, ["-d", "udp.port==50010,rtp", "-Y", "rtp and udp.port==50010", "-e", "rtp.ssrc"])
        #expect(rtp.count == 84)  // of the flow's 86 packets (two are RTCP)
        let r = try analyzeJSON([sample]) { $0.flow.maxInspectedFlows = 1 }
        #expect((r.capture["flows_not_inspected"] as? Int ?? 0) > 0)
        let f = try #require(r.flows.first { $0["orig_p"] as? Int == 50010 })
        #expect(f["service"] as? String == "rtp" && f["rtp"] == nil)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// The captures of Captures/turn/, recorded from real peers by Scripts/record_turn_captures.sh
/// (coturn 4.6.1 turnserver and turnutils_uclient over UDP and TCP, two aioice 0.13 agents),
/// against what tshark 4.0.17 shows for them. Every expected value below was read from the
/// tshark command written next to it.
///
/// RTTs were computed from tshark's frame times: for each transaction id
/// (`-T fields -e stun.id -e stun.type -e frame.time_relative`), the response's time minus the
/// request's. The pcaps have microsecond timestamps, so the RTTs are whole microseconds.
@Suite("TURN and ICE captures from real peers")
struct TURNCaptureReportTests {
    static let turnUDP = repositoryRoot + "/Captures/turn/turn-udp.pcap"
    static let turnTCP = repositoryRoot + "/Captures/turn/turn-tcp.pcap"
    static let ice = repositoryRoot + "/Captures/turn/ice.pcap"

    private static func flow(_ report: [String: Any], _ proto: String, _ origP: Int, _ respP: Int) throws -> [String: Any] {
        try #require(report.flows.first {
            $0["proto"] as? String == proto && $0["orig_p"] as? Int == origP && $0["resp_p"] as? Int == respP
        })
    }

    private static func stun(_ f: [String: Any]) throws -> [String: Any] {
        try #require(f["stun"] as? [String: Any])
    }

    private static func byMethod(_ s: [String: Any]) -> [String: [String: Int]] {
        s["by_method"] as? [String: [String: Int]] ?? [:]
    }

    private static func counts(_ request: Int, _ success: Int, _ error: Int = 0) -> [String: Int] {
        ["request": request, "success": success, "error": error, "indication": 0]
    }

    private static func expectRTT(_ s: [String: Any], min: Double, max: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        let rtt = s["rtt_ms"] as? [String: Double]
        #expect(abs((rtt?["min"] ?? -1) - min) < 0.0005, "rtt min \(String(describing: rtt?["min"])) vs tshark \(min)", sourceLocation: sourceLocation)
        #expect(abs((rtt?["max"] ?? -1) - max) < 0.0005, "rtt max \(String(describing: rtt?["max"])) vs tshark \(max)", sourceLocation: sourceLocation)
    }

    // MARK: turn-udp.pcap

    // tshark -r turn-udp.pcap -Y stun -T fields -e udp.srcport -e udp.dstport -e stun.type -e stun.id \
    //   -e frame.time_relative -e stun.att.error.class -e stun.att.error -e stun.att.lifetime \
    //   -e stun.att.channelnum -e stun.att.ipv4-xord -e stun.att.port-xord
    // shows two client sockets. uclient's first allocation (127.0.0.1:38190, frames 1-6):
    //   0x0003 Allocate → 0x0113 error 4/01 (401) → 0x0003 Allocate with USERNAME alice →
    //   0x0103 success (XOR-RELAYED-ADDRESS 127.0.0.1:49156, XOR-MAPPED 127.0.0.1:38190,
    //   LIFETIME 777) → 0x0004 Refresh (LIFETIME 777) → 0x0104.
    // RTTs: frames 1→2 0.252, 3→4 0.527 (max), 5→6 0.116 ms (min).
    @Test("turn-udp.pcap: the first allocation, authenticated after a 401 and refreshed")
    func udpFirstAllocation() throws {
        let report = try analyzeJSON([Self.turnUDP])
        let s = try Self.stun(try Self.flow(report, "udp", 38190, 3478))
        #expect(s["messages"] as? Int == 6)
        #expect(Self.byMethod(s) == ["Allocate": Self.counts(2, 1, 1), "Refresh": Self.counts(1, 1)])
        #expect(s["error_codes"] as? [String: Int] == ["401": 1])
        #expect(s["transactions_matched"] as? Int == 3 && s["unanswered"] as? Int == 0)
        Self.expectRTT(s, min: 0.116, max: 0.527)
        #expect(s["mapped"] as? String == "127.0.0.1:38190")
        #expect(s["relayed"] as? String == "127.0.0.1:49156")
        #expect(s["ms_turn"] as? Bool == false)
        let a = try #require(s["allocation"] as? [String: Any])
        #expect(a["requests"] as? Int == 2 && a["challenges"] as? Int == 1 && a["successes"] as? Int == 1)
        #expect(a["failures"] as? Int == 0 && a["refreshes"] as? Int == 1 && a["released"] as? Bool == false)
        #expect(a["lifetime_s"] as? Int == 777)
        #expect((s["channels"] as? [Any])?.isEmpty == true)
        #expect((s["channel_data"] as? [String: Int])?["packets"] == 0)
    }

    // The second client socket (127.0.0.1:44351, frames 7-26 and 107-108), with the same tshark
    // command: Allocate → 401 → Allocate → success (relayed 127.0.0.1:49158, mapped
    // 127.0.0.1:44351, LIFETIME 777) → Refresh 777; ChannelBind 0x7eeb to 127.0.0.1:3481 twice
    // and 0x5dcc to 127.0.0.1:3480 three times (each answered 0x0109); Refresh LIFETIME 600;
    // CreatePermission for 127.0.0.1:3480 (0x0008 → 0x0108); at the end Refresh LIFETIME 0
    // (frame 107) → 0x0104 LIFETIME 0. 22 messages, 11 transactions.
    // RTTs of the 11 transactions (request → response frames): 7→8 0.102, 9→10 0.198,
    // 11→12 0.054, 13→14 0.044, 15→16 0.038, 17→18 0.038, 19→20 0.036, 21→22 0.033,
    // 23→24 0.031 (min), 25→26 0.055, 107→108 0.233 ms (max).
    // ChannelData: tshark -r turn-udp.pcap -Y stun.channel -T fields -e udp.srcport -e stun.channel -e stun.length
    //   40 frames, all channel 0x5dcc, 20 each way, length 100.
    @Test("turn-udp.pcap: 401, allocation, channel binds, permission, ChannelData and release")
    func udpLifecycle() throws {
        let report = try analyzeJSON([Self.turnUDP])
        let s = try Self.stun(try Self.flow(report, "udp", 44351, 3478))
        #expect(s["messages"] as? Int == 22)
        #expect(Self.byMethod(s) == [
            "Allocate": Self.counts(2, 1, 1), "Refresh": Self.counts(3, 3),
            "CreatePermission": Self.counts(1, 1), "ChannelBind": Self.counts(5, 5),
        ])
        #expect(s["error_codes"] as? [String: Int] == ["401": 1])
        #expect(s["transactions_matched"] as? Int == 11 && s["unanswered"] as? Int == 0)
        Self.expectRTT(s, min: 0.031, max: 0.233)
        #expect(s["mapped"] as? String == "127.0.0.1:44351")
        #expect(s["relayed"] as? String == "127.0.0.1:49158")
        let a = try #require(s["allocation"] as? [String: Any])
        #expect(a["requests"] as? Int == 2 && a["challenges"] as? Int == 1 && a["successes"] as? Int == 1)
        #expect(a["failures"] as? Int == 0 && a["refreshes"] as? Int == 3 && a["released"] as? Bool == true)
        #expect(a["lifetime_s"] as? Int == 777)
        // ChannelData per channel: tshark -r turn-udp.pcap -Y stun.channel -T fields -e stun.channel | sort | uniq -c → 40 0x5dcc
        #expect(s["channels"] as? [NSDictionary] == [
            ["channel": "0x7eeb", "peer": "127.0.0.1:3481", "packets": 0],
            ["channel": "0x5dcc", "peer": "127.0.0.1:3480", "packets": 40],
        ])
        #expect(s["malformed"] as? Int == 0)
    }

    // The same 40 ChannelData messages (tshark -r turn-udp.pcap -Y stun.channel: channel 0x5dcc,
    // length 100 each). coturn picks channel numbers in RFC 5766's 0x4000-0x7FFF, and
    // ChannelData.decode and the TCP framing accept that range, but UDPDemux.classify only
    // takes a first byte of 64-79 (RFC 7983 / RFC 8656's 0x4000-0x4FFF) as ChannelData, so on
    // UDP a channel of 0x5000-0x7FFF is not counted (edgeflow: packets 0, bytes 0).
    @Test("turn-udp.pcap: ChannelData on channel 0x5dcc")
    func udpChannelData() throws {
        let report = try analyzeJSON([Self.turnUDP])
        let s = try Self.stun(try Self.flow(report, "udp", 44351, 3478))
        #expect(s["channel_data"] as? [String: Int] == ["packets": 40, "bytes": 4000])
    }

    // tshark -r turn-udp.pcap -qz conv,udp: 3 UDP conversations; the relay leg
    // 127.0.0.1:49158 ↔ 127.0.0.1:3480 (turnutils_peer echoing, 20 packets each way) carries
    // uclient's 100-byte payloads, not STUN (tshark's heuristics call them WireGuard or data).
    @Test("turn-udp.pcap: the relay leg to the peer carries no STUN")
    func udpRelayLeg() throws {
        let report = try analyzeJSON([Self.turnUDP])
        let f = try Self.flow(report, "udp", 49158, 3480)
        #expect(f["orig_pkts"] as? Int == 20 && f["resp_pkts"] as? Int == 20)
        #expect(f["stun"] == nil)
        #expect(report.flows.count == 3)
    }

    // MARK: turn-tcp.pcap

    // tshark -r turn-tcp.pcap -Y stun -T fields -e tcp.srcport -e tcp.dstport -e stun.type -e stun.id \
    //   -e frame.time_relative -e stun.att.error.class -e stun.att.error -e stun.att.lifetime
    // (tshark decodes TCP 3478 as STUN without -d). First connection 127.0.0.1:50676:
    // Allocate → 401 → Allocate → success (relayed 127.0.0.1:49158, LIFETIME 777) → Refresh 777
    // → success, then the client's FIN and the server's RST. RTTs: frames 4→6 1.528 (max),
    // 8→9 0.522, 10→11 0.104 ms (min).
    @Test("turn-tcp.pcap: the first allocation over TCP")
    func tcpFirstAllocation() throws {
        let report = try analyzeJSON([Self.turnTCP])
        let f = try Self.flow(report, "tcp", 50676, 3478)
        let s = try Self.stun(f)
        #expect(s["messages"] as? Int == 6)
        #expect(Self.byMethod(s) == ["Allocate": Self.counts(2, 1, 1), "Refresh": Self.counts(1, 1)])
        #expect(s["error_codes"] as? [String: Int] == ["401": 1])
        #expect(s["transactions_matched"] as? Int == 3 && s["unanswered"] as? Int == 0)
        Self.expectRTT(s, min: 0.104, max: 1.528)
        #expect(s["relayed"] as? String == "127.0.0.1:49158")
        let a = try #require(s["allocation"] as? [String: Any])
        #expect(a["challenges"] as? Int == 1 && a["successes"] as? Int == 1 && a["refreshes"] as? Int == 1)
        #expect(a["released"] as? Bool == false && a["lifetime_s"] as? Int == 777)
    }

    // Second connection 127.0.0.1:50688, same command: the same sequence as the UDP client
    // (22 messages, 11 transactions); frames 35 and 36 each hold two messages
    // (stun.type `0x0008,0x0009` and `0x0108,0x0109`: CreatePermission and ChannelBind in one
    // segment). Channels 0x669d → 127.0.0.1:3481 and 0x6e33 → 127.0.0.1:3480. RTTs: 15→17
    // 0.121, 19→20 0.233, 21→22 0.061, 23→24 0.060, 25→26 0.050 (min), 27→28 0.051, 29→30
    // 0.055, 32→34 0.100, 35→36 0.077 twice, 119→121 0.253 ms (max, the release).
    // tshark -r turn-tcp.pcap -Y stun.channel -T fields -e stun.channel -e stun.length:
    //   40 ChannelData messages, channel 0x6e33, length 100 (each padded to 104 bytes on TCP).
    @Test("turn-tcp.pcap: allocation lifecycle, two messages in one segment, ChannelData over TCP")
    func tcpLifecycle() throws {
        let report = try analyzeJSON([Self.turnTCP])
        let f = try Self.flow(report, "tcp", 50688, 3478)
        let s = try Self.stun(f)
        #expect(s["messages"] as? Int == 22)
        #expect(Self.byMethod(s) == [
            "Allocate": Self.counts(2, 1, 1), "Refresh": Self.counts(3, 3),
            "CreatePermission": Self.counts(1, 1), "ChannelBind": Self.counts(5, 5),
        ])
        #expect(s["error_codes"] as? [String: Int] == ["401": 1])
        #expect(s["transactions_matched"] as? Int == 11 && s["unanswered"] as? Int == 0)
        Self.expectRTT(s, min: 0.050, max: 0.253)
        #expect(s["mapped"] as? String == "127.0.0.1:50688")
        #expect(s["relayed"] as? String == "127.0.0.1:49159")
        let a = try #require(s["allocation"] as? [String: Any])
        #expect(a["requests"] as? Int == 2 && a["challenges"] as? Int == 1 && a["successes"] as? Int == 1)
        #expect(a["refreshes"] as? Int == 3 && a["released"] as? Bool == true && a["lifetime_s"] as? Int == 777)
        // tshark -r turn-tcp.pcap -d tcp.port==3478,stun -Y stun.channel -T fields -e stun.channel | sort | uniq -c → 40 0x6e33
        #expect(s["channels"] as? [NSDictionary] == [
            ["channel": "0x669d", "peer": "127.0.0.1:3481", "packets": 0],
            ["channel": "0x6e33", "peer": "127.0.0.1:3480", "packets": 40],
        ])
        let cd = try #require(s["channel_data"] as? [String: Int])
        #expect(cd["packets"] == 40)
        // tshark's stun.length sums to 4000. Over UDP edgeflow counts the ChannelData Length
        // field (100 per message); over TCP it counts the whole PDU with its 4-byte header
        // (104 per message, 4160).
        #expect(cd["bytes"] == 4000)
        #expect(s["malformed"] as? Int == 0)
    }

    // MARK: ice.pcap

    // tshark -r ice.pcap -Y stun -T fields -e udp.srcport -e stun.type -e stun.id -e frame.time_relative -e stun.att.type
    //   frame 1  40000 0x0001 (USERNAME edgB:edgA, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, MESSAGE-INTEGRITY, FINGERPRINT)
    //   frame 2  40002 0x0001 (USERNAME edgA:edgB, PRIORITY, ICE-CONTROLLED, MESSAGE-INTEGRITY, FINGERPRINT)
    //   frame 3  40002 0x0101 (XOR-MAPPED-ADDRESS 127.0.0.1:40000, MESSAGE-INTEGRITY, FINGERPRINT)
    //   frame 4  40000 0x0101 (XOR-MAPPED-ADDRESS 127.0.0.1:40002, ...)
    // RTTs: frames 1→3 2.604 ms (max), 2→4 0.441 ms (min).
    // tshark -r ice.pcap -d udp.port==40000,rtp -qz rtp,streams (the same with --enable-heuristic rtp_udp):
    //   127.0.0.1:40000 → 40002 SSRC 0x11223344 g711U 28 packets, 2 lost (6.7%), max jitter 0.993 ms
    //   127.0.0.1:40002 → 40000 SSRC 0x55667788 g711U 29 packets, 1 lost (3.3%), max jitter 0.981 ms
    @Test("ice.pcap: ICE connectivity checks, then RTP with skipped sequence numbers on the same 5-tuple")
    func ice() throws {
        let report = try analyzeJSON([Self.ice])
        #expect(report.flows.count == 1)
        let f = try Self.flow(report, "udp", 40000, 40002)
        let s = try Self.stun(f)
        #expect(s["messages"] as? Int == 4)
        #expect(Self.byMethod(s) == ["Binding": Self.counts(2, 2)])
        #expect(s["transactions_matched"] as? Int == 2 && s["unanswered"] as? Int == 0)
        Self.expectRTT(s, min: 0.441, max: 2.604)
        #expect((s["error_codes"] as? [String: Int])?.isEmpty == true)
        let streams = try #require(f["rtp"] as? [[String: Any]])
        #expect(streams.count == 2)
        let out = try #require(streams.first { $0["ssrc"] as? String == "0x11223344" })
        let back = try #require(streams.first { $0["ssrc"] as? String == "0x55667788" })
        #expect(out["dir"] as? String == "orig" && out["payload_type"] as? Int == 0)
        #expect(out["packets"] as? Int == 28 && out["expected"] as? Int == 30 && out["lost"] as? Int == 2)
        #expect(back["dir"] as? String == "resp")
        #expect(back["packets"] as? Int == 29 && back["expected"] as? Int == 30 && back["lost"] as? Int == 1)
        #expect(abs((out["max_jitter_ms"] as? Double ?? -1) - 0.993) < 0.01)
        #expect(abs((back["max_jitter_ms"] as? Double ?? -1) - 0.981) < 0.01)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// Captures/calls/relay-call.pcap, relay-call-tcp.pcap and relay-call-bursty.pcap, a call relayed
/// by a real TURN server (coturn's turnserver as the A/V Edge), recorded by
/// Scripts/record_relay_call_capture.sh on both of the Edge's links (the client leg over UDP, over
/// TCP with `--tcp`, and with `--bursty` the loss beyond the Edge in bursts), against
/// tshark 4.0.17's view in the fixtures written by Scripts/make_call_fixtures.sh: NAME.rtp-streams.txt
/// (`-qz rtp,streams`), NAME.rtp.tshark.txt (per-frame RTP and RTCP fields) and
/// NAME.turn.tshark.txt (the STUN/TURN messages). Every expected value is read from those
/// files; the commands are in their headers.
///
/// By construction (see the script), the client's stream 0x0C11E47A loses packets before the
/// Edge (on both legs; over TCP the kernel retransmits them instead, so they arrive late) and
/// more beyond it (on the Office 365 leg only, with 30 ms ± 10 ms of delay; in bursts in
/// relay-call-bursty, RelayCallBurstTests), and the Office 365 stream 0x0365A0D1 is clean on both legs.
@Suite("A relayed call through coturn, both legs")
struct RelayCallCaptureTests {
    static let names = ["relay-call", "relay-call-tcp", "relay-call-bursty"]
    static func capture(_ name: String) -> String { repositoryRoot + "/Captures/calls/\(name).pcap" }
    static let clientSSRC: UInt32 = 0x0C11_E47A
    static let o365SSRC: UInt32 = 0x0365_A0D1

    /// One row of tshark's RTP stream table.
    struct TsharkStream {
        var src: String, dst: String, ssrc: UInt32, packets: Int, lost: Int, maxJitterMs: Double
    }

    /// One "r" line: an RTP packet as tshark decoded it (also inside ChannelData).
    struct TsharkRTP {
        var src: String, dst: String, ssrc: UInt32, timestamp: UInt32, arrivalNs: Int64
    }

    static func fixture(_ name: String) throws -> [[Substring]] {
        let text = try String(contentsOf: Fixtures.directory.appendingPathComponent(name), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    }

    /// `NAME.rtp-streams.txt`: start end src sport dst dport ssrc payload pkts lost (pct)
    /// min/mean/max delta, min/mean/max jitter [problems].
    static func streams(_ name: String) throws -> [TsharkStream] {
        let text = try String(contentsOf: Fixtures.directory.appendingPathComponent("\(name).rtp-streams.txt"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> TsharkStream? in
            let f = line.split(separator: " ")
            guard f.count >= 17, f[6].hasPrefix("0x"), let ssrc = UInt32(f[6].dropFirst(2), radix: 16),
                  let packets = Int(f[8]), let lost = Int(f[9]), let maxJitter = Double(f[16]) else { return nil }
            return TsharkStream(src: "\(f[2]):\(f[3])", dst: "\(f[4]):\(f[5])", ssrc: ssrc, packets: packets,
                                lost: lost, maxJitterMs: maxJitter)
        }
    }

    /// The RTP packets of the "r" lines, one per message (a TCP frame may hold several).
    static func rtpPackets(_ name: String) throws -> [TsharkRTP] {
        try fixture("\(name).rtp.tshark.txt").filter { $0.first == "r" }.flatMap { f in
            let t = f[2].split(separator: ".")
            let ns = Int64(t[0])! * 1_000_000_000 + Int64(t[1])!
            return zip(f[7].split(separator: ","), f[9].split(separator: ",")).map { ssrc, ts in
                TsharkRTP(src: "\(f[3]):\(f[4])", dst: "\(f[5]):\(f[6])", ssrc: UInt32(ssrc.dropFirst(2), radix: 16)!,
                          timestamp: UInt32(ts)!, arrivalNs: ns)
            }
        }
    }

    /// RFC 3550 §6.4.1 / A.8 interarrival jitter at `clock` Hz (8000: PCMU) over PACKETS in
    /// arrival order: the final value and the largest, in milliseconds.
    static func rfc3550Jitter(_ packets: [TsharkRTP], clock: Double = 8000) -> (last: Double, max: Double) {
        var j = 0.0, maxJ = 0.0
        for (a, b) in zip(packets, packets.dropFirst()) {
            let arrival = Double(b.arrivalNs - a.arrivalNs) * clock / 1e9
            let sent = Double(Int32(bitPattern: b.timestamp &- a.timestamp))
            j += (abs(arrival - sent) - j) / 16
            maxJ = max(maxJ, j)
        }
        return (j * 1000 / clock, maxJ * 1000 / clock)
    }

    static func endpoint(_ flow: [String: Any], _ side: String) -> String {
        "\(flow["\(side)_h"] as? String ?? ""):\(flow["\(side)_p"] as? Int ?? -1)"
    }

    /// The flow carrying SRC → DST and its `rtp` entry for SSRC in that direction.
    static func rtpEntry(_ report: [String: Any], src: String, dst: String, ssrc: UInt32) throws -> [String: Any] {
        let flow = try #require(report.flows.first {
            (endpoint($0, "orig") == src && endpoint($0, "resp") == dst) || (endpoint($0, "orig") == dst && endpoint($0, "resp") == src)
        }, "no flow \(src) ↔ \(dst)")
        let dir = endpoint(flow, "orig") == src ? "orig" : "resp"
        let entries = flow["rtp"] as? [[String: Any]] ?? []
        return try #require(entries.first {
            $0["ssrc"] as? String == "0x" + String(ssrc, radix: 16) && $0["dir"] as? String == dir
        }, "no rtp entry for \(String(ssrc, radix: 16)) \(dir) on \(src) ↔ \(dst)")
    }

    @Test("the fixtures show the loss where the script put it", arguments: names)
    func lossWhereTheScriptPutIt(name: String) throws {
        let s = try Self.streams(name)
        #expect(s.count == 4)
        let client = s.filter { $0.ssrc == Self.clientSSRC }, o365 = s.filter { $0.ssrc == Self.o365SSRC }
        #expect(client.count == 2 && o365.count == 2)
        #expect(o365.allSatisfy { $0.lost == 0 && $0.packets >= 500 })
        let clientLeg = try #require(client.first { $0.dst == "203.0.113.20:3478" })
        let o365Leg = try #require(client.first { $0.dst == "52.112.0.10:50010" })
        #expect(o365Leg.lost > clientLeg.lost && o365Leg.packets >= 500 && o365Leg.maxJitterMs > 5)
        if name.hasSuffix("-tcp") {
            #expect(clientLeg.lost == 0)
        } else {
            #expect(clientLeg.lost > 0 && clientLeg.maxJitterMs < 5)
        }
    }

    /// Packets, lost and maximum jitter per SSRC per leg equal tshark's stream table; the final
    /// jitter equals RFC 3550's estimator run over tshark's arrival times and RTP timestamps
    /// (whose maximum is checked against tshark's first, so the computation is tshark's).
    @Test("per SSRC per leg: packets, lost and jitter equal tshark's", arguments: names)
    func streamsMatchTshark(name: String) throws {
        let report = try analyzeJSON([Self.capture(name)])
        let packets = try Self.rtpPackets(name)
        for t in try Self.streams(name) {
            let rtp = try Self.rtpEntry(report, src: t.src, dst: t.dst, ssrc: t.ssrc)
            let label = "\(String(t.ssrc, radix: 16)) \(t.src) → \(t.dst)"
            #expect(rtp["packets"] as? Int == t.packets, "\(label)")
            #expect(rtp["lost"] as? Int == t.lost, "\(label)")
            #expect(rtp["payload_type"] as? Int == 0 && rtp["codec"] as? String == "PCMU", "\(label)")
            #expect(rtp["clock_source"] as? String == "static", "\(label)")
            let maxJitter = rtp["max_jitter_ms"] as? Double ?? -1
            #expect(abs(maxJitter - t.maxJitterMs) < 0.0015, "\(label): max jitter \(maxJitter) vs tshark \(t.maxJitterMs)")

            let leg = packets.filter { $0.src == t.src && $0.dst == t.dst && $0.ssrc == t.ssrc }
            #expect(leg.count == t.packets, "\(label)")
            let j = Self.rfc3550Jitter(leg)
            #expect(abs(j.max - t.maxJitterMs) < 0.0015, "\(label): RFC 3550 max \(j.max) vs tshark \(t.maxJitterMs)")
            let jitter = rtp["jitter_ms"] as? Double ?? -1
            #expect(abs(jitter - j.last) < 0.0015, "\(label): jitter \(jitter) vs \(j.last)")
        }
    }

    /// RTCP packets per flow equal tshark's: SR (PT 200), RR (201) and the others (SDES, BYE)
    /// in the compound packets the "c" lines list.
    @Test("RTCP packet counts per leg equal tshark's", arguments: names)
    func rtcpCounts(name: String) throws {
        let report = try analyzeJSON([Self.capture(name)])
        var expected: [String: (sr: Int, rr: Int, other: Int)] = [:]
        for f in try Self.fixture("\(name).rtp.tshark.txt") where f.first == "c" {
            let key = [("\(f[3]):\(f[4])"), ("\(f[5]):\(f[6])")].sorted().joined(separator: " ")
            var e = expected[key] ?? (0, 0, 0)
            for pt in f[7].split(separator: ",") {
                switch pt {
                case "200": e.sr += 1
                case "201": e.rr += 1
                default: e.other += 1
                }
            }
            expected[key] = e
        }
        #expect(expected.count == 2)
        for (key, e) in expected {
            let ends = key.split(separator: " ").map(String.init)
            let flow = try #require(report.flows.first { Set([Self.endpoint($0, "orig"), Self.endpoint($0, "resp")]) == Set(ends) })
            let rtcp = try #require(flow["rtcp"] as? [String: Any])
            let counts = ["sender_reports", "receiver_reports", "other", "encrypted"].map { rtcp[$0] as? Int }
            #expect(counts == [e.sr, e.rr, e.other, 0], "\(key)")
        }
    }

    /// The allocation: 401 then success with XOR-RELAYED-ADDRESS, CreatePermission and
    /// ChannelBind for the Office 365 peer, a Refresh mid-call and one with LIFETIME 0 at the end;
    /// the relayed address's flow to that peer is the Office 365 leg.
    @Test("TURN: relayed address, peer, channel and lifetime equal tshark's", arguments: names)
    func turnAllocation(name: String) throws {
        let rows = try Self.fixture("\(name).turn.tshark.txt")
        /// The address attributes of ROW, by attribute type, as "ip:port".
        func addresses(_ row: [Substring]) -> [String: String] {
            let types = row[7].split(separator: ",").filter { ["0x0012", "0x0016", "0x0020"].contains($0) }
            let ips = row[8].split(separator: ","), ports = row[9].split(separator: ",")
            var out: [String: String] = [:]
            for (i, t) in types.enumerated() where i < ips.count && i < ports.count { out[String(t)] = "\(ips[i]):\(ports[i])" }
            return out
        }
        let success = try #require(rows.first { $0[6] == "0x0103" })
        let relayed = try #require(addresses(success)["0x0016"]), mapped = try #require(addresses(success)["0x0020"])
        let lifetime = try #require(Int(success[11]))
        let permission = try #require(rows.first { $0[6] == "0x0008" })
        let bind = try #require(rows.first { $0[6] == "0x0009" })
        let peer = try #require(addresses(permission)["0x0012"])
        #expect(addresses(bind)["0x0012"] == peer)
        let channel = String(bind[10])
        let challenges = rows.filter { $0[6] == "0x0113" && $0[12] == "4" && $0[13] == "1" }.count
        let refreshes = rows.filter { $0[6] == "0x0004" }
        let client = "\(success[4]):\(success[5])", server = "\(success[2]):\(success[3])"
        // Every ChannelData message on the client leg carries one RTP packet or one RTCP
        // compound (which starts with an SR or an RR).
        let onClientLeg = try Self.fixture("\(name).rtp.tshark.txt").filter { ["\($0[3]):\($0[4])", "\($0[5]):\($0[6])"].contains(server) }
        let channelData = onClientLeg.reduce(0) { n, f in
            n + (f[0] == "r" ? f[7].split(separator: ",").count : f[7].split(separator: ",").filter { $0 == "200" || $0 == "201" }.count)
        }

        let report = try analyzeJSON([Self.capture(name)])
        let flow = try #require(report.flows.first { Self.endpoint($0, "orig") == client && Self.endpoint($0, "resp") == server })
        let stun = try #require(flow["stun"] as? [String: Any])
        #expect(stun["relayed"] as? String == relayed)
        #expect(stun["mapped"] as? String == mapped)
        #expect(stun["error_codes"] as? [String: Int] == ["401": challenges])
        #expect(stun["messages"] as? Int == rows.count)
        let a = try #require(stun["allocation"] as? [String: Any])
        #expect(a["challenges"] as? Int == challenges && a["successes"] as? Int == 1 && a["failures"] as? Int == 0)
        #expect(a["refreshes"] as? Int == refreshes.count && a["lifetime_s"] as? Int == lifetime)
        #expect(a["released"] as? Bool == (refreshes.last?[11] == "0"))
        let channels = try #require(stun["channels"] as? [[String: Any]])
        #expect(channels.count == 1)
        #expect(channels.first?["channel"] as? String == channel && channels.first?["peer"] as? String == peer)
        #expect(channels.first?["packets"] as? Int == channelData)
        #expect((stun["channel_data"] as? [String: Int])?["packets"] == channelData)
        #expect(report.flows.contains { Self.endpoint($0, "orig") == relayed && Self.endpoint($0, "resp") == peer })
    }
}

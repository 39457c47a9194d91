import Foundation
import Testing
@testable import EdgeflowKit

/// Calls on Captures/calls/relay-call.pcap, relay-call-tcp.pcap and relay-call-bursty.pcap (coturn as the A/V Edge,
/// both of its links captured; Scripts/record_relay_call_capture.sh, Captures/README.md), against
/// tshark's per-leg RTP stream table (`-qz rtp,streams`, the fixtures RelayCallCaptureTests reads)
/// and the impairments the script set up: the client's stream 0x0C11E47A is dropped at the
/// client's egress (before the Edge: over UDP lost on both legs, over TCP retransmitted, not
/// lost) and 3 % more beyond the Edge (Office 365 leg only; in bursty, 1 % at the client and
/// Gilbert-Elliott bursts beyond the Edge); the Office 365 stream 0x0365A0D1 is untouched.
@Suite("Calls across the relay on the coturn captures")
struct RelayCallTests {
    typealias R = RelayCallCaptureTests

    /// Where the script's impairments put each stream's loss.
    static func expectedLossAt(_ name: String, _ ssrc: UInt32) -> String {
        if ssrc == R.o365SSRC { return "none" }
        return name.hasSuffix("-tcp") ? "between_legs" : "before_and_between_legs"
    }

    /// tshark's stream rows with their start times (column 1), for the order of the legs.
    static func startTimes(_ name: String) throws -> [(row: R.TsharkStream, start: Double)] {
        let text = try String(contentsOf: Fixtures.directory.appendingPathComponent("\(name).rtp-streams.txt"), encoding: .utf8)
        let starts = text.split(separator: "\n").compactMap { line -> (String, Double)? in
            let f = line.split(separator: " ")
            guard f.count >= 17, f[6].hasPrefix("0x"), let start = Double(f[0]) else { return nil }
            return ("\(f[2]):\(f[3]) \(f[4]):\(f[5]) \(f[6])", start)
        }
        return try R.streams(name).map { s in
            (s, starts.first { $0.0 == "\(s.src) \(s.dst) 0x" + String(format: "%08X", s.ssrc) }?.1 ?? .nan)
        }
    }

    /// One call of the two streams; each stream's legs are tshark's two rows of its SSRC,
    /// upstream first (the row tshark saw start first), with tshark's packets, lost and maximum
    /// jitter, and the loss where the script put it. Every leg has more than 500 packets, under
    /// 10 % loss and under 30 ms of jitter (tshark's figures), so CQD's classifier calls the call good.
    @Test("one call, its legs equal tshark's per-leg streams, the loss where the script put it", arguments: R.names)
    func callMatchesTshark(name: String) throws {
        let report = try analyzeJSON([R.capture(name)])
        let calls = try #require(report["calls"] as? [[String: Any]])
        #expect(calls.count == 1)
        let call = try #require(calls.first)
        #expect(call["label"] as? String == "good")
        #expect(call["reasons"] as? [String] == [])
        let streams = try #require(call["streams"] as? [[String: Any]])
        #expect(Set(streams.compactMap { $0["ssrc"] as? String }) == ["0x" + String(R.clientSSRC, radix: 16), "0x" + String(R.o365SSRC, radix: 16)])
        let rows = try Self.startTimes(name)
        for s in streams {
            let ssrcText = try #require(s["ssrc"] as? String)
            let ssrc = try #require(UInt32(ssrcText.dropFirst(2), radix: 16))
            #expect(s["loss_at"] as? String == Self.expectedLossAt(name, ssrc), "\(ssrcText)")
            #expect(s["codec"] as? String == "PCMU" && s["payload_type"] as? Int == 0)
            // PT 0 is RFC 3551's PCMU at 8000 Hz (Table 4), on the stream and on each leg.
            #expect(s["clock_source"] as? String == "static")
            let expected = rows.filter { $0.row.ssrc == ssrc }.sorted { $0.start < $1.start }.map(\.row)
            let legs = try #require(s["legs"] as? [[String: Any]])
            #expect(legs.count == 2 && expected.count == 2, "\(ssrcText)")
            for (leg, t) in zip(legs, expected) {
                let flow = try #require(report.flows.first { $0["uid"] as? String == leg["uid"] as? String })
                let ends = Set([R.endpoint(flow, "orig"), R.endpoint(flow, "resp")])
                #expect(ends == [t.src, t.dst], "\(ssrcText): leg \(leg["uid"] ?? "") should be \(t.src) → \(t.dst)")
                #expect(leg["dir"] as? String == (R.endpoint(flow, "orig") == t.src ? "orig" : "resp"))
                #expect(leg["packets"] as? Int == t.packets, "\(ssrcText) \(t.src)")
                #expect(leg["lost"] as? Int == t.lost, "\(ssrcText) \(t.src)")
                let maxJitter = leg["max_jitter_ms"] as? Double ?? -1
                #expect(abs(maxJitter - t.maxJitterMs) < 0.0015, "\(ssrcText) \(t.src): \(maxJitter) vs \(t.maxJitterMs)")
                #expect(leg["label"] as? String == "good")
                #expect(leg["clock_source"] as? String == "static")
            }
        }
    }

    /// tshark's TURN facts (the `.turn.tshark.txt` fixture): the relayed address of the
    /// Allocate success (0x0103, its first address attribute, XOR-RELAYED-ADDRESS) and the peer
    /// of the ChannelBind request (0x0009, XOR-PEER-ADDRESS), as `ip:port`.
    static func turnFacts(_ name: String) throws -> (relayed: String, peer: String) {
        let text = try String(contentsOf: Fixtures.directory.appendingPathComponent("\(name).turn.tshark.txt"), encoding: .utf8)
        var relayed: String?, peer: String?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count > 9, let ip = f[8].split(separator: ",").first, let port = f[9].split(separator: ",").first else { continue }
            if f[6] == "0x0103", relayed == nil { relayed = "\(ip):\(port)" }
            if f[6] == "0x0009", peer == nil { peer = "\(ip):\(port)" }
        }
        return (try #require(relayed), try #require(peer))
    }

    /// The call's allocation is the client leg's, with tshark's relayed address and channel
    /// peer, and the flow from that relayed address to the peer (the Office 365 leg) is its
    /// peer flow.
    @Test("the call's TURN allocation has tshark's relayed address and peer, and names the Office 365 leg", arguments: R.names)
    func allocationTiesTheLegs(name: String) throws {
        let tshark = try Self.turnFacts(name)
        let report = try analyzeJSON([R.capture(name)])
        let call = try #require((report["calls"] as? [[String: Any]])?.first)
        let allocations = try #require(call["allocations"] as? [[String: Any]])
        #expect(allocations.count == 1)
        let a = try #require(allocations.first)
        #expect(a["relayed"] as? String == tshark.relayed)
        #expect(a["peers"] as? [String] == [tshark.peer])
        let client = try #require(report.flows.first { $0["uid"] as? String == a["uid"] as? String })
        #expect(R.endpoint(client, "resp") == "203.0.113.20:3478")
        let o365 = try #require(report.flows.first { R.endpoint($0, "orig") == tshark.relayed && R.endpoint($0, "resp") == tshark.peer })
        #expect(a["peer_flows"] as? [String] == [o365["uid"] as? String ?? ""])
    }

    /// The calls are the same with two threads, and the NDJSON form has one `call` line with the
    /// JSON form's call.
    @Test("threads and NDJSON give the same call", arguments: R.names)
    func sameCallEverywhere(name: String) throws {
        let one = try #require(try analyzeJSON([R.capture(name)])["calls"] as? [[String: Any]])
        let two = try #require(try analyzeJSON([R.capture(name)]) { $0.threads = 2 }["calls"] as? [[String: Any]])
        #expect(NSArray(array: one).isEqual(to: two))

        let out = scratchPath("calls") + ".ndjson"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = AnalyzeOptions(paths: [R.capture(name)])
        options.format = .ndjson
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream) { _ in }
        try stream.close()
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        var calls = lines.filter { $0["type"] as? String == "call" }
        #expect(calls.count == 1)
        calls[0]["type"] = nil
        #expect(NSDictionary(dictionary: calls[0]).isEqual(to: one.first ?? [:]))
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// Calls tied by SIP/SDP and ICE on Captures/calls/sip-call.pcap: a direct call between two
/// baresip instances (Scripts/record_sip_call_capture.sh: plaintext SIP on UDP 5060, opus on the
/// dynamic payload type 96, ICE), against the tshark fixtures of Scripts/make_sip_call_fixtures.sh;
/// and ICE ties on Captures/public/arkime-stun-ice-testcall.pcap against tshark's USERNAMEs.
@Suite("Calls tied by SIP/SDP and ICE")
struct SIPCallTests {
    static let capture = repositoryRoot + "/Captures/calls/sip-call.pcap"

    static func fixtureRows(_ name: String) throws -> [[String]] {
        try String(contentsOf: Fixtures.directory.appendingPathComponent(name), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// A flow's two ends, as "ip:port", unordered.
    static func ends(_ flow: [String: Any]) -> Set<String> {
        [RelayCallCaptureTests.endpoint(flow, "orig"), RelayCallCaptureTests.endpoint(flow, "resp")]
    }

    /// The uids of the report's flows whose ends are one of `pairs`.
    static func uids(_ report: [String: Any], _ pairs: Set<Set<String>>) -> Set<String> {
        Set(report.flows.filter { pairs.contains(ends($0)) }.compactMap { $0["uid"] as? String })
    }

    /// A USERNAME's pair with the ufrags in byte order, as both directions' checks share it.
    static func normalised(_ username: String) -> String {
        let parts = username.split(separator: ":", maxSplits: 1).map(String.init)
        return parts.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.joined(separator: ":")
    }

    /// ICE sessions and the flows of their checks from tshark's `stun.att.username` rows
    /// (src, sport, dst, dport, USERNAME).
    static func iceFromTshark(_ rows: [[String]]) -> [String: Set<Set<String>>] {
        var out: [String: Set<Set<String>>] = [:]
        for f in rows where f.count >= 5 && !f[4].isEmpty {
            out[normalised(f[4]), default: []].insert(["\(f[0]):\(f[1])", "\(f[2]):\(f[3])"])
        }
        return out
    }

    @Test("one call: its SIP flow and Call-ID, its ICE session's flows, its streams' codec and clock from the SDP")
    func sipCallMatchesTshark() throws {
        let report = try analyzeJSON([Self.capture])
        let calls = try #require(report["calls"] as? [[String: Any]])
        #expect(calls.count == 1)
        let call = try #require(calls.first)

        // SIP: the Call-ID and ends of the SIP messages, the SDP's c=/m= endpoints and rtpmaps.
        let sip = try Self.fixtureRows("sip-call.sip.tshark.txt").filter { $0.count >= 9 }
        let callIDs = Set(sip.map { $0[5] })
        #expect(callIDs.count == 1)
        let sipEnds: Set<Set<String>> = Set(sip.map { ["\($0[1]):\($0[2])", "\($0[3]):\($0[4])"] })
        var mediaEnds: Set<String> = []
        var rtpmaps: Set<String> = []
        for row in sip where !row[7].isEmpty {
            let address = try #require(row[6].split(separator: ",").first?.split(separator: " ").last)
            let port = try #require(row[7].split(separator: " ").dropFirst().first)
            mediaEnds.insert("\(address):\(port)")
            rtpmaps.formUnion(row[8].split(separator: ",").filter { $0.hasPrefix("rtpmap:96 ") }.map(String.init))
        }
        #expect(rtpmaps == ["rtpmap:96 opus/48000/2"])
        let sipTies = try #require(call["sip"] as? [[String: Any]])
        #expect(sipTies.map { $0["call_id"] as? String } == callIDs.map { $0 })
        #expect(Set(sipTies.compactMap { $0["uid"] as? String }) == Self.uids(report, sipEnds))

        // ICE: one session, its checks on the RTP and the RTCP component's flows.
        let ice = Self.iceFromTshark(try Self.fixtureRows("sip-call.stun.tshark.txt"))
        #expect(ice.count == 1)
        let sessions = try #require(call["ice"] as? [[String: Any]])
        #expect(sessions.count == ice.count)
        for s in sessions {
            let ufrags = try #require(s["ufrags"] as? String)
            let flows = try #require(ice[ufrags], "\(ufrags) is not a pair tshark saw")
            #expect(Set(s["flows"] as? [String] ?? []) == Self.uids(report, flows))
        }

        // Streams: tshark's two opus streams, each on the flow between the SDP's two media ends,
        // with the SDP's encoding and clock for payload type 96.
        let tshark = try RelayCallCaptureTests.streams("sip-call")
        #expect(tshark.count == 2)
        let streams = try #require(call["streams"] as? [[String: Any]])
        #expect(Set(streams.compactMap { $0["ssrc"] as? String }) == Set(tshark.map { "0x" + String($0.ssrc, radix: 16) }))
        let mediaFlow = Self.uids(report, [mediaEnds])
        #expect(mediaFlow.count == 1)
        for s in streams {
            #expect(s["payload_type"] as? Int == 96)
            #expect(s["codec"] as? String == "opus")
            let map = try #require(s["rtpmap"] as? [String: Any])
            #expect(map["encoding"] as? String == "opus" && map["clock_hz"] as? Int == 48000)
            let legs = try #require(s["legs"] as? [[String: Any]])
            #expect(Set(legs.compactMap { $0["uid"] as? String }) == mediaFlow)
            let ssrc = try #require(UInt32((s["ssrc"] as? String ?? "").dropFirst(2), radix: 16))
            #expect(legs.first?["packets"] as? Int == tshark.first { $0.ssrc == ssrc }?.packets)
        }
    }

    /// Four candidate pairs of one ICE session (tshark's USERNAMEs): one call naming them.
    @Test func arkimeICEChecksFormOneSession() throws {
        let path = repositoryRoot + "/Captures/public/arkime-stun-ice-testcall.pcap"
        let ice = Self.iceFromTshark(try tsharkFields(path, ["-Y", "stun.att.username", "-e", "ip.src", "-e", "udp.srcport",
                                                             "-e", "ip.dst", "-e", "udp.dstport", "-e", "stun.att.username"]))
        #expect(ice.count == 1)
        let report = try analyzeJSON([path])
        let calls = try #require(report["calls"] as? [[String: Any]])
        #expect(calls.count == 1)
        let sessions = try #require(calls.first?["ice"] as? [[String: Any]])
        let (ufrags, flows) = try #require(ice.first)
        #expect(sessions.map { $0["ufrags"] as? String } == [ufrags])
        #expect(Set(sessions.first?["flows"] as? [String] ?? []) == Self.uids(report, flows))
        #expect(flows.count == 4)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// The time slices of each leg of the calls on Captures/calls/relay-call.pcap and
/// relay-call-tcp.pcap against tshark's packets of that leg (the "r" lines of
/// Fixtures/NAME.rtp.tshark.txt, written by Scripts/make_call_fixtures.sh; command in its header):
/// per 1 s window from the leg's first packet, tshark's packet count, and RFC 3550's loss
/// (extended highest sequence number − first + 1 − packets received) grown over the window.
@Suite("Calls: per-leg time slices against tshark")
struct CallLegSlicesTests {
    typealias R = RelayCallCaptureTests

    /// One leg's packets as tshark decoded them: arrival (ns) and sequence number.
    static func legPackets(_ name: String, src: String, dst: String, ssrc: UInt32) throws -> [(ns: Int64, seq: UInt16)] {
        try R.fixture("\(name).rtp.tshark.txt").filter { $0.first == "r" && "\($0[3]):\($0[4])" == src && "\($0[5]):\($0[6])" == dst }
            .flatMap { f -> [(ns: Int64, seq: UInt16)] in
                let t = f[2].split(separator: ".")
                let ns = Int64(t[0])! * 1_000_000_000 + Int64(t[1])!
                return zip(f[7].split(separator: ","), f[8].split(separator: ","))
                    .filter { UInt32($0.0.dropFirst(2), radix: 16) == ssrc }
                    .map { (ns, UInt16($0.1)!) }
            }
    }

    /// Per `width` window from the first packet: packets, and the growth of RFC 3550's
    /// cumulative loss over it, clamped at 0 (the report's `lost`).
    static func windows(_ packets: [(ns: Int64, seq: UInt16)], width: Int64) -> [(packets: Int, lost: Int)] {
        guard let first = packets.first else { return [] }
        var out: [(packets: Int, lost: Int)] = []
        var highest = Int(first.seq), received = 0, lostBefore = 0
        func close() {
            let lost = highest - Int(first.seq) + 1 - received
            out[out.count - 1].lost = max(0, lost - lostBefore)
            lostBefore = lost
        }
        for p in packets {
            let k = Int((p.ns - first.ns) / width)
            while out.count <= k {
                if !out.isEmpty { close() }
                out.append((0, 0))
            }
            // Extend the 16-bit number to the one nearest the highest so far.
            let delta = Int(Int16(bitPattern: p.seq &- UInt16(truncatingIfNeeded: highest)))
            highest = max(highest, highest + delta)
            received += 1
            out[k].packets += 1
        }
        close()
        return out
    }

    @Test("each leg's slices have tshark's packets and loss per window, and equal its flow's rtp entry's", arguments: R.names)
    func legSlicesMatchTshark(name: String) throws {
        let width: Int64 = 1_000_000_000
        let report = try analyzeJSON([R.capture(name)]) { $0.flow.rtpSliceWidth = width }
        let call = try #require((report["calls"] as? [[String: Any]])?.first)
        var legs = 0, lossy = 0
        for s in try #require(call["streams"] as? [[String: Any]]) {
            let ssrcText = try #require(s["ssrc"] as? String)
            let ssrc = try #require(UInt32(ssrcText.dropFirst(2), radix: 16))
            for leg in try #require(s["legs"] as? [[String: Any]]) {
                let flow = try #require(report.flows.first { $0["uid"] as? String == leg["uid"] as? String })
                let orig = R.endpoint(flow, "orig"), resp = R.endpoint(flow, "resp")
                let (src, dst) = leg["dir"] as? String == "orig" ? (orig, resp) : (resp, orig)
                let expected = Self.windows(try Self.legPackets(name, src: src, dst: dst, ssrc: ssrc), width: width)
                let slices = try #require(leg["slices"] as? [[String: Any]], "\(ssrcText) \(src)")
                #expect(leg["slice_s"] as? Double == 1)
                #expect(slices.map { $0["packets"] as? Int ?? -1 } == expected.map(\.packets), "\(ssrcText) \(src) → \(dst)")
                #expect(slices.map { $0["lost"] as? Int ?? -1 } == expected.map(\.lost), "\(ssrcText) \(src) → \(dst)")
                let worst = try #require(leg["worst_slice"] as? Int)
                let fraction = expected.map { Double($0.lost) / Double($0.lost + $0.packets) }
                #expect(fraction[worst] == fraction.max(), "\(ssrcText) \(src) → \(dst)")
                // The same writer as the flow's rtp entry: the same slices.
                let entry = try R.rtpEntry(report, src: src, dst: dst, ssrc: ssrc)
                #expect(NSArray(array: slices).isEqual(to: entry["slices"] as? [[String: Any]] ?? []))
                #expect(entry["worst_slice"] as? Int == worst)
                legs += 1
                if expected.contains(where: { $0.lost > 0 }) { lossy += 1 }
            }
        }
        // Both streams on both legs; the client's stream loses packets on at least one leg.
        #expect(legs == 4 && lossy >= 1)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// Captures/calls/relay-call-bursty.pcap: the relayed call with bursty loss beyond the A/V Edge
/// (`record_relay_call_capture.sh --bursty`: relay_call_wire.py drops the Edge → Office 365 link's
/// frames by a Gilbert-Elliott model, seed 16, and logs the RTP sequence numbers it dropped in
/// Captures/calls/relay-call-bursty.wire.txt; the client's egress drops 1 % at random). The
/// expected values come from tshark's per-frame sequence numbers (`relay-call-bursty.rtp.tshark.txt`,
/// Scripts/make_call_fixtures.sh) and the wire's log, and RFC 3611 §4.7.2's burst/gap metrics
/// are worked out here from the section's definitions, by a whole-stream computation of its own.
@Suite("Bursty loss on the Office 365 leg of a relayed call")
struct RelayCallBurstTests {
    typealias R = RelayCallCaptureTests
    static let name = "relay-call-bursty"
    static let gmin = 16

    /// One leg of one SSRC as tshark decoded it: sequence numbers and RTP timestamps in frame order.
    struct Leg {
        var src: String, dst: String, ssrc: UInt32
        var seqs: [UInt16] = [], timestamps: [UInt32] = []
    }

    static func legs() throws -> [Leg] {
        var legs: [Leg] = []
        for f in try R.fixture("\(name).rtp.tshark.txt") where f.first == "r" {
            let src = "\(f[3]):\(f[4])", dst = "\(f[5]):\(f[6])"
            let ssrc = try #require(UInt32(f[7].dropFirst(2), radix: 16))
            let seq = try #require(UInt16(f[8])), ts = try #require(UInt32(f[9]))
            if let i = legs.firstIndex(where: { $0.src == src && $0.dst == dst && $0.ssrc == ssrc }) {
                legs[i].seqs.append(seq); legs[i].timestamps.append(ts)
            } else {
                legs.append(Leg(src: src, dst: dst, ssrc: ssrc, seqs: [seq], timestamps: [ts]))
            }
        }
        return legs
    }

    /// The sequence numbers the wire's log says it dropped, per SSRC.
    static func wireDrops() throws -> [UInt32: [UInt16]] {
        let text = try String(contentsOfFile: repositoryRoot + "/Captures/calls/\(name).wire.txt", encoding: .utf8)
        var drops: [UInt32: [UInt16]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("wire: dropped rtp ssrc ") {
            let words = line.split(separator: " ")
            let ssrc = try #require(UInt32(words[4].dropFirst(2), radix: 16))
            drops[ssrc] = words.dropFirst(6).compactMap { UInt16($0) }
        }
        return drops
    }

    /// The leg in sequence order: true received, false lost, from its first packet to its
    /// highest. Every packet here is newer than the one before (the wire never reorders), which
    /// the test checks, so there are no late packets to count.
    static func received(_ leg: Leg) -> [Bool] {
        var out = [true]
        for (a, b) in zip(leg.seqs, leg.seqs.dropFirst()) {
            let step = Int(b &- a)
            #expect(step >= 1 && step < 1000, "\(leg.src) → \(leg.dst): \(a) then \(b)")
            out += Array(repeating: false, count: max(step - 1, 0)) + [true]
        }
        return out
    }

    /// RFC 3611 §4.7.2 by its definitions over the whole leg: losses fewer than Gmin received
    /// apart form one group; a group of two or more losses is a burst, from its first loss to its
    /// last; a lone loss has Gmin received on each side (the session counts as preceded and
    /// followed by Gmin received) and lies in a gap. Gaps are the rest, one more than the bursts.
    /// Densities are lost / packets within bursts and within gaps; mean durations are packets ×
    /// `spacing` over the bursts and over the gaps. Also the longest run of consecutive losses.
    static func rfc3611(_ r: [Bool], spacing: Double)
        -> (burstDensity: Double, gapDensity: Double, burstMs: Double, gapMs: Double, bursts: Int, longestRun: Int) {
        let lost = r.indices.filter { !r[$0] }
        var groups: [[Int]] = []
        for i in lost {
            if let last = groups.last?.last, i - last - 1 < gmin { groups[groups.count - 1].append(i) } else { groups.append([i]) }
        }
        let bursts = groups.filter { $0.count > 1 }
        let burstPackets = bursts.reduce(0) { $0 + $1.last! - $1.first! + 1 }
        let burstLost = bursts.reduce(0) { $0 + $1.count }
        let gapPackets = r.count - burstPackets
        var longest = 0, run = 0
        for x in r { run = x ? 0 : run + 1; longest = max(longest, run) }
        return (burstPackets == 0 ? 0 : Double(burstLost) / Double(burstPackets),
                gapPackets == 0 ? 0 : Double(lost.count - burstLost) / Double(gapPackets),
                bursts.isEmpty ? 0 : Double(burstPackets) * spacing / Double(bursts.count),
                Double(gapPackets) * spacing / Double(bursts.count + 1),
                bursts.count, longest)
    }

    /// The packet spacing in ms: the smallest RTP timestamp step between consecutive sequence
    /// numbers, at PCMU's 8000 Hz.
    static func spacing(_ leg: Leg) -> Double {
        var ticks = UInt32.max
        for i in leg.seqs.indices.dropFirst() where leg.seqs[i] == leg.seqs[i - 1] &+ 1 {
            ticks = min(ticks, leg.timestamps[i] &- leg.timestamps[i - 1])
        }
        return Double(ticks) * 1000 / 8000
    }

    /// By construction: the client's stream reaches the Edge missing what the client's egress
    /// dropped, and the Office 365 leg misses exactly those plus what the wire logged; the wire
    /// dropped only packets the Edge had relayed, in runs (a burst of 3 or more in a row); the
    /// Office 365 stream is whole on both legs.
    @Test("the losses are where the script put them: the wire's drops on the Office 365 leg only")
    func lossesWhereTheScriptPutThem() throws {
        let legs = try Self.legs()
        #expect(legs.count == 4)
        let client = try #require(legs.first { $0.ssrc == R.clientSSRC && $0.dst == "203.0.113.20:3478" })
        let o365 = try #require(legs.first { $0.ssrc == R.clientSSRC && $0.dst == "52.112.0.10:50010" })
        let wire = try #require(try Self.wireDrops()[R.clientSSRC])
        #expect(try Self.wireDrops().count == 1)
        func missing(_ leg: Leg, within range: ClosedRange<UInt16>) -> Set<UInt16> {
            Set(range).subtracting(leg.seqs)
        }
        let first = try #require(client.seqs.first), last = try #require(client.seqs.last)
        try #require(first < last, "the numbers wrap: compare them as extended numbers")
        let range = first...last
        #expect(o365.seqs.first == client.seqs.first && o365.seqs.last == client.seqs.last)
        #expect(Set(wire).isSubset(of: Set(client.seqs)))
        #expect(missing(o365, within: range) == missing(client, within: range).union(wire))
        #expect(!missing(client, within: range).isEmpty)
        #expect(Self.rfc3611(Self.received(o365), spacing: 20).longestRun >= 3)
        for leg in legs where leg.ssrc == R.o365SSRC {
            #expect(Self.received(leg).allSatisfy { $0 }, "\(leg.src) → \(leg.dst)")
        }
    }

    /// Each leg's `rtp` entry and its leg in the call: `burst` (density, gap_density, burst_ms,
    /// gap_ms; the report rounds to 3 decimals) and `max_loss_run` equal the values worked out
    /// from tshark's sequence numbers. The Office 365 leg of the client's stream has bursts; the
    /// wire's model put them there.
    @Test("per leg: RFC 3611 burst/gap metrics and the longest loss run equal those of tshark's sequence numbers")
    func burstMetricsMatch() throws {
        let report = try analyzeJSON([R.capture(Self.name)])
        let call = try #require((report["calls"] as? [[String: Any]])?.first)
        let callLegs = (call["streams"] as? [[String: Any]] ?? []).flatMap { $0["legs"] as? [[String: Any]] ?? [] }
        #expect(callLegs.count == 4)
        var burstsBeyondEdge = 0
        for leg in try Self.legs() {
            let label = "\(String(leg.ssrc, radix: 16)) \(leg.src) → \(leg.dst)"
            let spacing = Self.spacing(leg)
            #expect(spacing == 20, "\(label)")
            let want = Self.rfc3611(Self.received(leg), spacing: spacing)
            let rtp = try R.rtpEntry(report, src: leg.src, dst: leg.dst, ssrc: leg.ssrc)
            #expect(rtp["max_loss_run"] as? Int == want.longestRun, "\(label)")
            let flow = try #require(report.flows.first { Set([R.endpoint($0, "orig"), R.endpoint($0, "resp")]) == [leg.src, leg.dst] })
            let inCall = try #require(callLegs.first { $0["uid"] as? String == flow["uid"] as? String && $0["dir"] as? String == rtp["dir"] as? String }, "\(label)")
            for burst in [rtp["burst"], inCall["burst"]] {
                let b = try #require(burst as? [String: Any], "\(label)")
                let got = [b["density"], b["gap_density"], b["burst_ms"], b["gap_ms"]].map { $0 as? Double ?? .nan }
                let expected = [want.burstDensity, want.gapDensity, want.burstMs, want.gapMs]
                for (g, e) in zip(got, expected) {
                    #expect(abs(g - e) <= 0.0005 + 1e-9, "\(label): \(got) vs \(expected)")
                }
            }
            if leg.ssrc == R.clientSSRC && leg.dst == "52.112.0.10:50010" { burstsBeyondEdge = want.bursts }
        }
        #expect(burstsBeyondEdge >= 5)
    }
}

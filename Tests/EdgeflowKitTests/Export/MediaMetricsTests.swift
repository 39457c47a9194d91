import Foundation
import Testing
@testable import EdgeflowKit

/// The media quality metrics on Captures/calls/relay-call.pcap (coturn at 203.0.113.20 as the
/// A/V Edge, given as `--av-edge`; 52.112.0.10 is in Office 365's ranges), against tshark's
/// per-leg RTP stream table (Fixtures/relay-call.rtp-streams.txt, `-qz rtp,streams`): every
/// row is one stream on one leg, so each count and bucket below is worked out from tshark's rows.
@Suite("Media quality metrics")
struct MediaMetricsTests {
    typealias R = RelayCallCaptureTests

    /// The exposition after analysing relay-call.pcap with its A/V Edge configured: sample
    /// lines as (name, labels) → value.
    static func samples() throws -> [String: Double] {
        let metrics = MetricsExporter()
        var options = AnalyzeOptions(paths: [R.capture("relay-call")])
        options.format = .json
        options.edges[.avEdge] = [Prefix("203.0.113.20/32")!]
        let out = scratchPath("media-metrics") + ".json"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream, exporters: [metrics]) { _ in }
        try stream.close()
        var out2: [String: Double] = [:]
        for line in String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            out2[Self.key(String(line[..<space]))] = value
        }
        return out2
    }

    /// A sample's name with its labels sorted, so that lookups do not depend on label order.
    static func key(_ series: String) -> String {
        guard let open = series.firstIndex(of: "{") else { return series }
        let labels = series[series.index(after: open)..<series.index(before: series.endIndex)]
            .split(separator: ",").map(String.init).sorted()
        return series[..<open] + "{" + labels.joined(separator: ",") + "}"
    }

    static func value(_ s: [String: Double], _ name: String, _ labels: [String: String]) -> Double? {
        s[key(name + "{" + labels.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}")]
    }

    /// The leg of a tshark row: the Office 365 relay's side, or the client's.
    static func leg(_ row: R.TsharkStream) -> String {
        row.src.hasPrefix("52.112.") || row.dst.hasPrefix("52.112.") ? "av_edge_office365" : "client_av_edge"
    }

    /// tshark's loss ratio: Lost / (Pkts + Lost), what its percentage column shows.
    static func lossRatio(_ row: R.TsharkStream) -> Double { Double(row.lost) / Double(row.packets + row.lost) }

    @Test("streams by label and leg, and the loss-ratio and jitter histograms per leg, follow from tshark's stream table")
    func streamsAndHistograms() throws {
        let s = try Self.samples()
        let rows = try R.streams("relay-call")
        #expect(rows.count == 4)
        for leg in ["client_av_edge", "av_edge_office365"] {
            let mine = rows.filter { Self.leg($0) == leg }
            #expect(mine.count == 2, "\(leg)")
            // More than 500 packets, under 10 % loss and under 30 ms of jitter on every row:
            // Call Quality Dashboard's classifier calls each good.
            #expect(mine.allSatisfy { $0.packets > 500 && Self.lossRatio($0) < 0.1 && $0.maxJitterMs < 30 })
            #expect(Self.value(s, "edgeflow_rtp_streams_total", ["label": "good", "leg": leg]) == Double(mine.count), "\(leg)")
            #expect(Self.value(s, "edgeflow_rtp_streams_total", ["label": "poor", "leg": leg]) == 0, "\(leg)")
            #expect(Self.value(s, "edgeflow_rtp_streams_total", ["label": "unclassified", "leg": leg]) == 0, "\(leg)")
            for le in MediaMetrics.lossBuckets {
                let want = mine.filter { Self.lossRatio($0) <= le }.count
                #expect(Self.value(s, "edgeflow_rtp_loss_ratio_bucket", ["leg": leg, "le": "\(le)"]) == Double(want), "\(leg) loss le \(le)")
            }
            #expect(Self.value(s, "edgeflow_rtp_loss_ratio_count", ["leg": leg]) == Double(mine.count))
            let lossSum = Self.value(s, "edgeflow_rtp_loss_ratio_sum", ["leg": leg]) ?? -1
            #expect(abs(lossSum - mine.map(Self.lossRatio).reduce(0, +)) < 1e-9, "\(leg) loss sum \(lossSum)")
            for le in MediaMetrics.jitterBuckets {
                let want = mine.filter { $0.maxJitterMs / 1000 <= le }.count
                #expect(Self.value(s, "edgeflow_rtp_jitter_seconds_bucket", ["leg": leg, "le": "\(le)"]) == Double(want), "\(leg) jitter le \(le)")
            }
            // tshark prints the maximum jitter to 1 µs.
            let jitterSum = Self.value(s, "edgeflow_rtp_jitter_seconds_sum", ["leg": leg]) ?? -1
            #expect(abs(jitterSum - mine.map { $0.maxJitterMs / 1000 }.reduce(0, +)) < 2e-6, "\(leg) jitter sum \(jitterSum)")
            // Every row is G.711 µ-law (tshark's g711U), which has G.113 impairment factors: one
            // MOS each. G.107 Annex B: R 90 is MOS 4.34. A lossless G.711 stream at a one-way
            // delay under 100 ms keeps R above 90 (93.2 less the delay impairment Id, under 2 at
            // such delays); a stream with 3.8 % or 7.1 % loss loses at least Ie,eff =
            // 95·Ppl/(Ppl + Bpl) with Bpl = 25.1 (G.711 with PLC) at random loss, over 12, so
            // its R is under 90. Every MOS is at most G.107's 4.5.
            #expect(Self.value(s, "edgeflow_rtp_mos_count", ["leg": leg]) == Double(mine.count))
            #expect(Self.value(s, "edgeflow_rtp_mos_bucket", ["leg": leg, "le": "4.34"]) == Double(mine.filter { $0.lost > 0 }.count), "\(leg)")
            #expect(Self.value(s, "edgeflow_rtp_mos_bucket", ["leg": leg, "le": "4.5"]) == Double(mine.count), "\(leg)")
        }
        // No flow of the capture is between other roles.
        for leg in ["client_office365", "other"] {
            #expect(Self.value(s, "edgeflow_rtp_loss_ratio_count", ["leg": leg]) == 0, "\(leg)")
        }
    }

    /// The call: one, good (every leg good, as above), its client stream lost before the Edge
    /// and beyond it, its Office 365 stream clean (where the recording script put the loss).
    @Test("calls by label and relayed streams by label and loss location")
    func calls() throws {
        let s = try Self.samples()
        #expect(Self.value(s, "edgeflow_calls_total", ["label": "good"]) == 1)
        #expect(Self.value(s, "edgeflow_calls_total", ["label": "poor"]) == 0)
        #expect(Self.value(s, "edgeflow_call_streams_total", ["label": "good", "loss_at": RelayCallTests.expectedLossAt("relay-call", R.clientSSRC)]) == 1)
        #expect(Self.value(s, "edgeflow_call_streams_total", ["label": "good", "loss_at": RelayCallTests.expectedLossAt("relay-call", R.o365SSRC)]) == 1)
        #expect(Self.value(s, "edgeflow_call_streams_total", ["label": "poor", "loss_at": "between_legs"]) == 0)
    }

    @Test("the leg label: the unordered pair of the flow's roles, four values")
    func legs() {
        #expect(MediaLeg(.other, .avEdge) == .clientAVEdge && MediaLeg(.avEdge, .other) == .clientAVEdge)
        #expect(MediaLeg(.avEdge, .office365) == .avEdgeOffice365 && MediaLeg(.office365, .avEdge) == .avEdgeOffice365)
        #expect(MediaLeg(.office365, .other) == .clientOffice365)
        #expect(MediaLeg(.accessEdge, .office365) == .other && MediaLeg(.other, .other) == .other && MediaLeg(.avEdge, .avEdge) == .other)
    }
}

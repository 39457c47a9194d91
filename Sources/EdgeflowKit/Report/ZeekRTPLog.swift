/// The rows of edgeflow's `rtp.log`: one per RTP stream (SSRC and direction) of a flow, with the
/// report's quality fields (the flow object's `rtp` entries, report-schema.md).
enum ZeekRTPLog {
    static let schema = ZeekLogSchema(path: "rtp", fields: [
        ("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"), ("id.resp_h", "addr"),
        ("id.resp_p", "port"), ("ssrc", "string"), ("payload_type", "count"), ("codec", "string"), ("dir", "string"),
        ("packets", "count"), ("expected", "count"), ("lost", "count"), ("jitter_ms", "double"), ("max_jitter_ms", "double"),
        ("rtt_ms", "double"), ("r_factor", "double"), ("mos", "double"), ("label", "string"), ("reasons", "set[string]"),
    ])

    static func rows(_ f: FlowSummary) -> [[ZeekValue]] {
        guard let app = f.app else { return [] }
        return zip(app.rtp, app.rtpQuality).map { s, q in
            return [.time(f.ts), .string(f.uid), .address(f.origAddress), .count(f.origP), .address(f.respAddress), .count(f.respP),
                    .string("0x" + String(s.ssrc, radix: 16)), .count(Int(s.payloadType)), .string(s.codec.name),
                    .string(s.fromOriginator ? "orig" : "resp"), .count(Int(s.stats.packets)), .count(Int(s.stats.expected)),
                    .count(Int(s.stats.lostForReport))] + measures(s, q)
        }
    }

    /// A stream's `jitter_ms max_jitter_ms rtt_ms r_factor mos label reasons` (also `call.log`'s last columns).
    static func measures(_ s: AppReport.RTPStream, _ q: RTPStreamQuality) -> [ZeekValue] {
        [.double(s.stats.jitterMilliseconds), .double(s.stats.maxJitterMilliseconds), q.roundTrip.map { .double($0) } ?? .unset,
         q.rating.map { .double($0) } ?? .unset, q.mos.map { .double($0) } ?? .unset, .string(q.label.rawValue),
         .strings(q.reasons.map(\.rawValue))]
    }
}

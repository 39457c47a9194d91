/// The rows of edgeflow's `call.log`: one per leg of each relayed stream of a call (the JSON
/// report's `calls[].streams[].legs[]`), joined to `conn.log` and `rtp.log` by the leg's `uid`.
enum ZeekCallLog {
    static let schema = ZeekLogSchema(path: "call", fields: [
        ("ts", "time"), ("call_id", "string"), ("call_label", "string"), ("ssrc", "string"), ("payload_type", "count"),
        ("codec", "string"), ("loss_at", "string"), ("leg", "count"), ("uid", "string"), ("dir", "string"),
        ("packets", "count"), ("lost", "count"), ("jitter_ms", "double"), ("max_jitter_ms", "double"), ("rtt_ms", "double"),
        ("r_factor", "double"), ("mos", "double"), ("label", "string"), ("reasons", "set[string]"),
    ])

    /// Legs are numbered from 1 in the order media crosses them (upstream first).
    static func rows(_ call: Call) -> [[ZeekValue]] {
        var rows: [[ZeekValue]] = []
        for s in call.streams {
            for (i, leg) in s.legs.enumerated() {
                let st = leg.stream.stats
                rows.append([.time(call.firstTimestamp), .string(call.id), .string(call.label.rawValue),
                             .string("0x" + String(s.ssrc, radix: 16)), .count(Int(s.payloadType)), .string(s.codec.name),
                             .string(s.lossAt.code), .count(i + 1), .string(leg.uid), .string(leg.stream.fromOriginator ? "orig" : "resp"),
                             .count(Int(st.packets)), .count(Int(st.lostForReport))] + ZeekRTPLog.measures(leg.stream, leg.quality))
            }
        }
        return rows
    }
}

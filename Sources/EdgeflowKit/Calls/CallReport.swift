/// The report's words for calls: the `calls` entries of JSON and NDJSON, and the table's
/// Calls section.
extension Call {
    /// Writes the call object's fields (report-schema: `calls`).
    func write(to w: inout JSONWriter) {
        w.value("id", id)
        w.time("first_ts", firstTimestamp)
        w.time("last_ts", lastTimestamp)
        w.value("label", label.rawValue)
        w.beginArray("reasons")
        for r in reasons { w.value(nil, r.rawValue) }
        w.endArray()
        w.beginArray("streams")
        for s in streams {
            w.beginObject()
            w.hex("ssrc", s.ssrc)
            w.value("payload_type", Int(s.payloadType))
            w.value("codec", s.codecName)
            w.value("clock_source", s.legs.first?.stream.stats.clockSource.name)
            if let m = s.rtpmap {
                w.beginObject("rtpmap")
                w.value("encoding", m.encoding)
                w.value("clock_hz", Int(m.clock))
                w.endObject()
            }
            w.value("loss_at", s.lossAt.code)
            w.value("label", s.label.rawValue)
            w.beginArray("legs")
            for l in s.legs { l.write(to: &w) }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.beginArray("allocations")
        for a in allocations {
            w.beginObject()
            w.value("uid", a.uid)
            w.endpoint("relayed", a.relayed.ip, port: a.relayed.port, bracketed: !a.relayed.ip.isIPv4Mapped)
            w.beginArray("peers")
            for p in a.peers { w.endpoint(nil, p.ip, port: p.port, bracketed: !p.ip.isIPv4Mapped) }
            w.endArray()
            w.beginArray("peer_flows")
            for u in a.peerFlows { w.value(nil, u) }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        // Written only when there are ties of this kind, so calls without them read as before.
        if !ice.isEmpty {
            w.beginArray("ice")
            for session in ice {
                w.beginObject()
                w.value("ufrags", session.ufrags)
                w.beginArray("flows")
                for u in session.flows { w.value(nil, u) }
                w.endArray()
                w.endObject()
            }
            w.endArray()
        }
        if !sip.isEmpty {
            w.beginArray("sip")
            for t in sip {
                w.beginObject()
                w.value("call_id", t.callID)
                w.value("uid", t.uid)
                if let f = t.fingerprint { w.value("fingerprint", f) }
                w.endObject()
            }
            w.endArray()
        }
    }
}

extension Call.Leg {
    func write(to w: inout JSONWriter) {
        let st = stream.stats, q = quality
        w.beginObject()
        w.value("uid", uid)
        w.value("dir", stream.fromOriginator ? "orig" : "resp")
        w.value("packets", Int(st.packets))
        w.value("lost", Int(st.lostForReport))
        w.value("jitter_ms", st.jitterMilliseconds)
        w.value("max_jitter_ms", st.maxJitterMilliseconds)
        w.value("clock_source", st.clockSource.name)
        w.beginObject("burst")
        w.value("density", q.burst.burstDensity)
        w.value("gap_density", q.burst.gapDensity)
        optional("burst_ms", q.burst.burstMilliseconds, &w)
        optional("gap_ms", q.burst.gapMilliseconds, &w)
        w.endObject()
        optional("rtt_ms", q.roundTrip, &w)
        optional("r_factor", q.rating, &w)
        optional("mos", q.mos, &w)
        w.value("label", q.label.rawValue)
        stream.stats.writeSlices(to: &w)
        w.endObject()
    }

    private func optional(_ k: JSONKey, _ v: Double?, _ w: inout JSONWriter) {
        if let v { w.value(k, v) } else { w.null(k) }
    }
}

extension LossLocation {
    /// The report's `loss_at` code.
    var code: String {
        switch self {
        case .none: "none"
        case .beforeFirstLeg: "before_first_leg"
        case .betweenLegs: "between_legs"
        case .beforeAndBetween: "before_and_between_legs"
        case .unclear: "unclear"
        }
    }

    /// The table's words (14 characters at most).
    var short: String {
        switch self {
        case .none: "no loss"
        case .beforeFirstLeg: "before 1st leg"
        case .betweenLegs: "between legs"
        case .beforeAndBetween: "before+between"
        case .unclear: "unclear"
        }
    }

    /// A finding's words: where the packets went missing.
    var sentence: String {
        switch self {
        case .none: "no leg lost packets"
        case .beforeFirstLeg: "the packets were lost before the first leg (every leg lost the same)"
        case .betweenLegs: "the packets were lost at or beyond the relay (the first leg was clean)"
        case .beforeAndBetween: "packets were lost both before the first leg and at or beyond the relay"
        case .unclear: "a later leg lost fewer packets than the one before it (the capture missed some)"
        }
    }
}

/// The table report's Calls section: the worst relayed streams, one row each.
struct CallTable {
    /// Rows kept (the worst).
    static let maximumRows = 10

    struct Row {
        /// Label severity, then the largest loss of a leg, then the lowest MOS (negated).
        var rank: (Int, Double, Double)
        var text: String
    }

    private(set) var calls = 0
    private(set) var streams = 0
    private(set) var rows: [Row] = []

    static let heading = "  " + TableReportWriter.pad("LABEL", 13) + TableReportWriter.pad("CODEC", 8) + TableReportWriter.pad("SSRC", 11)
        + TableReportWriter.pad("LOSS PER LEG", 20) + TableReportWriter.pad("LOSS AT", 15) + TableReportWriter.lpad("MOS", 5)

    /// Offers each stream of `call` as a row.
    mutating func offer(_ call: Call) {
        typealias T = TableReportWriter
        calls += 1
        for s in call.streams {
            streams += 1
            let losses = s.legs.map(\.stream.lossFraction)
            let mos = s.legs.compactMap(\.quality.mos).min()
            let text = T.pad(s.label.rawValue, 13) + T.pad(s.codecName ?? "PT \(s.payloadType)", 8)
                + T.pad("0x" + String(s.ssrc, radix: 16), 11)
                + T.pad(losses.map { T.fixed($0 * 100) + "%" }.joined(separator: "→"), 20)
                + T.pad(s.lossAt.short, 15) + T.lpad(mos.map(T.fixed) ?? "-", 5)
            let row = Row(rank: (Call.severity(s.label), losses.max() ?? 0, -(mos ?? 5)), text: text)
            if rows.count < Self.maximumRows {
                rows.append(row)
            } else if let i = rows.indices.min(by: { rows[$0].rank < rows[$1].rank }), rows[i].rank < row.rank {
                rows[i] = row
            }
        }
    }

    /// The section's lines (none without calls).
    var lines: [String] {
        guard calls > 0 else { return [] }
        // Calls of ICE checks only (no RTP seen): the count, no rows.
        guard !rows.isEmpty else { return ["Calls (\(TableReportWriter.counted(calls, "call")), no RTP streams)"] }
        var out = ["Calls (\(TableReportWriter.counted(calls, "call")), \(TableReportWriter.counted(streams, "stream")); the \(rows.count) worst streams)", Self.heading]
        for r in rows.sorted(by: { $0.rank > $1.rank }) { out.append("  " + r.text) }
        return out
    }
}

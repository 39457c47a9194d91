extension AppReport {
    /// A flow's STUN/TURN facts as the report shows them.
    struct STUN: Sendable {
        var stats: STUNFlowStats
        var rtt: (min: Double, p50: Double, p95: Double, max: Double)?
        /// Messages per method that had any, by class (request, indication, success, error).
        var byMethod: [(name: String, counts: InlineArray<4, Int>)]
        var errors: [(code: Int, count: Int)]

        init(stats: STUNFlowStats, rtt: (min: Double, p50: Double, p95: Double, max: Double)?,
             byMethod: [(name: String, counts: InlineArray<4, Int>)], errors: [(code: Int, count: Int)]) {
            self.stats = stats
            self.rtt = rtt
            self.byMethod = byMethod
            self.errors = errors
        }

        /// The report's view of a flow's STUN/TURN state; nil when it carried no STUN message nor TURN data.
        init?(_ s: STUNFlowStats) {
            guard s.messages > 0 || s.channelDataPackets > 0 else { return nil }
            var byMethod: [(name: String, counts: InlineArray<4, Int>)] = []
            byMethod.reserveCapacity(4)
            for m in STUNMethod.allCases {
                var counts = InlineArray<4, Int>(repeating: 0)
                var any = 0
                for c in 0..<4 {
                    counts[c] = s.count(m, STUNClass(rawValue: UInt8(c))!)
                    any |= counts[c]
                }
                if any != 0 { byMethod.append((m.name, counts)) }
            }
            var errors: [(code: Int, count: Int)] = []
            for i in 0..<STUNFlowStats.errorSlots where s.errorCount[i] > 0 { errors.append((Int(s.errorCode[i]), Int(s.errorCount[i]))) }
            var rtt: (Double, Double, Double, Double)? = nil
            if s.rttCount > 0 {
                var samples = (0..<min(s.rttCount, STUNFlowStats.rttSlots)).map { s.rtt[$0] }
                samples.sort()
                let ms = { (ns: Int64) in Double(ns) / 1e6 }
                let pick = { (q: Double) in samples[min(samples.count - 1, Int((q * Double(samples.count - 1)).rounded()))] }
                rtt = (ms(s.rttMin), ms(pick(0.5)), ms(pick(0.95)), ms(s.rttMax))
            }
            self.init(stats: s, rtt: rtt, byMethod: byMethod, errors: errors)
        }

        /// Writes the flow's `stun` object (`lastTimestamp`: the flow's last packet, to tell an expired allocation).
        func write(to w: inout JSONWriter, lastTimestamp: Int64) {
            let s = self
            let st = s.stats
            w.beginObject("stun")
            w.value("messages", st.messages)
            let total = { (c: Int) in s.byMethod.reduce(0) { $0 + $1.counts[c] } }
            w.value("requests", total(0))
            w.value("indications", total(1))
            w.value("success", total(2))
            w.value("errors", total(3))
            w.beginObject("by_method")
            for (name, c) in s.byMethod {
                w.beginObject(JSONKey(name))
                w.value("request", c[0])
                w.value("success", c[2])
                w.value("error", c[3])
                w.value("indication", c[1])
                w.endObject()
            }
            w.endObject()
            w.value("transactions_matched", st.matched)
            w.value("unanswered", st.unanswered)
            w.value("retransmissions", st.retransmissions)
            if let rtt = s.rtt {
                w.beginObject("rtt_ms")
                w.value("min", rtt.min)
                w.value("p50", rtt.p50)
                w.value("p95", rtt.p95)
                w.value("max", rtt.max)
                w.endObject()
            } else {
                w.null("rtt_ms")
            }
            w.beginObject("error_codes")
            for e in s.errors { w.value(JSONKey(String(e.code)), e.count) }
            w.endObject()
            w.value("ms_turn", st.msTURN)
            if let v = st.msVersion { w.value("ms_version", Int(v)) } else { w.null("ms_version") }
            if let a = st.mapped { w.endpoint("mapped", a.ip, port: a.port, bracketed: !a.isIPv4) } else { w.null("mapped") }
            if let a = st.relayed { w.endpoint("relayed", a.ip, port: a.port, bracketed: !a.isIPv4) } else { w.null("relayed") }
            w.beginObject("channel_data")
            w.value("packets", st.channelDataPackets)
            w.value("bytes", st.channelDataBytes)
            w.endObject()
            w.beginObject("allocation")
            w.value("requests", st.allocateRequests)
            w.value("challenges", st.allocateChallenges)
            w.value("successes", st.allocateSuccesses)
            w.value("failures", st.allocateFailures)
            w.value("refreshes", st.refreshes)
            w.value("released", st.released)
            if let l = st.lifetime { w.value("lifetime_s", Int(l)) } else { w.null("lifetime_s") }
            if let at = st.grantedAt, !st.released {
                let end = at + Int64(st.grantedLifetime) * 1_000_000_000
                w.time("expires_at", end)
                // Expired: the flow went on past the end of the lifetime without a refresh.
                w.value("expired", lastTimestamp > end)
            }
            w.endObject()
            w.beginArray("channels")
            for i in 0..<st.channels {
                w.beginObject()
                w.hex("channel", UInt32(st.channel[i]))
                let peer = st.channelPeer[i]
                w.endpoint("peer", peer, port: st.channelPeerPort[i], bracketed: !peer.isIPv4Mapped)
                w.value("packets", Int(st.channelPackets[i]))
                w.endObject()
            }
            w.endArray()
            w.value("malformed", st.malformed)
            w.endObject()
        }
    }
}

extension AppReport.STUN {
    /// The table report's STUN/TURN section: the flows with the most messages.
    static let tableLayout = TableSection.Layout(
        title: "STUN/TURN", noun: "flow", which: "busiest", fixed: 33, flowGap: 3, leadHeading: "", flowHeading: "FLOW",
        columnsHeading: TableReportWriter.lpad("MSGS", 6) + TableReportWriter.lpad("ANS", 6)
            + TableReportWriter.lpad("UNANS", 7) + TableReportWriter.lpad("RTT ms", 8))

    /// The flow's row in that section: messages, answered, unanswered, median RTT; then MS-TURN,
    /// errors, retransmissions, allocation and TURN data.
    func tableRow(_ f: FlowSummary) -> TableSection.Row {
        typealias T = TableReportWriter
        var notes: [String] = []
        if stats.msTURN { notes.append("MS-TURN" + (stats.msVersion.map { " v\($0)" } ?? "")) }
        if !errors.isEmpty { notes.append("errors " + errors.map { "\($0.code)×\($0.count)" }.joined(separator: ",")) }
        if stats.retransmissions > 0 { notes.append("retransmissions \(stats.retransmissions)") }
        if stats.allocateSuccesses > 0 { notes.append("allocated" + (stats.lifetime.map { " \($0)s" } ?? "")) }
        if stats.channelDataPackets > 0 { notes.append("data \(stats.channelDataPackets)") }
        let text = T.lpad(String(stats.messages), 6) + T.lpad(String(stats.matched), 6)
            + T.lpad(String(stats.unanswered), 7) + T.lpad(rtt.map { T.fixed($0.p50) } ?? "-", 8)
        return TableSection.Row(rank: (Double(stats.messages), 0), from: T.endpoint(f), to: T.endpoint(f, responder: true),
                                text: text, notes: notes.isEmpty ? [] : [notes.joined(separator: "; ")])
    }
}

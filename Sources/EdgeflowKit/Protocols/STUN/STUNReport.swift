extension AppReport {
    /// A flow's STUN/TURN facts as the report shows them: the dispatcher's frozen counters,
    /// shared and read where they lie (not copied: 1.8 KB), and the round-trip percentiles
    /// worked out from them.
    struct STUN: Sendable {
        private let facts: FrozenState<STUNFlowStats>
        var stats: STUNFlowStats { _read { yield facts.value } }
        /// Lends the counters' address to `body` (a reader that must not copy their 1.8 KB).
        func withStats<R>(_ body: (UnsafePointer<STUNFlowStats>) -> R) -> R { facts.withAddress(body) }
        /// Minimum, median, 95th percentile and maximum round trip in ns (the percentiles of the
        /// samples kept), nil without any: kept as integers, which `write` turns into text exactly.
        private let roundTrips: (min: Int64, p50: Int64, p95: Int64, max: Int64)?
        /// `roundTrips` in ms.
        var rtt: (min: Double, p50: Double, p95: Double, max: Double)? {
            roundTrips.map { (Double($0.min) / 1e6, Double($0.p50) / 1e6, Double($0.p95) / 1e6, Double($0.max) / 1e6) }
        }

        /// The report's view of a flow's STUN/TURN state; nil when it carried no STUN message nor TURN data.
        init?(_ facts: FrozenState<STUNFlowStats>) {
            guard facts.value.messages > 0 || facts.value.channelDataPackets > 0 else { return nil }
            self.facts = facts
            roundTrips = facts.withAddress { Self.roundTrips($0) }
        }

        /// `roundTrips` of the counters `s`.
        private static func roundTrips(_ s: UnsafePointer<STUNFlowStats>) -> (min: Int64, p50: Int64, p95: Int64, max: Int64)? {
            guard s.pointee.rttCount > 0 else { return nil }
            let n = min(s.pointee.rttCount, STUNFlowStats.rttSlots)
            // Insertion sort of a copy of the first n (not of all 64 slots): most flows a handful.
            return withUnsafeTemporaryAllocation(of: Int64.self, capacity: n) { v in
                let kept = s.pointee.rtt.span
                for i in 0..<n { v[i] = kept[i] }
                for i in 1..<max(1, n) {
                    let x = v[i]
                    var j = i
                    while j > 0 && v[j &- 1] > x {
                        v[j] = v[j &- 1]
                        j &-= 1
                    }
                    v[j] = x
                }
                let rank = ranks(of: n)
                return (s.pointee.rttMin, v[rank.p50], v[rank.p95], s.pointee.rttMax)
            }
        }

        /// The positions of the median and the 95th percentile among `n` sorted samples (1 to
        /// `STUNFlowStats.rttSlots`), their nearest ranks `(q × (n − 1)).rounded()` in integers:
        /// for these n the Double products round as exact ones do, ties up (n − 1 = 10, 30, 50 for
        /// 0.95), with no floating point and no call to `round`.
        static func ranks(of n: Int) -> (p50: Int, p95: Int) { (n / 2, (19 &* (n &- 1) &+ 10) / 20) }

        /// Messages per method that had any, by class (request, indication, success, error).
        var byMethod: [(name: String, counts: InlineArray<4, Int>)] {
            let st = facts.value
            var out: [(name: String, counts: InlineArray<4, Int>)] = []
            for m in STUNMethod.allCases {
                let slot = Self.slot(m)
                guard Self.any(st.counts.span, slot) else { continue }
                out.append((m.name, InlineArray { Int(st.counts[slot &+ $0]) }))
            }
            return out
        }

        /// Whether the flow carried Binding or Allocate requests (then it counts as answered only
        /// when a response matched one).
        var sentRequests: Bool {
            let counts = facts.value.counts.span
            return Int(counts[Self.slot(.binding)]) &+ Int(counts[Self.slot(.allocate)]) > 0
        }

        /// Error responses per code, in the order the codes were first seen.
        var errors: [(code: Int, count: Int)] {
            let st = facts.value
            return (0..<STUNFlowStats.errorSlots).filter { st.errorCount[$0] > 0 }.map { (Int(st.errorCode[$0]), Int(st.errorCount[$0])) }
        }

        /// The first of method `m`'s four slots in `STUNFlowStats.counts` (request, indication,
        /// success, error); -4 (no slots) for a method beyond them.
        @inline(__always)
        private static func slot(_ m: STUNMethod) -> Int {
            let slot = Int(m.rawValue) &* 4
            return slot &+ 3 < 64 ? slot : -4
        }

        /// Whether the method at `slot` counted any message (`counts`: `STUNFlowStats.counts`).
        @inline(__always)
        private static func any(_ counts: Span<UInt32>, _ slot: Int) -> Bool {
            guard slot >= 0 else { return false }
            return counts[slot] | counts[slot &+ 1] | counts[slot &+ 2] | counts[slot &+ 3] != 0
        }

        /// Room `write` may take: keys and punctuation, every method, error code and channel,
        /// and their values at their longest.
        static let jsonRoom = 2048 &+ 160 &* STUNMethod.allCases.count &+ 40 &* STUNFlowStats.errorSlots
            &+ 128 &* STUNFlowStats.channelSlots

        /// Writes the flow's `stun` object (`lastTimestamp`: the flow's last packet, to tell an
        /// expired allocation) through one cursor, in room made once: its keys are literal runs.
        func write(to w: inout JSONWriter, lastTimestamp: Int64) {
            facts.withAddress { Self.write($0, rtt: roundTrips, to: &w, lastTimestamp: lastTimestamp) }
        }

        /// `write(to:lastTimestamp:)` on the counters where they lie (a copy is 1.8 KB).
        private static func write(_ st: UnsafePointer<STUNFlowStats>, rtt: (min: Int64, p50: Int64, p95: Int64, max: Int64)?,
                                  to w: inout JSONWriter, lastTimestamp: Int64) {
            // The allocation's end, when it is held: its time text is worked out before the room.
            var expiry: (end: Int64, second: TimeFormat.SecondText, micros: Int)? = nil
            if let at = st.pointee.grantedAt, !st.pointee.released {
                // At most 2^32 s of lifetime (no overflow), from a time a hostile capture may set
                // near the end of Int64: the sum saturates.
                let (sum, overflow) = at.addingReportingOverflow(Int64(st.pointee.grantedLifetime) &* 1_000_000_000)
                let end = overflow ? Int64.max : sum
                let (second, micros) = TimeFormat.isoParts(end, &w)
                expiry = (end, second, micros)
            }
            // Spans: an `InlineArray` read by subscript in a loop is copied for each read.
            let counts = st.pointee.counts.span, errorCode = st.pointee.errorCode.span, errorCount = st.pointee.errorCount.span
            let channel = st.pointee.channel.span, channelPeer = st.pointee.channelPeer.span, channelPeerPort = st.pointee.channelPeerPort.span
            let channelPackets = st.pointee.channelPackets.span
            w.separate()
            var c = w.cursor(room: Self.jsonRoom)
            c.literal("\"stun\":{\"messages\":")
            c.integer(st.pointee.messages)
            // One pass over the four counts (request, indication, success, error) of each method
            // that had a message (`STUNFlowStats.methodsSeen`, most flows one or two): the classes'
            // totals, and a bit for each method whose counts are not all zero (`by_method` visits
            // those alone, in the methods' order).
            var requests = 0, indications = 0, success = 0, errors = 0
            var methods: UInt16 = 0
            var seen = st.pointee.methodsSeen
            while seen != 0 {
                let m = seen.trailingZeroBitCount
                seen &= seen &- 1
                let request = counts[m &* 4], indication = counts[m &* 4 &+ 1]
                let successes = counts[m &* 4 &+ 2], error = counts[m &* 4 &+ 3]
                requests &+= Int(request)
                indications &+= Int(indication)
                success &+= Int(successes)
                errors &+= Int(error)
                methods |= (request | indication | successes | error != 0 ? 1 : 0) &<< UInt16(m)
            }
            c.literal(",\"requests\":")
            c.integer(requests)
            // A zero count is written with the keys around it, one copy (most members of most flows).
            if indications == 0 {
                c.literal(",\"indications\":0,\"success\":")
            } else {
                c.literal(",\"indications\":")
                c.integer(indications)
                c.literal(",\"success\":")
            }
            c.integer(success)
            c.literal(",\"errors\":")
            c.integer(errors)
            c.literal(",\"by_method\":{")
            var first = true
            while methods != 0 {
                let slot = methods.trailingZeroBitCount &* 4
                methods &= methods &- 1
                if !first { c.byte(0x2C) }
                first = false
                c.literal(Self.opening(STUNMethod(rawValue: UInt8(truncatingIfNeeded: slot >> 2)) ?? .other))
                c.integer(Int(counts[slot]))
                c.literal(",\"success\":")
                c.integer(Int(counts[slot &+ 2]))
                let error = Int(counts[slot &+ 3]), indication = Int(counts[slot &+ 1])
                if error | indication == 0 {
                    c.literal(",\"error\":0,\"indication\":0}")
                    continue
                }
                c.literal(",\"error\":")
                c.integer(error)
                if indication == 0 { c.literal(",\"indication\":0}"); continue }
                c.literal(",\"indication\":")
                c.integer(indication)
                c.byte(0x7D)
            }
            c.literal("},\"transactions_matched\":")
            c.integer(st.pointee.matched)
            c.literal(",\"unanswered\":")
            c.integer(st.pointee.unanswered)
            c.literal(",\"retransmissions\":")
            c.integer(st.pointee.retransmissions)
            if let rtt {
                c.literal(",\"rtt_ms\":{\"min\":")
                c.milliseconds(rtt.min)
                c.literal(",\"p50\":")
                c.milliseconds(rtt.p50)
                c.literal(",\"p95\":")
                c.milliseconds(rtt.p95)
                c.literal(",\"max\":")
                c.milliseconds(rtt.max)
                c.literal("},\"error_codes\":{")
            } else {
                c.literal(",\"rtt_ms\":null,\"error_codes\":{")
            }
            first = true
            for i in 0..<STUNFlowStats.errorSlots where errorCount[i] > 0 {
                c.literal(first ? "\"" : ",\"")
                first = false
                c.integer(Int(errorCode[i]))
                c.literal("\":")
                c.integer(Int(errorCount[i]))
            }
            c.literal(st.pointee.msTURN ? "},\"ms_turn\":true,\"ms_version\":" : "},\"ms_turn\":false,\"ms_version\":")
            if let v = st.pointee.msVersion { c.integer(Int(v)) } else { c.literal("null") }
            c.literal(",\"mapped\":")
            Self.endpoint(st.pointee.mapped, &c)
            c.literal(",\"relayed\":")
            Self.endpoint(st.pointee.relayed, &c)
            if st.pointee.channelDataPackets | st.pointee.channelDataBytes == 0 {
                c.literal(",\"channel_data\":{\"packets\":0,\"bytes\":0},\"allocation\":{\"requests\":")
            } else {
                c.literal(",\"channel_data\":{\"packets\":")
                c.integer(st.pointee.channelDataPackets)
                c.literal(",\"bytes\":")
                c.integer(st.pointee.channelDataBytes)
                c.literal("},\"allocation\":{\"requests\":")
            }
            c.integer(st.pointee.allocateRequests)
            c.literal(",\"challenges\":")
            c.integer(st.pointee.allocateChallenges)
            c.literal(",\"successes\":")
            c.integer(st.pointee.allocateSuccesses)
            c.literal(",\"failures\":")
            c.integer(st.pointee.allocateFailures)
            c.literal(",\"refreshes\":")
            c.integer(st.pointee.refreshes)
            c.literal(st.pointee.released ? ",\"released\":true,\"lifetime_s\":" : ",\"released\":false,\"lifetime_s\":")
            if let l = st.pointee.lifetime { c.integer(Int(l)) } else { c.literal("null") }
            if let expiry {
                c.literal(",\"expires_at\":\"")
                c.iso8601(expiry.second, micros: expiry.micros)
                // Expired: the flow went on past the end of the lifetime without a refresh.
                c.literal(lastTimestamp > expiry.end ? "\",\"expired\":true" : "\",\"expired\":false")
            }
            c.literal("},\"channels\":[")
            for i in 0..<st.pointee.channels {
                c.literal(i == 0 ? "{\"channel\":\"0x" : ",{\"channel\":\"0x")
                c.hex(UInt64(channel[i]))
                c.literal("\",\"peer\":\"")
                let peer = channelPeer[i]
                c.endpoint(peer, port: channelPeerPort[i], bracketed: !peer.isIPv4Mapped)
                c.literal("\",\"packets\":")
                c.integer(Int(channelPackets[i]))
                c.byte(0x7D)
            }
            if st.pointee.malformed == 0 {
                c.literal("],\"malformed\":0}")
            } else {
                c.literal("],\"malformed\":")
                c.integer(st.pointee.malformed)
                c.byte(0x7D)
            }
            w.commit(c)
        }

        /// Method `m`'s key in `by_method` and its first member's key, `"Binding":{"request":`:
        /// one copy (its `staticName` in quotes). Inlined: a table lookup where `write` visits a method.
        @inline(__always)
        private static func opening(_ m: STUNMethod) -> StaticString {
            switch m {
            case .binding: #""Binding":{"request":"#
            case .sharedSecret: #""SharedSecret":{"request":"#
            case .allocate: #""Allocate":{"request":"#
            case .refresh: #""Refresh":{"request":"#
            case .send: #""Send":{"request":"#
            case .data: #""Data":{"request":"#
            case .createPermission: #""CreatePermission":{"request":"#
            case .channelBind: #""ChannelBind":{"request":"#
            case .connect: #""Connect":{"request":"#
            case .connectionBind: #""ConnectionBind":{"request":"#
            case .connectionAttempt: #""ConnectionAttempt":{"request":"#
            case .googPing: #""GOOG-PING":{"request":"#
            case .msSend: #""Send":{"request":"#
            case .msDataIndication: #""Data Indication":{"request":"#
            case .msSetActiveDestination: #""Set Active Destination":{"request":"#
            case .other: #""Unknown":{"request":"#
            }
        }

        /// A STUN address as the report's quoted endpoint, or `null`.
        @inline(__always)
        private static func endpoint(_ a: STUNAddress?, _ c: inout JSONCursor) {
            guard let a else { return c.literal("null") }
            c.byte(0x22)
            c.endpoint(a.ip, port: a.port, bracketed: !a.isIPv4)
            c.byte(0x22)
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

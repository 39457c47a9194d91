/// The flow table as CSV (RFC 4180 quoting), header row first. Each row is written straight
/// into one reused byte buffer, as the JSON form writes its flow objects: no `String` per field.
/// Its buffer is reached without a dynamic exclusivity check (see `OutputStream`'s buffer).
final class CSVReportWriter: ReportWriter {
    private let output: OutputStream
    @exclusivity(unchecked) private var w = JSONWriter()
    private let tails = FlowTailMemo()

    init(output: OutputStream) {
        self.output = output
        output.write(FlowSummary.csvHeader.joined(separator: ",") + "\n")
    }

    /// The row is written straight into the output's buffer (not into this writer's and
    /// copied), unless its text fields could take more room than that buffer holds.
    func flow(_ flow: FlowSummary) {
        let (second, micros) = TimeFormat.isoParts(flow.ts, &w)
        let room = flow.csvRoom
        if room <= OutputStream.roomLimit {
            output.withRoom(room) { flow.writeCSVRow(&$0, second: second, micros: micros, tails: tails) }
        } else {
            w.reset()
            w.withRoom(room) { flow.writeCSVRow(&$0, second: second, micros: micros, tails: tails) }
            output.write(w.bytes)
        }
    }

    func finish(_ report: FinalReport) { output.flush() }
}

extension FlowSummary {
    /// Column names of the CSV form, in order.
    static let csvHeader = ["uid", "proto", "orig_h", "orig_p", "resp_h", "resp_p", "orig_role", "resp_role",
                            "service", "services", "ts", "duration", "orig_pkts", "resp_pkts", "orig_bytes",
                            "resp_bytes", "orig_ip_bytes", "resp_ip_bytes", "conn_state", "history", "rule",
                            "verdict", "reason", "end_reason", "reply_rule"]

    /// Room `writeCSVRow` may take; a flow with text fields measured out of line, as `jsonRoom`.
    @inline(__always)
    var csvRoom: Int { plain ? Self.fixedRoom : csvRoomWithTexts() }

    @inline(never)
    private func csvRoomWithTexts() -> Int {
        Self.fixedRoom &+ textRoom(JSONCursor.csvRoom) { t in
            (t.origName.map { 24 &+ JSONCursor.csvRoom($0.utf8.count) } ?? 0) &+ (t.respName.map { 24 &+ JSONCursor.csvRoom($0.utf8.count) } ?? 0)
        }
    }

    /// The flow's CSV row (the columns of `csvHeader`) and its line end, through one cursor in
    /// room made for it (`csvRoom`). `second` and `micros`: `ts` as `TimeFormat.isoParts` gives it.
    /// `tails`: the writer's memo of the columns from `duration` on, for a flow without text fields.
    /// Not inlined into the writer's two paths: there the optimizer stopped inlining the
    /// cursor's own writes (the flood's CSV took 1.1 × the JSON form's instructions).
    @inline(never)
    func writeCSVRow(_ c: inout JSONCursor, second: TimeFormat.SecondText, micros: Int, tails: borrowing FlowTailMemo) {
        writeUID(&c, quoted: false, pairs: tails.uidPairs)
        // TCP and UDP (most flows) with their commas as one run.
        switch protocolNumber {
        case IPProtocol.tcp: c.literal(",tcp,")
        case IPProtocol.udp: c.literal(",udp,")
        default:
            c.byte(0x2C)
            writeProto(&c)
            c.byte(0x2C)
        }
        origAddress.writeText(&c)
        c.byte(0x2C)
        c.port(origP)
        c.byte(0x2C)
        respAddress.writeText(&c)
        c.byte(0x2C)
        c.port(respP)
        if plain { tails.writeMiddle(self, &c) { writeCSVMiddle(&$0) } } else { writeCSVMiddle(&c) }
        c.iso8601(second, micros: micros)
        c.byte(0x2C)
        if plain { tails.write(self, &c) { writeCSVTail(&$0) } } else { writeCSVTail(&c) }
    }

    /// The columns from `orig_role` to `services`, between commas.
    @inline(__always)
    private func writeCSVMiddle(_ c: inout JSONCursor) {
        c.byte(0x2C)
        c.literal(origRoleKind.staticName)
        c.byte(0x2C)
        c.literal(respRoleKind.staticName)
        c.byte(0x2C)
        c.literal(serviceSet.main.staticName)
        c.byte(0x2C)
        var first = true
        serviceSet.forEach {
            if !first { c.byte(0x20) }
            first = false
            c.literal($0.staticName)
        }
        c.byte(0x2C)
    }

    /// The columns from `duration` on, and the line end.
    @inline(__always)
    private func writeCSVTail(_ c: inout JSONCursor) {
        let plain = self.plain
        c.milliseconds(durationNs)
        c.byte(0x2C)
        c.integer(origPkts)
        c.byte(0x2C)
        c.integer(respPkts)
        c.byte(0x2C)
        c.integer(origBytes)
        c.byte(0x2C)
        c.integer(respBytes)
        c.byte(0x2C)
        c.integer(origIPBytes)
        c.byte(0x2C)
        c.integer(respIPBytes)
        c.byte(0x2C)
        c.literal(connStateName)
        c.byte(0x2C)
        c.p += historyLetters.copyText(to: c.p)
        c.byte(0x2C)
        if !plain { Self.writeRule(&c, rules.ruleSlot, texts, reply: false, quoted: false) }
        c.byte(0x2C)
        c.literal(verdictKind.staticName)
        c.byte(0x2C)
        if !plain { c.csvField(reason) }
        c.byte(0x2C)
        c.literal(end.name)
        c.byte(0x2C)
        if !plain { Self.writeRule(&c, rules.replySlot, texts, reply: true, quoted: false) }
        c.byte(0x0A)
    }
}

/// The flow table as CSV (RFC 4180 quoting), header row first. Each row is written straight
/// into one reused byte buffer, as the JSON form writes its flow objects: no `String` per field.
/// Its buffer is reached without a dynamic exclusivity check (see `OutputStream`'s buffer).
final class CSVReportWriter: ReportWriter {
    private let output: OutputStream
    @exclusivity(unchecked) private var w = JSONWriter()

    init(output: OutputStream) {
        self.output = output
        output.write(FlowSummary.csvHeader.joined(separator: ",") + "\n")
    }

    func flow(_ flow: FlowSummary) {
        w.reset()
        flow.writeCSVRow(to: &w)
        output.write(w.bytes)
    }

    func finish(_ report: FinalReport) { output.flush() }
}

extension FlowSummary {
    /// Column names of the CSV form, in order.
    static let csvHeader = ["uid", "proto", "orig_h", "orig_p", "resp_h", "resp_p", "orig_role", "resp_role",
                            "service", "services", "ts", "duration", "orig_pkts", "resp_pkts", "orig_bytes",
                            "resp_bytes", "orig_ip_bytes", "resp_ip_bytes", "conn_state", "history", "rule",
                            "verdict", "reason", "end_reason", "reply_rule"]

    /// The flow's CSV row (the columns of `csvHeader`) and its line end.
    func writeCSVRow(to w: inout JSONWriter) {
        appendUID(to: &w, quoted: false)
        w.append(0x2C)
        appendProto(to: &w)
        w.append(0x2C)
        origAddress.appendText(to: &w)
        w.append(0x2C)
        w.appendInteger(origP)
        w.append(0x2C)
        respAddress.appendText(to: &w)
        w.append(0x2C)
        w.appendInteger(respP)
        w.append(0x2C)
        w.literal(origRoleKind.staticName)
        w.append(0x2C)
        w.literal(respRoleKind.staticName)
        w.append(0x2C)
        w.literal(serviceSet.main.staticName)
        w.append(0x2C)
        var first = true
        serviceSet.forEach {
            if !first { w.append(0x20) }
            first = false
            w.literal($0.staticName)
        }
        w.append(0x2C)
        TimeFormat.appendISO8601(ts, to: &w)
        w.append(0x2C)
        w.appendDecimal(durationMs, decimals: 3)
        w.csvInteger(origPkts)
        w.csvInteger(respPkts)
        w.csvInteger(origBytes)
        w.csvInteger(respBytes)
        w.csvInteger(origIPBytes)
        w.csvInteger(respIPBytes)
        w.append(0x2C)
        w.literal(connStateName)
        w.append(0x2C)
        appendHistory(to: &w)
        w.append(0x2C)
        if let rule { w.csvField(rule) }
        w.append(0x2C)
        w.literal(verdictKind.staticName)
        w.append(0x2C)
        if let reason { w.csvField(reason) }
        w.append(0x2C)
        w.literal(end.name)
        w.append(0x2C)
        if let replyRule { w.csvField(replyRule) }
        w.append(0x0A)
    }
}

extension JSONWriter {
    /// A comma and a number.
    mutating func csvInteger(_ n: Int) {
        append(0x2C)
        appendInteger(n)
    }

    /// A CSV field (after a comma when `comma`): as it is, or between double quotes with its
    /// quotes doubled when it holds a comma, a quote or a line break (RFC 4180).
    mutating func csvField(_ field: String, comma: Bool = false) {
        if comma { append(0x2C) }
        var field = field
        field.withUTF8 { u in
            guard u.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return append(u) }
            append(0x22)
            for b in u {
                if b == 0x22 { append(0x22) }
                append(b)
            }
            append(0x22)
        }
    }
}

/// `edgeflow live` on a terminal: a few lines every interval (rates, flows per rule, new
/// findings), then the usual table report when the run stops.
final class LiveViewWriter: ReportWriter {
    private let output: OutputStream
    private let table: TableReportWriter

    init(output: OutputStream, top: Int, color: Bool, fullAddresses: Bool) {
        self.output = output
        table = TableReportWriter(output: output, top: top, color: color, width: fullAddresses ? nil : TableReportWriter.width(of: output))
    }

    /// New findings shown in one status at most.
    static let newFindingsShown = 5

    func flow(_ flow: FlowSummary) { table.flow(flow) }

    func interval(_ s: LiveStatus) {
        let time = String(TimeFormat.iso8601(s.now).dropFirst(11).prefix(8))
        var out = "\(time)  \(TableReportWriter.count(Int(s.packetRate.rounded()))) pkt/s  "
            + "\(JSONWriter.format(s.bitRate / 1e6, decimals: 1)) Mbit/s  live flows \(TableReportWriter.count(s.liveFlows))  "
            + "ended \(TableReportWriter.count(s.report.capture.flows))  drops \(s.kernelDrops)/\(s.interfaceDrops)\n"
        let seen = s.report.rules.filter { $0.flows > 0 }
        if !seen.isEmpty {
            out += "  rules (ended flows): " + seen.map { "\($0.rule.id) \(TableReportWriter.count($0.flows))\($0.status == .unanswered ? " (unanswered)" : "")" }
                .joined(separator: ", ") + "\n"
        }
        if s.report.violations > 0 { out += "  violations: \(TableReportWriter.counted(s.report.violations, "ended flow"))\n" }
        // At most 5 a status; the final report lists every finding.
        for f in s.newFindings.prefix(Self.newFindingsShown) {
            out += "  new [\(f.severity.rawValue)] \(f.code.rawValue): \(TerminalText.escaped(f.message))\n"
        }
        if s.newFindings.count > Self.newFindingsShown {
            out += "  and \(s.newFindings.count - Self.newFindingsShown) more new (the final report lists every finding)\n"
        }
        output.write(out)
        output.flush()
    }

    func finish(_ report: FinalReport) { table.finish(report) }
}

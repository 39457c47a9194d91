/// Output forms of a report (report-schema.md, "Output forms").
public enum ReportFormat: String, CaseIterable, Sendable {
    case table, json, ndjson, csv, html, zeek
}

/// Receives flows as they end and the capture summary at the end, and writes one output form.
public protocol ReportWriter: AnyObject {
    func flow(_ flow: FlowSummary)
    func finish(_ report: FinalReport)
    /// Every `--interval` of a live run: the state so far (writers that have nothing to say ignore it).
    func interval(_ status: LiveStatus)
    /// A call across the relay has ended (writers that have nothing to say ignore it).
    func call(_ call: Call)
    /// The writer reads each flow's DNS and STUN transactions (`dns.log`, `stun.log`): the
    /// engine keeps them only then (`FlowSettings.transactionLogs`).
    var readsTransactions: Bool { get }
}

extension ReportWriter {
    public func call(_ call: Call) {}
    public var readsTransactions: Bool { false }
}

/// Makes the writer for a format (Zeek: every log into `output`, see `ZeekLogWriter(directory:json:)` for a log
/// directory); `top` bounds the flows of the table and HTML forms. The table fits the terminal's width (else `COLUMNS`, else
/// 80) unless `fullAddresses`.
public func makeReportWriter(_ format: ReportFormat, output: OutputStream, top: Int, color: Bool, fullAddresses: Bool = false) -> any ReportWriter {
    switch format {
    case .json: JSONReportWriter(output: output)
    case .ndjson: NDJSONReportWriter(output: output)
    case .csv: CSVReportWriter(output: output)
    case .html: HTMLReportWriter(output: output, top: top)
    case .zeek: ZeekLogWriter(output: output, json: false)
    case .table: TableReportWriter(output: output, top: top, color: color, width: fullAddresses ? nil : TableReportWriter.width(of: output))
    }
}

/// One JSON object; the `flows` array streams as flows end, the rest follows at the end.
/// The flow objects are written into this writer's buffer, one after another, and handed to the
/// output's file whole (`OutputStream.writeThrough`) once `gathered` bytes are there: no flow
/// object is copied from one buffer to another. Its buffer is reached without a dynamic
/// exclusivity check (see `OutputStream`'s buffer).
final class JSONReportWriter: ReportWriter {
    private let output: OutputStream
    @exclusivity(unchecked) private var w = JSONWriter(capacity: JSONReportWriter.gathered &* 2)
    @exclusivity(unchecked) private var first = true
    private let tails = FlowTailMemo()
    /// Writes each call's object (`w` holds flow objects not yet handed on).
    private var callWriter = JSONWriter()
    /// The calls' JSON objects as they were finished (their words, not their state), written
    /// after the flows in the order a whole-capture grouping gives them.
    private var callBytes: [UInt8] = []
    private var calls: [(first: Int64, id: String, bytes: Range<Int>)] = []
    /// The flow objects gathered before they go to the file: the output's buffer's size.
    static let gathered = OutputStream.roomLimit

    init(output: OutputStream) {
        self.output = output
        output.write("{\"version\":\"1\",\"flows\":[")
    }

    func flow(_ flow: FlowSummary) {
        let isFirst = first
        first = false
        // The separating comma and the object's brace go in the room its first members are
        // written in; a flow object of those members alone (most of a flood's) is written
        // through one cursor.
        if flow.flat {
            let (second, micros) = TimeFormat.isoParts(flow.ts, &w)
            w.withRoom(flow.jsonRoom &+ 3) { c in
                if isFirst { c.byte(0x7B) } else { c.literal(",{") }
                flow.writeMembers(&c, second: second, micros: micros, tails: tails)
                c.byte(0x7D)
            }
        } else {
            w.opening()
            flow.write(to: &w, leading: isFirst ? "{" : ",{", tails: tails)
            w.endObject()
        }
        if w.bytes.count >= Self.gathered { handOn() }
    }

    /// The flow objects gathered go to the file.
    private func handOn() {
        output.writeThrough(w.bytes)
        w.reset()
    }

    func call(_ call: Call) {
        callWriter.reset()
        callWriter.beginObject()
        call.write(to: &callWriter)
        callWriter.endObject()
        calls.append((call.firstTimestamp, call.id, callBytes.count..<callBytes.count + callWriter.bytes.count))
        callBytes.append(contentsOf: callWriter.bytes)
    }

    func finish(_ report: FinalReport) {
        handOn()
        output.write("],\"calls\":[")
        callBytes.withUnsafeBufferPointer { all in
            for (n, c) in calls.sorted(by: { ($0.first, $0.id) < ($1.first, $1.id) }).enumerated() {
                if n > 0 { output.write(",") }
                output.write(UnsafeBufferPointer(rebasing: all[c.bytes]))
            }
        }
        output.write("]")
        w.reset()
        w.beginObject()
        report.writeContext(to: &w)
        w.beginArray("rules")
        report.writeRules(to: &w)
        w.endArray()
        w.beginArray("findings")
        report.writeFindings(to: &w)
        w.endArray()
        w.endObject()
        // Splice the remaining members after the calls array: drop the object's opening brace.
        output.write(",")
        output.write(UnsafeBufferPointer(rebasing: w.bytes.dropFirst()))
        output.write("\n")
        output.flush()
    }
}

/// One JSON object per line: flows as they end, then the summary. Its buffer is reached
/// without a dynamic exclusivity check (see `OutputStream`'s buffer).
final class NDJSONReportWriter: ReportWriter {
    private let output: OutputStream
    @exclusivity(unchecked) private var w = JSONWriter()
    private let tails = FlowTailMemo()

    init(output: OutputStream) { self.output = output }

    private func line(_ type: String, _ fields: (inout JSONWriter) -> Void) {
        w.reset()
        w.beginObject()
        w.value("type", type)
        fields(&w)
        w.endObject()
        output.write(w.bytes)
        output.write([0x0A])
        output.endOfRecord()
    }

    func flow(_ flow: FlowSummary) {
        let leading: StaticString = "{\"type\":\"flow\","
        // A flow object of the members always present alone (most of a flood's) is written
        // straight into the output's buffer, not into this writer's and copied.
        let room = flow.jsonRoom &+ leading.utf8CodeUnitCount &+ 2
        if flow.flat && room <= OutputStream.roomLimit {
            let (second, micros) = TimeFormat.isoParts(flow.ts, &w)
            output.withRoom(room) { c in
                c.literal(leading)
                flow.writeMembers(&c, second: second, micros: micros, tails: tails)
                c.literal("}\n")
            }
        } else {
            w.reset()
            w.beginObject()
            flow.write(to: &w, leading: "\"type\":\"flow\",", tails: tails)
            w.endObject()
            w.append(0x0A)
            output.write(w.bytes)
        }
        output.endOfRecord()
    }

    func call(_ call: Call) {
        line("call") { call.write(to: &$0) }
    }

    func interval(_ s: LiveStatus) {
        line("interval") { w in
            w.value("ts", TimeFormat.iso8601(s.now))
            w.value("interval_s", s.seconds)
            w.value("packets", s.intervalPackets)
            w.value("bytes", s.intervalBytes)
            w.value("packets_total", s.report.capture.packets)
            w.value("bytes_total", s.report.capture.bytes)
            w.value("live_flows", s.liveFlows)
            w.value("flows_ended", s.report.capture.flows)
            w.value("kernel_drops", s.kernelDrops)
            w.value("interface_drops", s.interfaceDrops)
            w.beginObject("rules")
            for r in s.report.rules { w.value(JSONKey(r.rule.id), r.flows) }
            w.endObject()
            w.value("violations", s.report.violations)
            w.beginArray("findings")
            for f in s.report.findings {
                w.beginObject()
                w.value("severity", f.severity.rawValue)
                w.value("code", f.code.rawValue)
                w.value("flows", f.flowCount)
                w.endObject()
            }
            w.endArray()
        }
        output.flush()
    }

    func finish(_ report: FinalReport) {
        for rule in report.rules {
            line("rule") { FinalReport.writeFields(of: rule, to: &$0) }
        }
        for finding in report.findings {
            line("finding") { FinalReport.writeFields(of: finding, to: &$0) }
        }
        w.reset()
        w.beginObject()
        w.value("type", "summary")
        w.value("version", "1")
        report.writeContext(to: &w)
        w.endObject()
        output.write(w.bytes)
        output.write([0x0A])
        output.flush()
    }
}

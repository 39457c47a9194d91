/// The report for people, readable in 80 columns: a summary of the capture, then the
/// largest flows. Keeps only the top `top` flows in memory.
final class TableReportWriter: ReportWriter {
    private let output: OutputStream
    private let top: Int
    private let color: Bool
    private var largest: [FlowSummary] = []
    private var services: [String: Int] = [:]
    /// STUN/TURN flows with the most messages, and the RTP streams with the worst loss (bounded).
    private var stunRows: [(messages: Int, text: String)] = []
    private var mediaRows: [(loss: Double, text: String)] = []
    private var stunFlows = 0, mediaStreams = 0
    private static let sectionRows = 10

    init(output: OutputStream, top: Int, color: Bool) {
        self.output = output
        self.top = max(0, top)
        self.color = color
    }

    func flow(_ flow: FlowSummary) {
        services[flow.service, default: 0] += 1
        if let app = flow.app { collect(app, flow) }
        guard top > 0 else { return }
        if largest.count < top {
            largest.append(flow)
        } else if let i = largest.indices.min(by: { Self.rank(largest[$0], largest[$1]) }),
                  Self.rank(largest[i], flow) {
            largest[i] = flow
        }
    }

    /// Whether `a` ranks below `b`: fewer bytes, or as many and later.
    private static func rank(_ a: FlowSummary, _ b: FlowSummary) -> Bool {
        a.totalIPBytes != b.totalIPBytes ? a.totalIPBytes < b.totalIPBytes : a.ts > b.ts
    }

    func finish(_ report: FinalReport) {
        let c = report.capture
        var out = ""
        let files = c.files.map(\.path)
        out += bold("edgeflow") + "  " + (files.count == 1 ? files[0] : "\(files.count) files") + "\n"
        let bad = report.violations > 0 || report.findings.contains { $0.severity == .error }
        out += paint("Verdict: " + report.verdictLine, code: bad ? "1;31" : "1;32") + "\n"

        out += "\n" + bold("Hybrid rules (Edge ↔ Office 365)") + "\n"
        out += Self.pad("RULE", 14) + Self.pad("FROM → TO", 28) + Self.pad("PORTS", 20) + Self.lpad("FLOWS", 5) + "  STATUS\n"
        for s in report.rules {
            let from = s.rule.from?.title ?? "any", to = s.rule.to?.title ?? "any"
            let ports = (s.rule.srcPorts.isAny ? "" : Self.shortPorts(s.rule.srcPorts) + "→") + Self.shortPorts(s.rule.dstPorts)
            let status = s.status.rawValue
            let painted = s.status == .seen ? status : paint(status, code: s.status == .unanswered ? "31" : "33")
            out += Self.pad(s.rule.id, 14) + Self.pad("\(from) → \(to)", 28) + Self.pad(s.rule.transportName + " " + ports, 20)
                + Self.lpad(String(s.flows), 5) + "  " + painted + "\n"
        }

        if !report.findings.isEmpty {
            out += "\n" + bold("Findings") + "\n"
            for f in report.findings {
                let tag = f.severity.rawValue.uppercased()
                let colour = f.severity == .error ? "31" : f.severity == .warning ? "33" : "36"
                let count = f.flowCount > 1 ? " (\(f.flowCount) flows)" : ""
                let lines = Self.wrap(f.message + count, width: 70)
                for (i, l) in lines.enumerated() {
                    out += (i == 0 ? paint(Self.pad(tag, 8), code: colour) : String(repeating: " ", count: 8)) + l + "\n"
                }
            }
        }

        if !stunRows.isEmpty {
            out += "\n" + bold("STUN/TURN") + " (\(stunFlows) flows; the \(stunRows.count) busiest)\n"
            out += "  " + Self.pad("FLOW", 45) + Self.lpad("MSGS", 6) + Self.lpad("ANS", 6) + Self.lpad("UNANS", 7) + Self.lpad("RTT ms", 8) + "\n"
            for r in stunRows.sorted(by: { $0.messages > $1.messages }) { out += r.text + "\n" }
        }
        if !mediaRows.isEmpty {
            out += "\n" + bold("Media") + " (\(mediaStreams) RTP streams; the \(mediaRows.count) with most loss)\n"
            out += "  " + Self.pad("SSRC", 11) + Self.pad("FROM → TO", 43) + Self.lpad("PKTS", 5) + Self.lpad("LOST", 6) + Self.lpad("JIT ms", 7) + Self.lpad("MAX", 5) + "\n"
            for r in mediaRows.sorted(by: { $0.loss > $1.loss }) { out += r.text + "\n" }
        }

        out += "\n" + bold("Topology") + "\n"
        for role in [Role.accessEdge, .avEdge, .webconfEdge] {
            let list = report.topology.prefixes(of: role).map(\.description)
            let inferred = report.inferred.contains { $0.role == role }
            out += "  " + Self.pad(role.title, 22) + (list.isEmpty ? "unknown" : list.joined(separator: ", ")) + (inferred ? " (inferred)" : "") + "\n"
        }
        out += "  " + Self.pad("Office 365 ranges", 22) + report.topology.ranges.source + "\n"

        out += "\n" + bold("Capture") + "\n"
        if files.count > 1 {
            for f in c.files { out += "  file       \(f.path): \(Self.count(f.packets)) packets\n" }
        }
        out += "  packets    \(Self.count(c.packets)) (\(Self.size(c.bytes)) captured"
        out += c.truncatedPackets > 0 ? ", \(Self.count(c.truncatedPackets)) cut by snaplen)\n" : ")\n"
        if let first = c.firstTimestamp, let last = c.lastTimestamp {
            let secs = Double(last - first) / 1e9
            out += "  time       \(TimeFormat.readable(first)) to \(TimeFormat.readable(last)) UTC"
            out += " (\(JSONWriter.format(secs, decimals: 3)) s)\n"
        }
        out += "  link types " + c.linkTypes.map { "\($0.name) \(Self.count($0.packets))" }.joined(separator: ", ") + "\n"
        var ip = "  ip         \(Self.count(c.ipPackets)) packets"
        if c.nonIPPackets > 0 { ip += ", \(Self.count(c.nonIPPackets)) not IP" }
        if c.fragmentTails > 0 { ip += ", \(Self.count(c.fragmentTails)) non-first fragment" + (c.fragmentTails == 1 ? "" : "s") }
        out += ip + "\n"
        let tunnels = Tunnel.allCases.filter { $0 != .none && c.encapsulated[Int($0.rawValue)] > 0 }
        if !tunnels.isEmpty {
            out += "  tunnels    " + tunnels.map { "\($0.name) \(Self.count(c.encapsulated[Int($0.rawValue)]))" }.joined(separator: ", ")
            out += " (analysed as their inner packets)\n"
        }
        out += "  flows      \(Self.count(c.flows))"
        if !c.flowsByProto.isEmpty {
            out += " (" + c.flowsByProto.map { "\($0.name) \(Self.count($0.flows))" }.joined(separator: ", ") + ")"
        }
        if c.flowsEvicted > 0 { out += ", \(Self.count(c.flowsEvicted)) evicted at --max-flows" }
        out += "\n"
        let named = services.filter { $0.key != "unknown" }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        if !named.isEmpty {
            out += "  services   " + named.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        let errors = c.decodeErrors.nonZero
        out += "  decode errors " + (errors.isEmpty ? "none" : errors.map { "\($0.0) \($0.1)" }.joined(separator: ", ")) + "\n"
        for w in c.warnings {
            out += paint("  warning    ", code: "33") + w.description + "\n"
        }
        if !largest.isEmpty {
            let sorted = largest.sorted { Self.rank($1, $0) }
            out += "\n" + bold("Top \(sorted.count) flows by bytes") + " (! = violation)\n"
            out += "  " + Self.row("PROTO", "ORIGINATOR", "RESPONDER", "PKTS", "BYTES", "STATE", "SERVICE") + "\n"
            for f in sorted {
                let mark = f.verdict == "violation" ? paint("! ", code: "31") : "  "
                out += mark + Self.row(f.proto, Self.endpoint(f.origH, f.origP), Self.endpoint(f.respH, f.respP),
                                       Self.short(f.origPkts + f.respPkts), Self.short(f.totalIPBytes), f.connState, f.service) + "\n"
            }
        }
        output.write(out)
        output.flush()
    }

    private func collect(_ app: AppReport, _ f: FlowSummary) {
        if let stun = app.stun {
            stunFlows += 1
            let st = stun.stats
            var notes: [String] = []
            if st.msTURN { notes.append("MS-TURN" + (st.msVersion.map { " v\($0)" } ?? "")) }
            if !stun.errors.isEmpty { notes.append("errors " + stun.errors.map { "\($0.code)×\($0.count)" }.joined(separator: ",")) }
            if st.allocateSuccesses > 0 { notes.append("allocated" + (st.lifetime.map { " \($0)s" } ?? "")) }
            if st.channelDataPackets > 0 { notes.append("data \(st.channelDataPackets)") }
            let flowText = Self.endpoint(f.origH, f.origP) + " → " + Self.endpoint(f.respH, f.respP)
            let rtt = stun.rtt.map { Self.fixed($0.p50) } ?? "-"
            var text = "  " + Self.pad(flowText, 45) + Self.lpad(String(st.messages), 6) + Self.lpad(String(st.matched), 6)
                + Self.lpad(String(st.unanswered), 7) + Self.lpad(rtt, 8)
            if !notes.isEmpty { text += "\n      " + notes.joined(separator: "; ") }
            keep(&stunRows, (st.messages, text)) { $0.messages < $1.messages }
        }
        for s in app.rtp {
            mediaStreams += 1
            let (from, to) = s.fromOriginator ? (Self.endpoint(f.origH, f.origP), Self.endpoint(f.respH, f.respP))
                                              : (Self.endpoint(f.respH, f.respP), Self.endpoint(f.origH, f.origP))
            let loss = s.lossFraction
            let text = "  " + Self.pad("0x" + String(s.ssrc, radix: 16), 11) + Self.pad(from + " → " + to, 43)
                + Self.lpad(Self.short(Int(s.stats.packets)), 5) + Self.lpad(Self.fixed(loss * 100) + "%", 6)
                + Self.lpad(Self.fixed(s.stats.jitterMilliseconds), 7) + Self.lpad(Self.fixed(s.stats.maxJitterMilliseconds), 5)
            keep(&mediaRows, (loss, text)) { $0.loss < $1.loss }
        }
    }

    /// One decimal, always shown ("2.0").
    static func fixed(_ v: Double) -> String {
        let t = JSONWriter.format(v, decimals: 1)
        return t.contains(".") ? t : t + ".0"
    }

    /// Keeps the `sectionRows` greatest rows by `less`.
    private func keep<T>(_ rows: inout [T], _ row: T, by less: (T, T) -> Bool) {
        if rows.count < Self.sectionRows { rows.append(row); return }
        if let i = rows.indices.min(by: { less(rows[$0], rows[$1]) }), less(rows[i], row) { rows[i] = row }
    }

    /// "5061", "50000-59999" shortened to "5xxxx" for the narrow rules table.
    static func shortPorts(_ p: PortSet) -> String {
        p.isAny ? "any" : p.ranges.map { $0 == 50000...59999 ? "5xxxx" : $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ",")
    }

    /// Word-wraps `text` to lines of at most `width` characters.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    private func bold(_ s: String) -> String { paint(s, code: "1") }
    private func paint(_ s: String, code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    static func row(_ proto: String, _ o: String, _ r: String, _ pkts: String, _ bytes: String, _ state: String, _ service: String) -> String {
        pad(proto, 6) + pad(o, 22) + pad(r, 22) + lpad(pkts, 5) + " " + lpad(bytes, 5) + " " + pad(state, 6) + service
    }

    /// "addr:port", shortened from the left to 21 characters for long IPv6 addresses.
    static func endpoint(_ h: String, _ p: Int) -> String {
        let text = h.contains(":") ? "[\(h)]:\(p)" : "\(h):\(p)"
        return text.count <= 21 ? text : "…" + text.suffix(20)
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
    static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }

    /// 1,234,567
    static func count(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0, ch != "-" { out += "," }
            out.append(ch)
        }
        return out
    }

    /// 999, 1.2K, 12K, 1.2M ... for narrow columns.
    static func short(_ n: Int) -> String {
        if n < 10_000 { return String(n) }
        if n < 1_000_000 { return String(n / 1000) + "K" }
        return JSONWriter.format(Double(n) / 1e6, decimals: 1) + "M"
    }

    /// 512 B, 1.5 KB, 12.3 MB (powers of 1000).
    static func size(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var v = Double(n), u = 0
        while v >= 1000, u < units.count - 1 { v /= 1000; u += 1 }
        return u == 0 ? "\(n) B" : JSONWriter.format(v, decimals: v < 10 ? 1 : 0) + " " + units[u]
    }
}

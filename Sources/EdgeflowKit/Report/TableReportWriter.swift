#if canImport(Glibc)
import Glibc
#endif

/// The report for people, readable in 80 columns: a summary of the capture, then the
/// largest flows. Keeps only the top `top` flows in memory. Text from the capture (and file
/// names) goes through `TerminalText.escaped` (`text`) before it is padded or painted.
final class TableReportWriter: ReportWriter {
    private let output: OutputStream
    private let top: Int
    private let color: Bool
    private var largest: [FlowSummary] = []
    private var services: [String: Int] = [:]
    /// Each protocol's section (STUN/TURN flows with the most messages, DTLS flows, the RTP
    /// streams with the worst loss, ...), bounded.
    private var sections = AppReport.tableLayouts.map(TableSection.init)
    /// The worst streams of the calls across the relay.
    private var calls = CallTable()
    /// Columns to fit, or nil to show every address whole.
    private let width: Int?

    /// - Parameter width: the terminal's width; long IPv6 endpoints are shortened in the
    ///   middle to fit it (never the port). nil shows them whole.
    init(output: OutputStream, top: Int, color: Bool, width: Int?) {
        self.output = output
        self.top = max(0, top)
        self.color = color
        self.width = width
    }

    func flow(_ flow: FlowSummary) {
        services[flow.service, default: 0] += 1
        flow.app?.tableRows(flow) { sections[$0].offer($1) }
        guard top > 0 else { return }
        if largest.count < top {
            largest.append(flow)
        } else if let i = largest.indices.min(by: { Self.rank(largest[$0], largest[$1]) }),
                  Self.rank(largest[i], flow) {
            largest[i] = flow
        }
    }

    func call(_ call: Call) { calls.offer(call) }

    /// Whether `a` ranks below `b`: fewer bytes, or as many and later.
    private static func rank(_ a: FlowSummary, _ b: FlowSummary) -> Bool {
        a.totalIPBytes != b.totalIPBytes ? a.totalIPBytes < b.totalIPBytes : a.ts > b.ts
    }

    func finish(_ report: FinalReport) {
        let c = report.capture
        var out = ""
        let files = c.files.map { text($0.path) }
        out += bold("edgeflow") + "  " + (files.count == 1 ? files[0] : "\(files.count) files") + "\n"
        let bad = report.violations > 0 || report.findings.contains { $0.severity == .error }
        out += paint("Verdict: " + text(report.verdictLine), code: bad ? "1;31" : "1;32") + "\n"
        for f in report.findings where f.code == .limitReached {
            for (i, l) in Self.wrap(text(f.message), width: 68).enumerated() {
                out += (i == 0 ? paint("Incomplete: ", code: "33") : String(repeating: " ", count: 12)) + l + "\n"
            }
        }

        out += "\n" + bold("Hybrid rules (Edge ↔ Office 365)") + "\n"
        out += Self.pad("RULE", 14) + Self.pad("FROM → TO", 25) + Self.pad("PORTS", 20) + Self.lpad("FLOWS", 5) + "  STATUS\n"
        for s in report.rules {
            let from = s.rule.from?.title ?? "any", to = s.rule.to?.title ?? "any"
            let ports = (s.rule.srcPorts.isAny ? "" : Self.shortPorts(s.rule.srcPorts) + "→") + Self.shortPorts(s.rule.dstPorts)
            // Seen only in the replies of flows opened the other way (a finding says so).
            let status = s.status.rawValue + (s.status == .seen && s.onlyInReplies ? " (replies)" : "")
            let painted = s.status == .seen ? status : paint(status, code: s.status == .unanswered ? "31" : "33")
            out += Self.pad(s.rule.id, 14) + Self.pad("\(from) → \(to)", 25) + Self.pad(s.rule.transportName + " " + ports, 20)
                + Self.lpad(String(s.flows), 5) + "  " + painted + "\n"
        }

        if !report.findings.isEmpty {
            out += "\n" + bold("Findings") + "\n"
            for f in report.findings {
                let tag = f.severity.rawValue.uppercased()
                let colour = f.severity == .error ? "31" : f.severity == .warning ? "33" : "36"
                let count = f.flowCount > 1 ? " (\(f.flowCount) flows)" : ""
                let lines = Self.wrap(text(f.message) + count, width: 70)
                for (i, l) in lines.enumerated() {
                    out += (i == 0 ? paint(Self.pad(tag, 8), code: colour) : String(repeating: " ", count: 8)) + l + "\n"
                }
            }
        }

        for section in sections where !section.rows.isEmpty {
            let l = section.layout
            let column = column(section.rows.flatMap { [text($0.from), text($0.to)] }, fixed: l.fixed)
            out += "\n" + bold(l.title) + " (\(Self.counted(section.offered, l.noun)); the \(section.rows.count) \(l.which))\n"
            out += "  " + l.leadHeading + Self.pad(l.flowHeading, 2 * column + l.flowGap) + l.columnsHeading + "\n"
            for r in section.rows.sorted(by: { $0.rank > $1.rank }) {
                out += "  " + text(r.lead) + Self.pad(Self.fit(text(r.from), column) + " → " + Self.fit(text(r.to), column), 2 * column + l.flowGap)
                    + text(r.text) + "\n"
                for line in r.notes { out += "      " + text(line) + "\n" }
            }
        }

        for (i, line) in calls.lines.map(text).enumerated() { out += (i == 0 ? "\n" + bold(line) : line) + "\n" }

        out += "\n" + bold("Topology") + "\n"
        for role in [Role.accessEdge, .avEdge, .webconfEdge] {
            let list = report.topology.prefixes(of: role).map(\.description)
            let inferred = report.inferred.contains { $0.role == role }
            out += "  " + Self.pad(role.title, 22) + (list.isEmpty ? "unknown" : list.joined(separator: ", ")) + (inferred ? " (inferred)" : "") + "\n"
        }
        out += "  " + Self.pad("Office 365 ranges", 22) + text(report.topology.ranges.source) + "\n"

        out += "\n" + bold("Capture") + "\n"
        if files.count > 1 {
            for f in c.files { out += "  file       \(text(f.path)): \(Self.counted(f.packets, "packet"))\n" }
        }
        out += "  packets    \(Self.count(c.packets)) (\(Self.size(c.bytes)) captured"
        out += c.truncatedPackets > 0 ? ", \(Self.count(c.truncatedPackets)) cut by snaplen)\n" : ")\n"
        if let first = c.firstTimestamp, let last = c.lastTimestamp {
            out += "  time       \(TimeFormat.readable(first)) to \(TimeFormat.readable(last)) UTC (\(TimeFormat.span(last - first)))\n"
        }
        out += "  link types " + c.linkTypes.map { "\($0.name) \(Self.count($0.packets))" }.joined(separator: ", ") + "\n"
        var ip = "  ip         \(Self.counted(c.ipPackets, "packet"))"
        if c.nonIPPackets > 0 { ip += ", \(Self.count(c.nonIPPackets)) not IP" }
        if c.fragmentTails > 0 { ip += ", \(Self.counted(c.fragmentTails, "non-first fragment"))" }
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
            out += "  services   " + named.map { "\(text($0.key)) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        let errors = c.decodeErrors.nonZero
        out += "  decode errors " + (errors.isEmpty ? "none" : errors.map { "\($0.0) \($0.1)" }.joined(separator: ", ")) + "\n"
        for w in c.warnings {
            out += paint("  warning    ", code: "33") + text(w.description) + "\n"
        }
        let sorted = largest.sorted { Self.rank($1, $0) }
        if !sorted.isEmpty {
            // Mark, protocol, counts, state and a short service name: 36 characters.
            let column = column(sorted.flatMap { [Self.endpoint($0), Self.endpoint($0, responder: true)] }, fixed: 36)
            out += "\n" + bold("Top \(Self.counted(sorted.count, "flow")) by bytes") + " (! = violation)\n"
            out += "  " + Self.row("PROTO", "ORIGINATOR", "RESPONDER", "PKTS", "BYTES", "STATE", "SERVICE", column: column) + "\n"
            for f in sorted {
                let mark = f.verdict == "violation" ? paint("! ", code: "31") : "  "
                out += mark + Self.row(f.proto, Self.fit(Self.endpoint(f), column), Self.fit(Self.endpoint(f, responder: true), column),
                                       Self.short(f.origPkts + f.respPkts), Self.short(f.totalIPBytes), f.connState, text(f.service), column: column) + "\n"
            }
        }
        output.write(out)
        output.flush()
    }

    /// One decimal, always shown ("2.0").
    static func fixed(_ v: Double) -> String {
        let t = JSONWriter.format(v, decimals: 1)
        return t.contains(".") ? t : t + ".0"
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
    private func text(_ s: String) -> String { TerminalText.escaped(s) }
    private func paint(_ s: String, code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    static func row(_ proto: String, _ o: String, _ r: String, _ pkts: String, _ bytes: String, _ state: String, _ service: String, column: Int) -> String {
        pad(proto, 6) + pad(o, column + 1) + pad(r, column + 1) + lpad(pkts, 5) + " " + lpad(bytes, 5) + " " + pad(state, 6) + service
    }

    /// A flow end as "addr:port" ("[v6]:port"), the originator's unless `responder`.
    static func endpoint(_ f: FlowSummary, responder: Bool = false) -> String {
        responder ? f.respAddress.text(port: UInt16(truncatingIfNeeded: f.respP)) : f.origAddress.text(port: UInt16(truncatingIfNeeded: f.origP))
    }

    /// The width to fit: the terminal's, else `COLUMNS`, else 80.
    static func width(of output: OutputStream) -> Int {
        if let columns = output.terminalColumns { return columns }
        if let text = getenv("COLUMNS"), let columns = Int(String(cString: text)), columns > 0 { return columns }
        return 80
    }

    /// An endpoint column is never narrower: every IPv4 endpoint fits whole.
    static let minimumColumn = 21

    /// The width of a section's endpoint columns: its longest endpoint, within the terminal's
    /// width once the section's `fixed` other characters are counted.
    private func column(_ endpoints: [String], fixed: Int) -> Int {
        let longest = endpoints.reduce(0) { max($0, $1.count) }
        guard let width else { return longest }
        return min(longest, max(Self.minimumColumn, (width - fixed) / 2))
    }

    /// `text` shortened to `n` characters by an ellipsis in the address, keeping its start
    /// and its end with the port.
    static func fit(_ text: String, _ n: Int) -> String {
        guard text.count > n, n > 8 else { return text }
        let tail = (n - 1) / 2 + 2, head = n - 1 - tail
        return String(text.prefix(head)) + "…" + String(text.suffix(tail))
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

    /// "1 flow", "1,234 flows": the count and the noun, plural unless the count is 1.
    static func counted(_ n: Int, _ noun: String) -> String { count(n) + " " + noun + (n == 1 ? "" : "s") }

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

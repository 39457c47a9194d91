/// The report for people, readable in 80 columns: a summary of the capture, then the
/// largest flows. Keeps only the top `top` flows in memory.
final class TableReportWriter: ReportWriter {
    private let output: OutputStream
    private let top: Int
    private let color: Bool
    private var largest: [FlowSummary] = []
    private var services: [String: Int] = [:]

    init(output: OutputStream, top: Int, color: Bool) {
        self.output = output
        self.top = max(0, top)
        self.color = color
    }

    func flow(_ flow: FlowSummary) {
        services[flow.service, default: 0] += 1
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

    func finish(capture c: CaptureSummary) {
        var out = ""
        let files = c.files.map(\.path)
        out += bold("edgeflow") + "  " + (files.count == 1 ? files[0] : "\(files.count) files") + "\n"
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
            out += "\n" + bold("Top \(sorted.count) flows by bytes") + "\n"
            out += Self.row("PROTO", "ORIGINATOR", "RESPONDER", "PKTS", "BYTES", "STATE", "SERVICE") + "\n"
            for f in sorted {
                out += Self.row(f.proto, Self.endpoint(f.origH, f.origP), Self.endpoint(f.respH, f.respP),
                                Self.short(f.origPkts + f.respPkts), Self.short(f.totalIPBytes), f.connState, f.service) + "\n"
            }
        }
        output.write(out)
        output.flush()
    }

    private func bold(_ s: String) -> String { paint(s, code: "1") }
    private func paint(_ s: String, code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    static func row(_ proto: String, _ o: String, _ r: String, _ pkts: String, _ bytes: String, _ state: String, _ service: String) -> String {
        pad(proto, 6) + pad(o, 22) + pad(r, 22) + lpad(pkts, 6) + " " + lpad(bytes, 6) + " " + pad(state, 7) + service
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

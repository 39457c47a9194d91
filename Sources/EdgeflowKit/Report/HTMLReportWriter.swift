/// The report as one self-contained HTML page for a browser (and print): the verdict, the
/// hybrid rules, the findings with their flows, the largest flows (sortable and filterable by
/// the page's inline script), TLS sessions with their certificates' expiry, STUN/TURN, DTLS,
/// calls across the relay (`HTMLCallsSection`) and media streams, with inline SVG timelines of
/// loss and jitter per slice (`HTMLTimeline`). Built from the same values as the JSON form;
/// every string from the capture is escaped. Bounded: the `top` largest flows and `sectionRows`
/// rows (or calls) per section are kept, and the page says how many were left out.
final class HTMLReportWriter: ReportWriter {
    private let output: OutputStream
    private let top: Int
    private var largest: [FlowSummary] = []
    /// Rows of the per-protocol sections, already HTML, kept by rank (greatest first shown).
    private var tlsRows: [(rank: Double, html: String)] = []
    private var stunRows: [(rank: Double, html: String)] = []
    private var dtlsRows: [(rank: Double, html: String)] = []
    private var mediaRows: [(rank: Double, html: String)] = []
    private var tlsFlows = 0, stunFlows = 0, dtlsFlows = 0, mediaStreams = 0
    private var calls = HTMLCallsSection()
    /// Rows kept per protocol section.
    static let sectionRows = 100
    /// Flow uids listed per finding.
    static let findingFlows = 20

    init(output: OutputStream, top: Int) {
        self.output = output
        self.top = max(0, top)
    }

    func flow(_ flow: FlowSummary) {
        if let app = flow.app { collect(app, flow) }
        calls.flow(flow)
        guard top > 0 else { return }
        if largest.count < top {
            largest.append(flow)
        } else if let i = largest.indices.min(by: { Self.rank(largest[$0], largest[$1]) }), Self.rank(largest[i], flow) {
            largest[i] = flow
        }
    }

    func call(_ call: Call) { calls.call(call) }

    /// Whether `a` ranks below `b`: fewer bytes, or as many and later (as the table's).
    private static func rank(_ a: FlowSummary, _ b: FlowSummary) -> Bool {
        a.totalIPBytes != b.totalIPBytes ? a.totalIPBytes < b.totalIPBytes : a.ts > b.ts
    }

    func finish(_ report: FinalReport) {
        let e = HTMLText.escaped
        let c = report.capture
        let files = c.files.map(\.path)
        let title = "edgeflow report: " + (files.count == 1 ? files[0] : "\(files.count) files")
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        // Nothing may be fetched: no network, no other file (inline style and script only).
        out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
        out += "<title>\(e(title))</title>\n<style>\n\(HTMLPageAssets.style)\n</style>\n</head>\n<body>\n"
        out += "<h1>\(e(title))</h1>\n"
        if let first = c.firstTimestamp, let last = c.lastTimestamp {
            out += "<p class=\"sub\">\(e(TimeFormat.readable(first))) to \(e(TimeFormat.readable(last))) UTC (\(e(TimeFormat.span(last - first)))), "
                + "\(e(TableReportWriter.counted(c.packets, "packet"))), \(e(TableReportWriter.counted(c.flows, "flow")))</p>\n"
        }
        let bad = report.violations > 0 || report.findings.contains { $0.severity == .error }
        out += "<p id=\"verdict\" class=\"verdict \(bad ? "bad" : "ok")\">Verdict: \(e(report.verdictLine))</p>\n"
        for f in report.findings where f.code == .limitReached {
            out += "<p class=\"incomplete\">Incomplete: \(e(f.message))</p>\n"
        }
        out += rulesSection(report)
        out += findingsSection(report)
        out += flowsSection(report)
        out += section("tls", "TLS sessions", rows: tlsRows, total: tlsFlows, noun: "TLS flow", order: "failed handshakes first, then the certificates that expire first",
                       head: ["Originator", "Responder", "SNI", "Version", "Cipher", "Handshake", "HS ms", "Client cert", "Server certificate", "Issuer", "Not after", "At capture"])
        out += section("stun", "STUN/TURN", rows: stunRows, total: stunFlows, noun: "STUN/TURN flow", order: "the busiest",
                       head: ["Originator", "Responder", "Messages", "Answered", "Unanswered", "RTT p50 ms", "RTT p95 ms", "Notes"])
        out += section("dtls", "DTLS", rows: dtlsRows, total: dtlsFlows, noun: "DTLS flow", order: "failed handshakes first, then the busiest",
                       head: ["Originator", "Responder", "Version", "Handshake", "HS ms", "Cipher", "SRTP profile", "Alerts"])
        out += calls.html(listed: Set(largest.map(\.uid)))
        out += section("media", "Media streams", rows: mediaRows, total: mediaStreams, noun: "RTP stream", order: "those with most loss",
                       head: ["SSRC", "From", "To", "PT", "Packets", "Lost", "Loss %", "Jitter ms", "Max jitter ms", "Loss and jitter per slice"])
        out += contextSection(report)
        out += "<footer>Written by edgeflow (report version 1). The JSON form (<span class=\"mono\">--format json</span>) holds every flow and field.</footer>\n"
        out += "<script>\n\(HTMLPageAssets.script)\n</script>\n</body>\n</html>\n"
        output.write(out)
        output.flush()
    }

    private func rulesSection(_ report: FinalReport) -> String {
        var out = "<h2 id=\"rules\">Hybrid rules (Edge ↔ Office 365)</h2>\n<table id=\"rule-table\">\n<thead><tr><th>Rule</th><th>From → To</th><th>Ports</th>"
            + "<th>Flows</th><th>Opened</th><th>Answered</th><th>Packets</th><th>Bytes</th><th>Status</th></tr></thead>\n<tbody>\n"
        for s in report.rules {
            let from = s.rule.from?.title ?? "any", to = s.rule.to?.title ?? "any"
            let ports = s.rule.transportName + " " + (s.rule.srcPorts.isAny ? "" : Self.ports(s.rule.srcPorts) + " → ") + Self.ports(s.rule.dstPorts)
            let status = s.status.rawValue + (s.status == .seen && s.onlyInReplies ? " (replies)" : "")
            out += "<tr data-rule=\"\(HTMLText.escaped(s.rule.id))\">" + HTMLText.cell(s.rule.id, classes: "mono") + HTMLText.cell("\(from) → \(to)") + HTMLText.cell(ports)
                + HTMLText.cell(s.flows) + HTMLText.cell(s.openedFlows) + HTMLText.cell(s.answeredFlows) + HTMLText.cell(s.packets) + HTMLText.cell(s.bytes)
                + HTMLText.cell(status, classes: "s-" + s.status.rawValue) + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    /// "5061", "50000-59999", "3478,443".
    static func ports(_ p: PortSet) -> String {
        p.isAny ? "any" : p.ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }

    private func findingsSection(_ report: FinalReport) -> String {
        var out = "<h2 id=\"findings\">Findings</h2>\n"
        guard !report.findings.isEmpty else { return out + "<p>None.</p>\n" }
        let listed = Set(largest.map(\.uid))
        out += "<table id=\"finding-table\">\n<thead><tr><th>Severity</th><th>Code</th><th>Finding</th><th>Flows</th></tr></thead>\n<tbody>\n"
        for f in report.findings {
            var flows = f.flows.prefix(Self.findingFlows).map { uid in
                listed.contains(uid) ? "<a href=\"#f-\(HTMLText.escaped(uid))\">\(HTMLText.escaped(uid))</a>" : HTMLText.escaped(uid)
            }.joined(separator: " ")
            if f.flowCount > min(f.flows.count, Self.findingFlows) {
                flows += " <span class=\"cut\">(\(TableReportWriter.counted(f.flowCount, "flow")) in all)</span>"
            }
            out += "<tr>" + HTMLText.cell(f.severity.rawValue, classes: "s-" + f.severity.rawValue) + HTMLText.cell(f.code.rawValue, classes: "mono")
                + HTMLText.cell(f.message) + "<td class=\"mono\">\(flows)</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    private func flowsSection(_ report: FinalReport) -> String {
        let sorted = largest.sorted { Self.rank($1, $0) }
        let total = report.capture.flows
        var out = "<h2 id=\"flow-list\">Flows</h2>\n"
        out += "<p>The \(TableReportWriter.counted(sorted.count, "largest flow")) by IP bytes"
        out += sorted.count < total
            ? " <span class=\"cut\">(of \(TableReportWriter.count(total)); \(TableReportWriter.count(total - sorted.count)) not shown: raise --top to show more)</span>.</p>\n"
            : ".</p>\n"
        guard !sorted.isEmpty else { return out }
        out += "<div class=\"tools\"><input type=\"search\" id=\"flow-filter\" placeholder=\"filter: address, rule, service…\" aria-label=\"filter flows\"> "
            + "<label><input type=\"checkbox\" id=\"flow-violations\"> violations only</label> · <span id=\"flow-shown\">\(sorted.count)</span> of \(sorted.count) shown</div>\n"
        out += "<table id=\"flows\" class=\"sortable\">\n<thead><tr><th>uid</th><th>Start (UTC)</th><th>Proto</th><th>Originator</th><th>Responder</th>"
            + "<th>Service</th><th>Rule</th><th>Verdict</th><th>Packets</th><th>IP bytes</th><th>Duration ms</th><th>State</th></tr></thead>\n<tbody>\n"
        for f in sorted {
            let e = HTMLText.escaped
            var verdict = e(f.verdict)
            if let reason = f.reason { verdict += "<br>" + e(reason) }
            let rule = f.rule.map { $0 + (f.replyRule.map { ", replies " + $0 } ?? "") } ?? "-"
            out += "<tr id=\"f-\(e(f.uid))\"\(f.verdict == "violation" ? " class=\"violation\"" : "")>" + HTMLText.cell(f.uid, classes: "mono")
                + HTMLText.cell(TimeFormat.iso8601(f.ts), sort: Double(f.ts)) + HTMLText.cell(f.proto)
                + Self.endpointCell(f, responder: false) + Self.endpointCell(f, responder: true)
                + HTMLText.cell(f.services.joined(separator: " ")) + HTMLText.cell(rule, classes: "mono")
                + "<td class=\"s-\(e(f.verdict))\">\(verdict)</td>" + HTMLText.cell(f.origPkts + f.respPkts) + HTMLText.cell(f.totalIPBytes)
                + HTMLText.cell(JSONWriter.format(f.durationMs, decimals: 3), sort: f.durationMs, classes: "n") + HTMLText.cell(f.connState) + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    /// An endpoint, with its role and the name the capture's DNS gave it.
    private static func endpointCell(_ f: FlowSummary, responder: Bool) -> String {
        let e = HTMLText.escaped
        let text = TableReportWriter.endpoint(f, responder: responder)
        let role = responder ? f.respRole : f.origRole
        let name = responder ? f.respName : f.origName
        var cell = "<td class=\"mono\">" + e(text)
        if role != "other" { cell += "<br><small>" + e(role) + "</small>" }
        if let name { cell += "<br><small>" + e(name) + "</small>" }
        return cell + "</td>"
    }

    private func section(_ id: String, _ title: String, rows: [(rank: Double, html: String)], total: Int, noun: String, order: String, head: [String]) -> String {
        var out = "<h2 id=\"\(id)\">\(title)</h2>\n"
        guard total > 0 else { return out + "<p>None seen.</p>\n" }
        out += "<p>\(TableReportWriter.counted(total, noun))"
        out += rows.count < total ? "; <span class=\"cut\">\(rows.count) shown (\(order)), \(TableReportWriter.count(total - rows.count)) not shown</span>.</p>\n" : ".</p>\n"
        out += "<table id=\"\(id)-table\" class=\"sortable\">\n<thead><tr>" + head.map { "<th>\($0)</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for r in rows.sorted(by: { $0.rank > $1.rank }) { out += r.html + "\n" }
        return out + "</tbody>\n</table>\n"
    }

    private func contextSection(_ report: FinalReport) -> String {
        let e = HTMLText.escaped
        let c = report.capture
        var out = "<h2 id=\"context\">Topology and capture</h2>\n<dl class=\"kv\">\n"
        for role in [Role.accessEdge, .avEdge, .webconfEdge] {
            let list = report.topology.prefixes(of: role).map(\.description)
            let inferred = report.inferred.contains { $0.role == role }
            out += "<dt>\(e(role.title))</dt><dd>\(e(list.isEmpty ? "unknown" : list.joined(separator: ", ")))\(inferred ? " (inferred)" : "")</dd>\n"
        }
        out += "<dt>Office 365 ranges</dt><dd>\(e(report.topology.ranges.source))</dd>\n"
        for f in c.files { out += "<dt>File</dt><dd class=\"mono\">\(e(f.path)): \(e(TableReportWriter.counted(f.packets, "packet")))</dd>\n" }
        out += "<dt>Captured</dt><dd>\(e(TableReportWriter.size(c.bytes)))\(c.truncatedPackets > 0 ? ", \(TableReportWriter.count(c.truncatedPackets)) packets cut by snaplen" : "")</dd>\n"
        let errors = c.decodeErrors.nonZero
        out += "<dt>Decode errors</dt><dd>\(e(errors.isEmpty ? "none" : errors.map { "\($0.0) \($0.1)" }.joined(separator: ", ")))</dd>\n"
        for w in c.warnings { out += "<dt>Warning</dt><dd>\(e(w.description))</dd>\n" }
        return out + "</dl>\n"
    }

    // MARK: Sections' rows, made as flows end.

    private func collect(_ app: AppReport, _ f: FlowSummary) {
        let from = HTMLText.cell(TableReportWriter.endpoint(f), classes: "mono")
        let to = HTMLText.cell(TableReportWriter.endpoint(f, responder: true), classes: "mono")
        if let t = app.tls {
            tlsFlows += 1
            let leaf = t.server.first
            let failed = t.outcome == .failed
            var expiry = "-", expiryClass = ""
            // Failed handshakes first, then the earliest expiry (seconds), then flows without a certificate.
            var rank = failed ? 1e12 : 0
            if let leaf, leaf.hasValidity {
                let days = Double(leaf.notAfter - t.serverSeenAt) / 86_400e9
                if leaf.expiredAtCapture(t.serverSeenAt) {
                    expiry = "expired"; expiryClass = "s-expired"
                } else if leaf.notYetValid(t.serverSeenAt) {
                    expiry = "not yet valid"; expiryClass = "s-expired"
                } else {
                    expiry = "\(JSONWriter.format(days, decimals: 0)) days left"
                    if days < 30 { expiryClass = "s-soon" }
                }
                rank += 1e11 - Double(leaf.notAfter) / 1e9
            }
            let ms = t.handshakeDuration.map { Double($0) / 1e6 }
            let html = "<tr>" + from + to + HTMLText.cell(t.sni ?? "-", classes: "mono") + HTMLText.cell(t.version?.description ?? "-")
                + HTMLText.cell(t.cipher ?? "-", classes: "mono") + HTMLText.cell(t.outcome.name, classes: "s-" + t.outcome.name)
                + HTMLText.cell(ms.map { JSONWriter.format($0, decimals: 1) } ?? "-", sort: ms ?? -1, classes: "n")
                + HTMLText.cell(t.outcome == .notCaptured ? "-" : t.clientCertificate.name)
                + HTMLText.cell(leaf?.subject ?? "-", classes: "mono") + HTMLText.cell(leaf?.issuer ?? "-", classes: "mono")
                + HTMLText.cell(leaf.flatMap { $0.hasValidity ? TimeFormat.iso8601($0.notAfter) : nil } ?? "-",
                                sort: leaf.flatMap { $0.hasValidity ? Double($0.notAfter) : nil })
                + HTMLText.cell(expiry, classes: expiryClass.isEmpty ? nil : expiryClass) + "</tr>"
            keep(&tlsRows, (rank, html))
        }
        if let stun = app.stun {
            stunFlows += 1
            let st = stun.stats
            var notes: [String] = []
            if st.msTURN { notes.append("MS-TURN" + (st.msVersion.map { " v\($0)" } ?? "")) }
            if !stun.errors.isEmpty { notes.append("errors " + stun.errors.map { "\($0.code)×\($0.count)" }.joined(separator: ",")) }
            if st.retransmissions > 0 { notes.append("retransmissions \(st.retransmissions)") }
            if st.allocateFailures > 0 { notes.append("allocate failures \(st.allocateFailures)") }
            if st.allocateSuccesses > 0 { notes.append("allocated" + (st.lifetime.map { " \($0)s" } ?? "")) }
            if st.channelDataPackets > 0 { notes.append("channel data \(st.channelDataPackets)") }
            let html = "<tr>" + from + to + HTMLText.cell(st.messages) + HTMLText.cell(st.matched) + HTMLText.cell(st.unanswered)
                + HTMLText.cell(stun.rtt.map { JSONWriter.format($0.p50, decimals: 3) } ?? "-", sort: stun.rtt?.p50 ?? -1, classes: "n")
                + HTMLText.cell(stun.rtt.map { JSONWriter.format($0.p95, decimals: 3) } ?? "-", sort: stun.rtt?.p95 ?? -1, classes: "n")
                + HTMLText.cell(notes.joined(separator: "; ")) + "</tr>"
            keep(&stunRows, (Double(st.messages), html))
        }
        if let d = app.dtls {
            dtlsFlows += 1
            var alerts: [String] = []
            for (alert, fromResponder) in [(d.origAlert, false), (d.respAlert, true)] {
                if let a = alert { alerts.append("\(a.levelName) \(a.name) from \(fromResponder ? "responder" : "originator")") }
            }
            if d.encryptedAlerts > 0 { alerts.append("encrypted \(d.encryptedAlerts)") }
            let ms = d.handshakeDuration.map { Double($0) / 1e6 }
            let html = "<tr>" + from + to + HTMLText.cell(d.version?.description ?? "-") + HTMLText.cell(d.outcome.name, classes: "s-" + d.outcome.name)
                + HTMLText.cell(ms.map { JSONWriter.format($0, decimals: 1) } ?? "-", sort: ms ?? -1, classes: "n")
                + HTMLText.cell(d.cipher ?? "-", classes: "mono") + HTMLText.cell(d.srtpProfile?.description ?? "-", classes: "mono")
                + HTMLText.cell(alerts.joined(separator: "; ")) + "</tr>"
            keep(&dtlsRows, ((d.outcome == .failed ? 1e18 : 0) + Double(f.origPkts + f.respPkts), html))
        }
        for s in app.rtp {
            mediaStreams += 1
            let loss = s.lossFraction
            // The row (with its chart) is made only when it will be kept.
            guard mediaRows.count < Self.sectionRows || mediaRows.contains(where: { $0.rank < loss }) else { continue }
            let sender = TableReportWriter.endpoint(f, responder: !s.fromOriginator), receiver = TableReportWriter.endpoint(f, responder: s.fromOriginator)
            let html = "<tr>" + HTMLText.cell("0x" + String(s.ssrc, radix: 16), classes: "mono")
                + HTMLText.cell(sender, classes: "mono") + HTMLText.cell(receiver, classes: "mono")
                + HTMLText.cell(Int(s.payloadType)) + HTMLText.cell(Int(s.stats.packets)) + HTMLText.cell(Int(s.stats.lostForReport))
                + HTMLText.cell(JSONWriter.format(loss * 100, decimals: 2), sort: loss, classes: loss > 0.1 ? "n s-error" : "n")
                + HTMLText.cell(JSONWriter.format(s.stats.jitterMilliseconds, decimals: 2), sort: s.stats.jitterMilliseconds,
                                classes: s.stats.jitterMilliseconds > 30 ? "n s-error" : "n")
                + HTMLText.cell(JSONWriter.format(s.stats.maxJitterMilliseconds, decimals: 2), sort: s.stats.maxJitterMilliseconds, classes: "n")
                + "<td>" + HTMLTimeline.svg(s.stats, id: "tl-\(f.uid)-\(String(s.ssrc, radix: 16))-\(s.fromOriginator ? "o" : "r")",
                                            title: "SSRC 0x\(String(s.ssrc, radix: 16)) \(sender) → \(receiver) (flow \(f.uid))", classes: "timeline small") + "</td></tr>"
            keep(&mediaRows, (loss, html))
        }
    }

    /// Keeps the `sectionRows` rows of greatest rank.
    private func keep(_ rows: inout [(rank: Double, html: String)], _ row: (rank: Double, html: String)) {
        if rows.count < Self.sectionRows { rows.append(row); return }
        if let i = rows.indices.min(by: { rows[$0].rank < rows[$1].rank }), rows[i].rank < row.rank { rows[i] = row }
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// The HTML form (`--format html`): built from the report's values, escaped, self-contained
/// and bounded. Its rendering in a browser is checked by Tests/Live/html_test.sh.
@Suite("HTML report")
struct HTMLReportTests {
    let sample = repositoryRoot + "/Captures/edge-sample.pcap"

    /// Keeps every flow and the final report, to feed the HTML writer changed values.
    final class Recorder: ReportWriter {
        var flows: [FlowSummary] = []
        var report: FinalReport?
        func flow(_ flow: FlowSummary) { flows.append(flow) }
        func finish(_ report: FinalReport) { self.report = report }
    }

    /// The page for `paths` as `edgeflow analyze --format html --top top` writes it.
    private func page(top: Int) throws -> String {
        let out = scratchPath("report") + ".html"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = AnalyzeOptions(paths: [sample])
        options.format = .html
        options.top = top
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream) { _ in }
        try stream.close()
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    /// The cells of the table row that opens with `open`, tags removed, and their `data-v` values.
    private func row(_ html: String, opening open: String) throws -> (cells: [String], values: [String]) {
        let start = try #require(html.range(of: open))
        let end = try #require(html.range(of: "</tr>", range: start.upperBound..<html.endIndex))
        let text = String(html[start.upperBound..<end.lowerBound])
        let cells = text.matches(of: /<td[^>]*>(.*?)<\/td>/).map { String($0.output.1).replacing(/<[^>]*>/, with: " ") }
        let values = text.matches(of: /data-v="([^"]*)"/).map { String($0.output.1) }
        return (cells, values)
    }

    @Test("the verdict and the six rules carry the JSON report's values")
    func rulesMatchJSON() throws {
        let json = try analyzeJSON([sample])
        let html = try page(top: 20)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        let rules = try #require(json["rules"] as? [[String: Any]])
        #expect(rules.count == 6)
        #expect(html.matches(of: /<tr data-rule="/).count == 6)
        for rule in rules {
            let id = try #require(rule["id"] as? String)
            let r = try row(html, opening: "<tr data-rule=\"\(id)\">")
            #expect(r.cells.first == id)
            #expect(r.values == ["flows", "flows_opened", "flows_answered", "packets", "bytes"].map { "\(rule[$0] as? Int ?? -1)" }, "\(id)")
            let status = try #require(rule["status"] as? String)
            #expect(r.cells.last?.hasPrefix(status) == true, "\(id): \(r.cells.last ?? "")")
        }
        // The verdict: the JSON's violations and rule states in words (the sample has both).
        let verdict = try #require(html.firstMatch(of: /<p id="verdict" class="verdict (ok|bad)">Verdict: ([^<]*)<\/p>/))
        let violations = json.flows.filter { $0["verdict"] as? String == "violation" }.count
        #expect(violations > 0 && verdict.output.1 == "bad")
        #expect(verdict.output.2.hasPrefix("\(violations) violation"))
        let unanswered = rules.filter { $0["status"] as? String == "unanswered" }.count
        if unanswered > 0 { #expect(verdict.output.2.contains("\(unanswered) required rule") && verdict.output.2.contains("never answered")) }
        // Every finding, with its code and severity.
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(!findings.isEmpty)
        for f in findings {
            #expect(html.contains(">\(f["code"] as? String ?? "?")</td>"))
        }
    }

    @Test("the flow table keeps the --top largest flows and says how many were left out")
    func bounded() throws {
        let json = try analyzeJSON([sample])
        let total = json.flows.count
        let html = try page(top: 3)
        #expect(html.matches(of: /<tr id="f-/).count == 3)
        #expect(html.contains("\(total - 3) not shown: raise --top"))
        // The three largest by IP bytes, as the JSON counts them.
        let largest = json.flows.sorted { ($0["orig_ip_bytes"] as! Int) + ($0["resp_ip_bytes"] as! Int) > ($1["orig_ip_bytes"] as! Int) + ($1["resp_ip_bytes"] as! Int) }
        for f in largest.prefix(2) {
            let uid = try #require(f["uid"] as? String)
            let r = try row(html, opening: "<tr id=\"f-\(uid)\"")
            #expect(r.values.contains("\((f["orig_ip_bytes"] as! Int) + (f["resp_ip_bytes"] as! Int))"))
        }
        let all = try page(top: 1000)
        #expect(all.matches(of: /<tr id="f-/).count == total && !all.contains("not shown: raise --top"))
    }

    @Test("nothing is fetched: no network address, no external script, style, font or image")
    func selfContained() throws {
        let html = try page(top: 1000)
        #expect(html.matches(of: /(?i)\b(src|srcset|action|formaction|poster|data|background)\s*=/).isEmpty)
        // Links only to the page's own anchors.
        for link in html.matches(of: /(?i)href\s*=\s*"([^"]*)"/) { #expect(link.output.1.hasPrefix("#"), "\(link.output.1)") }
        #expect(html.matches(of: /(?i)https?:\/\/|url\s*\(|@import|<link|<img|<iframe|<object|<embed|<base/).isEmpty)
        #expect(html.matches(of: /<script/).count == 1 && html.contains("<script>\n(function(){"))
        #expect(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\""))
    }

    @Test("strings from the capture are escaped: SNI, certificate names, DNS names, finding text")
    func hostileStrings() throws {
        let hostile = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>&amp;"
        let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;&amp;amp;"
        let recorder = Recorder()
        var options = AnalyzeOptions(paths: [sample])
        options.format = .csv
        try AnalyzeJob(options: options).run(output: OutputStream(path: "/dev/null"), exporters: [recorder]) { _ in }
        var flows = recorder.flows
        var report = try #require(recorder.report)
        let tls = try #require(flows.firstIndex { $0.app?.tls != nil })
        let app = try #require(flows[tls].app)
        var part = try #require(app.tls)
        part.sni = hostile
        var certificate = CertificateSummary()
        certificate.subject = "CN=" + hostile
        certificate.issuer = "O=" + hostile
        part.server = [certificate]
        flows[tls].app = AppReport(app, tls: part)
        flows[0].origName = hostile
        flows[0].uid = hostile
        flows[0].reason = hostile
        report.findings[0].message = hostile
        report.findings[0].flows = [hostile]

        let out = scratchPath("hostile") + ".html"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let stream = try OutputStream(path: out)
        let writer = makeReportWriter(.html, output: stream, top: 1000, color: false)
        for f in flows { writer.flow(f) }
        writer.finish(report)
        try stream.close()
        let html = try String(contentsOfFile: out, encoding: .utf8)

        #expect(!html.contains("<script>alert") && !html.contains("<img") && !html.contains("\"'>"))
        #expect(html.matches(of: /<script/).count == 1)
        // Each place the value went: the SNI, subject, issuer, name, uid (text and anchors), reason, finding.
        #expect(html.ranges(of: escaped).count >= 8, "\(html.ranges(of: escaped).count)")
        #expect(html.contains("<td class=\"mono\">CN=\(escaped)</td>") && html.contains("<td class=\"mono\">O=\(escaped)</td>"))
        #expect(html.contains("<tr id=\"f-\(escaped)\""))
        #expect(html.contains("<a href=\"#f-\(escaped)\">\(escaped)</a>"))
    }

    @Test("escaping: markup and attribute quotes become references, control characters U+FFFD")
    func escaping() {
        #expect(HTMLText.escaped("plain sip.contoso.com") == "plain sip.contoso.com")
        #expect(HTMLText.escaped("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;")
        #expect(HTMLText.escaped("x\u{0}y\u{1B}z\u{7F}\tü") == "x\u{FFFD}y\u{FFFD}z\u{FFFD}\tü")
    }
}

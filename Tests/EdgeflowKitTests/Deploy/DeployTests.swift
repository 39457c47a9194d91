import Foundation
import Testing
@testable import EdgeflowKit

/// The files under deploy/: Prometheus rules (promtool), the Grafana dashboard (every metric
/// it and the rules query is one edgeflow exports) and the systemd service (systemd-analyze,
/// systemd-tmpfiles). Needs promtool (Debian's `prometheus`) and systemd on PATH.
@Suite("Deploy files")
struct DeployTests {
    static let deploy = repositoryRoot + "/deploy"
    static let rules = deploy + "/prometheus/edgeflow-rules.yml"
    static let ruleTests = deploy + "/prometheus/tests/edgeflow-rules.test.yml"
    static let dashboard = deploy + "/grafana/edgeflow.json"
    static let unit = deploy + "/systemd/edgeflow-live.service"

    @Test("promtool check rules accepts edgeflow-rules.yml")
    func rulesCheck() throws {
        let r = try runTool(["promtool", "check", "rules", Self.rules], package: "prometheus")
        #expect(r.status == 0 && r.output.contains("SUCCESS"), "\(r.output)")
    }

    /// Each threshold changed, and the alert whose tests must then fail.
    static let thresholdChanges = [
        // STUN unanswered share from 20 % to 50 %.
        ("ratio15m > 0.2", "ratio15m > 0.5", "EdgeflowSTUNUnanswered"),
        // Poor media without its minimum count: one poor stream of two pages.
        ("poor:increase30m >= 6", "poor:increase30m >= 1", "EdgeflowPoorMedia"),
    ]

    @Test("promtool's unit tests of the rules pass, and fail when a threshold changes", arguments: [nil] + thresholdChanges.indices.map { Optional($0) })
    func rulesUnitTests(change: Int?) throws {
        guard let change else {
            let r = try runTool(["promtool", "test", "rules", Self.ruleTests], package: "prometheus")
            #expect(r.status == 0 && r.output.contains("SUCCESS"), "\(r.output)")
            return
        }
        let (from, to, alert) = Self.thresholdChanges[change]
        let dir = scratchPath("rules")
        try FileManager.default.createDirectory(atPath: dir + "/tests", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rules = try String(contentsOfFile: Self.rules, encoding: .utf8)
        #expect(rules.contains(from))
        try rules.replacingOccurrences(of: from, with: to).write(toFile: dir + "/edgeflow-rules.yml", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Self.ruleTests, toPath: dir + "/tests/t.yml")
        let changed = try runTool(["promtool", "test", "rules", dir + "/tests/t.yml"], package: "prometheus")
        #expect(changed.status != 0 && changed.output.contains(alert), "\(changed.output)")
    }

    @Test("promtool check config accepts the example scrape configuration with the rules it loads")
    func exampleConfig() throws {
        let dir = scratchPath("promconfig")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try String(contentsOfFile: Self.deploy + "/prometheus/prometheus-example.yml", encoding: .utf8)
        #expect(config.contains("job_name: edgeflow") && config.contains("/etc/prometheus/edgeflow-rules.yml"))
        try config.replacingOccurrences(of: "/etc/prometheus/edgeflow-rules.yml", with: Self.rules).write(toFile: dir + "/p.yml", atomically: true, encoding: .utf8)
        let r = try runTool(["promtool", "check", "config", dir + "/p.yml"], package: "prometheus")
        #expect(r.status == 0 && r.output.contains("SUCCESS: 1 rule files found"), "\(r.output)")
    }

    /// The exposition of an analysis of the bundled sample plus one live interval (drops and
    /// live flows move only in live runs).
    static func exposition() throws -> String {
        final class Keep: ReportWriter {
            var report: FinalReport?
            func flow(_ flow: FlowSummary) {}
            func finish(_ report: FinalReport) { self.report = report }
        }
        let metrics = MetricsExporter(), keep = Keep()
        var options = AnalyzeOptions(paths: [repositoryRoot + "/Captures/edge-sample.pcap"])
        options.format = .json
        let out = scratchPath("deploy") + ".json"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream, exporters: [metrics, keep]) { _ in }
        try stream.close()
        let report = try #require(keep.report)
        metrics.interval(LiveStatus(report: report, now: 0, intervalLength: 1_000_000_000, intervalPackets: 0, intervalBytes: 0,
                                    liveFlows: 3, kernelDrops: 2, interfaceDrops: 0, newFindings: []))
        return String(decoding: metrics.exposition(), as: UTF8.self)
    }

    /// Sample names and, per name, the label names its series carry.
    static func series(_ exposition: String) -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            var labels = out[name] ?? []
            if let open = line.firstIndex(of: "{") {
                for m in line[open...].matches(of: /([a-z_]+)="/) { labels.insert(String(m.1)) }
            }
            out[name] = labels
        }
        return out
    }

    /// Every PromQL expression of the rules and of the dashboard's panels.
    static func expressions() throws -> [String] {
        let rules = try String(contentsOfFile: Self.rules, encoding: .utf8)
        var exprs: [String] = []
        // `expr: ...` on one line, or folded (`expr: >`) over the more indented lines below.
        let lines = rules.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() {
            guard let r = line.range(of: "expr: ") else { continue }
            var text = String(line[r.upperBound...])
            if text == ">" {
                text = lines[(i + 1)...].prefix { $0.hasPrefix(String(repeating: " ", count: line.prefix { $0 == " " }.count + 2)) }.joined(separator: " ")
            }
            exprs.append(text)
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.dashboard))) as! [String: Any]
        for panel in json["panels"] as! [[String: Any]] {
            for target in panel["targets"] as! [[String: Any]] { exprs.append(target["expr"] as! String) }
        }
        return exprs
    }

    @Test("every edgeflow metric and label the rules and the dashboard query is in edgeflow's exposition; every recording rule they read is defined")
    func metricNamesExist() throws {
        let exported = Self.series(try Self.exposition())
        let exprs = try Self.expressions()
        #expect(exprs.count >= 40)
        let rules = try String(contentsOfFile: Self.rules, encoding: .utf8)
        let recorded = Set(rules.matches(of: /record: ([a-z_:0-9]+)/).map { String($0.1) })
        var used: Set<String> = []
        for e in exprs {
            for m in e.matches(of: /(edgeflow_[a-z0-9_]+)(\{[^}]*\})?/) {
                let name = String(m.1)
                used.insert(name)
                #expect(exported[name] != nil, "\(name) is not exported: \(e)")
                for l in (m.2.map(String.init) ?? "").matches(of: /([a-z_]+)\s*(=~|!~|!=|=)/) where l.1 != "job" && l.1 != "instance" {
                    #expect(exported[name]?.contains(String(l.1)) == true, "\(name) has no label \(l.1)")
                }
            }
            for m in e.matches(of: /edgeflow:[a-z0-9_:]+/) { #expect(recorded.contains(String(m.0)), "\(m.0) is not a recording rule") }
        }
        // What the issue asks the rules and the dashboard to cover.
        for name in ["edgeflow_rule_seen", "edgeflow_rule_flows_total", "edgeflow_rule_answered_flows_total", "edgeflow_rule_packets_total",
                     "edgeflow_tls_handshake_failures_by_port_total", "edgeflow_certificate_expiry_timestamp_seconds",
                     "edgeflow_stun_requests_unanswered_total", "edgeflow_turn_allocations_total", "edgeflow_capture_drops_total",
                     "edgeflow_stun_rtt_seconds_bucket", "edgeflow_flows_total", "edgeflow_tls_handshakes_total",
                     "edgeflow_rtp_streams_total", "edgeflow_rtp_mos_bucket", "edgeflow_rtp_loss_ratio_bucket",
                     "edgeflow_rtp_jitter_seconds_bucket", "edgeflow_calls_total", "edgeflow_call_streams_total"] {
            #expect(used.contains(name), "\(name) is not used")
        }
    }

    @Test("the new metrics carry the sample's values: the expired certificate's notAfter, the failed handshake on 5061, TURN allocations, rule flows")
    func newMetricValues() throws {
        let text = try Self.exposition()
        // tshark -r Captures/edge-sample.pcap -Y 'x509af.notAfter' shows sip.contoso.com's
        // certificate valid until 2026-02-14 (the report's certificate_expired finding).
        // The sample has two sip.contoso.com certificates (the other valid until 2027-01-15);
        // series come in no fixed order.
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("edgeflow_certificate_expiry_timestamp_seconds{") && $0.contains("cn=\"sip.contoso.com\"") }
        #expect(!lines.isEmpty, "\(text)")
        #expect(lines.allSatisfy { $0.contains("role=\"access_edge\"") })
        let days = try lines.map { line in
            let value = try #require(Double(line.split(separator: " ").last!))
            return Date(timeIntervalSince1970: value).formatted(.iso8601.year().month().day())
        }
        #expect(days.contains("2026-02-14"))
        #expect(text.contains("edgeflow_tls_handshake_failures_by_port_total{port=\"5061\",alert=\"certificate_expired\"} 1"))
        #expect(text.contains("edgeflow_rule_flows_total{rule=\"sip-mtls-out\"} 4"))
        #expect(text.contains("edgeflow_rule_answered_flows_total{rule=\"sip-mtls-out\"}"))
        // tshark -r Captures/edge-sample.pcap -Y '(ip.src==203.0.113.10 || ipv6.src==2001:db8:10::10)
        // && tcp.dstport==5061': 26 frames from the Access Edge to Office 365.
        #expect(text.contains("edgeflow_rule_packets_total{rule=\"sip-mtls-out\"} 26"))
        #expect(text.contains("edgeflow_turn_allocations_total{rule=\"stun-udp-out\",outcome=\"success\"}"))
        #expect(text.contains("edgeflow_capture_drops_total{where=\"kernel\"} 2"))
    }

    @Test("every exported metric family is in the README's cardinality table")
    func readmeDocumentsEveryFamily() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let families = try Self.exposition().split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) }
        #expect(families.count >= 20)
        // The first cell of each row of the table names one or more metrics.
        let named = readme.split(separator: "\n").filter { $0.hasPrefix("| `edgeflow_") }.map { $0.split(separator: "|")[0] }
        for f in families { #expect(named.contains { $0.contains("`\(f)`") }, "\(f) is not in the README's metrics table") }
    }

    /// The unit with its ExecStart pointing at the built binary (systemd-analyze verify
    /// requires the command to exist), in a scratch directory.
    static func unitCopy(_ edit: (String) -> String = { $0 }) throws -> String {
        let dir = scratchPath("unit")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        #expect(text.contains("ExecStart=/usr/local/bin/edgeflow live "))
        try edit(text.replacingOccurrences(of: "/usr/local/bin/edgeflow", with: buildProductsDirectory + "/edgeflow"))
            .write(toFile: dir + "/edgeflow-live.service", atomically: true, encoding: .utf8)
        return dir + "/edgeflow-live.service"
    }

    @Test("systemd-analyze verify finds nothing to say about the service, and does about a misspelt one")
    func unitVerifies() throws {
        let good = try Self.unitCopy()
        defer { try? FileManager.default.removeItem(atPath: (good as NSString).deletingLastPathComponent) }
        let r = try runTool(["systemd-analyze", "verify", good], package: "systemd")
        #expect(r.status == 0 && r.output.isEmpty, "\(r.output)")
        let bad = try Self.unitCopy { $0.replacingOccurrences(of: "ProtectSystem=strict", with: "ProtectSystem=stricter") }
        defer { try? FileManager.default.removeItem(atPath: (bad as NSString).deletingLastPathComponent) }
        let b = try runTool(["systemd-analyze", "verify", bad], package: "systemd")
        #expect(b.output.contains("stricter"), "\(b.output)")
    }

    @Test("the service runs unprivileged with only CAP_NET_RAW and CAP_NET_ADMIN, a read-only system but the log directory, restarts on failure and stops with SIGTERM")
    func unitSettings() throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        let settings = Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains("=") }.map(String.init))
        for s in ["User=edgeflow", "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN", "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN",
                  "NoNewPrivileges=yes", "ProtectSystem=strict", "LogsDirectory=edgeflow", "Restart=on-failure", "KillSignal=SIGTERM",
                  "EnvironmentFile=/etc/edgeflow/edgeflow-live.env"] {
            #expect(settings.contains(s), "\(s)")
        }
        // It writes where LogsDirectory= makes writable, and every variable it reads is in the example settings.
        #expect(text.contains("--out /var/log/edgeflow/flows.ndjson --rotate ${EDGEFLOW_ROTATE}"))
        let env = try String(contentsOfFile: Self.deploy + "/systemd/edgeflow-live.env", encoding: .utf8)
        for m in text.matches(of: /\$\{?(EDGEFLOW_[A-Z_]+)/) { #expect(env.contains("\n\(m.1)="), "\(m.1)") }
    }

    @Test("systemd-tmpfiles removes rotated logs not modified for 14 days and keeps the current one")
    func logCleanup() throws {
        let root = scratchPath("tmpfiles")
        let logs = root + "/var/log/edgeflow"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let old = logs + "/flows.ndjson.20260101T000000Z", recent = logs + "/flows.ndjson.20260301T000000Z", current = logs + "/flows.ndjson"
        for p in [old, recent, current] { _ = FileManager.default.createFile(atPath: p, contents: Data("{}\n".utf8)) }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-15 * 86400)], ofItemAtPath: old)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-13 * 86400)], ofItemAtPath: recent)
        let r = try runTool(["systemd-tmpfiles", "--root=" + root, "--clean", Self.deploy + "/systemd/edgeflow-tmpfiles.conf"], package: "systemd")
        #expect(r.status == 0, "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(FileManager.default.fileExists(atPath: recent) && FileManager.default.fileExists(atPath: current))
    }
}

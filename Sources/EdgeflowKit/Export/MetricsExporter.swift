import CoreMetrics
import Prometheus

/// Prometheus metrics through swift-metrics, with swift-prometheus as the backend and its
/// own registry (no process-wide bootstrap). Flow metrics (media ones in MediaMetrics.swift)
/// move when flows end, call metrics when calls end; capture
/// metrics at every interval (live) or at the end (analyze). Names follow Prometheus
/// conventions: `_total` for counters, base units (seconds, bytes).
public final class MetricsExporter: ReportWriter {
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private var counters: [String: CoreMetrics.Counter] = [:]
    private var gauges: [String: CoreMetrics.Gauge] = [:]
    private var recorders: [String: CoreMetrics.Recorder] = [:]
    private let rtt: CoreMetrics.Timer
    private var reported = CaptureSummary()
    private var findingCodes: Set<String> = []
    private var certificates = CertificateExpiryGauges()
    /// Hybrid rules' flow counts at the last update (by rule id).
    private var ruleFlows: [String: (flows: Int, answered: Int, packets: Int)] = [:]

    public init() {
        var f = PrometheusMetricsFactory(registry: registry)
        // STUN round trips: 1 ms to 2 s.
        f.durationHistogramBuckets["edgeflow_stun_rtt_seconds"] = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2000].map { .milliseconds($0) }
        Self.mediaBuckets(&f)
        factory = f
        rtt = CoreMetrics.Timer(label: "edgeflow_stun_rtt_seconds", dimensions: [], factory: f)
        // The hybrid rules' series exist from the start at 0, so that Prometheus's increase()
        // sees a rule's first flows (a series born at its first value hides that value).
        for r in PortTables.hybrid {
            for name in ["edgeflow_rule_flows_total", "edgeflow_rule_answered_flows_total", "edgeflow_rule_packets_total",
                         "edgeflow_stun_transactions_total", "edgeflow_stun_requests_unanswered_total"] {
                counter(name, [("rule", r.id)]).increment(by: 0)
            }
        }
        createMediaSeries()
    }

    func counter(_ name: String, _ labels: [(String, String)] = []) -> CoreMetrics.Counter {
        cached(&counters, name, labels) { CoreMetrics.Counter(label: $0, dimensions: $1, factory: factory) }
    }

    private func gauge(_ name: String, _ labels: [(String, String)] = []) -> CoreMetrics.Gauge {
        cached(&gauges, name, labels) { CoreMetrics.Gauge(label: $0, dimensions: $1, factory: factory) }
    }

    /// A histogram (its buckets set in `init`).
    func recorder(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Recorder {
        cached(&recorders, name, labels) { CoreMetrics.Recorder(label: $0, dimensions: $1, aggregate: true, factory: factory) }
    }

    /// One instrument per name and labels, made on first use.
    private func cached<M>(_ cache: inout [String: M], _ name: String, _ labels: [(String, String)],
                           make: (String, [(String, String)]) -> M) -> M {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        if let m = cache[key] { return m }
        let m = make(name, labels)
        cache[key] = m
        return m
    }

    /// The text exposition format (what `/metrics` serves).
    public func exposition() -> [UInt8] { Self.withHelp(registry.emitToBuffer()) }

    /// What each metric family counts: its `# HELP` line.
    static let help: [String: String] = MediaMetrics.help.merging([
        "edgeflow_flows_total": "Flows ended, by hybrid rule, verdict and the roles of originator and responder.",
        "edgeflow_flow_packets_total": "Packets of ended flows (both directions), by rule, verdict and roles.",
        "edgeflow_flow_bytes_total": "IP bytes of ended flows (both directions), by rule, verdict and roles.",
        "edgeflow_stun_requests_total": "STUN/TURN requests of ended flows, by rule.",
        "edgeflow_stun_transactions_total": "STUN/TURN transactions answered by a response (a request and its retransmissions count once), by rule.",
        "edgeflow_stun_requests_unanswered_total": "STUN/TURN transactions never answered (a request and its retransmissions count once), by rule.",
        "edgeflow_stun_rtt_seconds": "STUN/TURN round-trip times, request to response.",
        "edgeflow_tls_handshakes_total": "TLS handshakes of ended flows, by outcome.",
        "edgeflow_tls_handshake_failures_total": "Failed TLS handshakes, by the alert that ended them.",
        "edgeflow_live_flows": "Flows in the flow table (live runs; 0 after the final report).",
        "edgeflow_capture_drops_total": "Packets dropped before edgeflow saw them, by the kernel or the interface (live runs).",
        "edgeflow_capture_packets_total": "Packets read.",
        "edgeflow_capture_bytes_total": "Captured bytes read.",
        "edgeflow_flows_evicted_total": "Flows evicted at --max-flows before they ended.",
        "edgeflow_decode_errors_total": "Packets whose layers could not be decoded, by reason.",
        "edgeflow_rule_seen": "1 when packets went the hybrid rule's way (between its roles and ports, on any flow, ended or open), else 0.",
        "edgeflow_rule_answered": "1 when packets of the hybrid rule were part of an answered exchange, else 0.",
        "edgeflow_rule_flows_total": "Flows that carried packets the hybrid rule's way (ended flows), by rule.",
        "edgeflow_rule_answered_flows_total": "Flows of the hybrid rule whose exchange was answered (ended flows), by rule.",
        "edgeflow_rule_packets_total": "Packets that went the hybrid rule's way, by rule: of ended flows, and of open flows up to the last interval (a connection open for days moves it).",
        "edgeflow_tls_handshake_failures_by_port_total": "Failed TLS handshakes by the responder's port (5061, 443 or other) and the alert that ended them.",
        "edgeflow_turn_allocations_total": "TURN Allocate transactions that ended in a success or an error other than the 401 challenge (failure), by rule.",
        "edgeflow_certificate_expiry_timestamp_seconds": "notAfter of each leaf certificate seen in a TLS handshake (seconds since the epoch), by the sender's role, common name and SHA-256 (at most 64 certificates: those of Edge roles and Office 365 first, then the soonest to expire; one unseen for 24 h is dropped).",
        "edgeflow_findings": "Flows behind each finding of the report (1 for a finding without flows; 0 once it went away), by code and severity.",
    ]) { a, _ in a }

    /// The exposition with a `# HELP` line before each family's `# TYPE` line (swift-metrics
    /// instruments carry no help text to the registry).
    public static func withHelp(_ exposition: [UInt8]) -> [UInt8] {
        var out = ""
        for line in String(decoding: exposition, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.split(separator: " ").dropFirst(2).first, let text = help[String(name)] {
                out += "# HELP \(name) \(text)\n"
            }
            out += line + "\n"
        }
        return Array(out.utf8.dropLast())
    }

    public func flow(_ f: FlowSummary) {
        let labels = [("rule", f.rule ?? "none"), ("verdict", f.verdict), ("orig_role", f.origRole), ("resp_role", f.respRole)]
        counter("edgeflow_flows_total", labels).increment()
        counter("edgeflow_flow_packets_total", labels).increment(by: f.origPkts + f.respPkts)
        counter("edgeflow_flow_bytes_total", labels).increment(by: f.origIPBytes + f.respIPBytes)
        guard let app = f.app else { return }
        media(f, app)
        let rule = [("rule", f.rule ?? "none")]
        if let stun = app.stun {
            let s = stun.stats
            counter("edgeflow_stun_requests_total", rule).increment(by: stun.byMethod.reduce(0) { $0 + $1.counts[0] })
            counter("edgeflow_stun_transactions_total", rule).increment(by: s.matched)
            counter("edgeflow_stun_requests_unanswered_total", rule).increment(by: s.unanswered)
            if s.allocateRequests > 0 {
                counter("edgeflow_turn_allocations_total", rule + [("outcome", "success")]).increment(by: s.allocateSuccesses)
                counter("edgeflow_turn_allocations_total", rule + [("outcome", "failure")]).increment(by: s.allocateFailures)
            }
            for i in 0..<min(s.rttCount, STUNFlowStats.rttSlots) { rtt.recordNanoseconds(s.rtt[i]) }
        }
        if let tls = app.tls {
            let outcome = tls.outcome.name
            counter("edgeflow_tls_handshakes_total", [("outcome", outcome)]).increment()
            if tls.outcome == .failed {
                let alert = tls.origAlert?.name ?? tls.respAlert?.name ?? "encrypted"
                counter("edgeflow_tls_handshake_failures_total", [("alert", alert)]).increment()
                let port = f.respP == 5061 ? "5061" : f.respP == 443 ? "443" : "other"
                counter("edgeflow_tls_handshake_failures_by_port_total", [("port", port), ("alert", alert)]).increment()
            }
            // Not through the instrument cache: these series come and go.
            let make = { [factory] in CoreMetrics.Gauge(label: CertificateExpiryGauges.name, dimensions: $0, factory: factory) }
            // Times come from the capture (hostile): no trapping conversion or sum.
            let ns = f.durationMs * 1e6
            let end = ns.isFinite && abs(ns) < 9e18 ? f.ts &+ Int64(ns) : f.ts
            if let leaf = tls.server.first { certificates.saw(leaf, role: f.respRole, at: end, make: make) }
            if let leaf = tls.client.first { certificates.saw(leaf, role: f.origRole, at: end, make: make) }
        }
    }

    public func interval(_ status: LiveStatus) {
        update(status.report)
        gauge("edgeflow_live_flows").record(status.liveFlows)
        counter("edgeflow_capture_drops_total", [("where", "kernel")]).increment(by: max(0, status.kernelDrops - dropsSeen.kernel))
        counter("edgeflow_capture_drops_total", [("where", "interface")]).increment(by: max(0, status.interfaceDrops - dropsSeen.interface))
        dropsSeen = (status.kernelDrops, status.interfaceDrops)
    }

    private var dropsSeen = (kernel: 0, interface: 0)

    public func finish(_ report: FinalReport) {
        update(report)
        gauge("edgeflow_live_flows").record(0)
    }

    /// Moves the capture counters by what happened since the last update, and sets the
    /// rule and finding gauges.
    private func update(_ report: FinalReport) {
        let c = report.capture
        counter("edgeflow_capture_packets_total").increment(by: c.packets - reported.packets)
        counter("edgeflow_capture_bytes_total").increment(by: c.bytes - reported.bytes)
        counter("edgeflow_flows_evicted_total").increment(by: max(0, c.flowsEvicted - reported.flowsEvicted))
        for error in DecodeError.allCases where c.decodeErrors[error] > reported.decodeErrors[error] {
            counter("edgeflow_decode_errors_total", [("reason", error.name)]).increment(by: c.decodeErrors[error] - reported.decodeErrors[error])
        }
        reported = c
        for r in report.rules {
            let before = ruleFlows[r.rule.id] ?? (0, 0, 0)
            // Packets of open flows count at once; a flow classified otherwise when it ends
            // (more role evidence) cannot take the counter back.
            let packets = r.packets + r.openPackets
            counter("edgeflow_rule_flows_total", [("rule", r.rule.id)]).increment(by: max(0, r.flows - before.flows))
            counter("edgeflow_rule_answered_flows_total", [("rule", r.rule.id)]).increment(by: max(0, r.answeredFlows - before.answered))
            counter("edgeflow_rule_packets_total", [("rule", r.rule.id)]).increment(by: max(0, packets - before.packets))
            ruleFlows[r.rule.id] = (max(r.flows, before.flows), max(r.answeredFlows, before.answered), max(packets, before.packets))
            gauge("edgeflow_rule_seen", [("rule", r.rule.id)]).record(r.flows > 0 || r.openPackets > 0 ? 1 : 0)
            gauge("edgeflow_rule_answered", [("rule", r.rule.id)]).record(r.answeredFlows > 0 ? 1 : 0)
        }
        var current: Set<String> = []
        for f in report.findings {
            gauge("edgeflow_findings", [("code", f.code.rawValue), ("severity", f.severity.rawValue)]).record(max(1, f.flowCount))
            current.insert(f.code.rawValue + "|" + f.severity.rawValue)
        }
        // A finding that went away reads 0 rather than its last value.
        for gone in findingCodes.subtracting(current) {
            let parts = gone.split(separator: "|").map(String.init)
            gauge("edgeflow_findings", [("code", parts[0]), ("severity", parts[1])]).record(0)
        }
        findingCodes = current
    }
}

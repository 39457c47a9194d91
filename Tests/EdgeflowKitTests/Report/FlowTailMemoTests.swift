import Foundation
import Testing
@testable import EdgeflowKit

/// The JSON, NDJSON and CSV forms copy a plain flow's members from `duration` on when the last
/// flow of its transport had the same values (`FlowTailMemo`): every flow must still show its own.
@Suite("Flow tails written once per kind of flow")
struct FlowTailMemoTests {
    /// A flow's counters as set here, and what its tail must say.
    struct Made {
        var proto: UInt8, port: UInt16, origPkts: Int, respPkts: Int, origBytes: Int, respBytes: Int
        var durationNs: Int64 = 0, rule: String? = nil
        /// What the report must show: duration in ms as text, conn_state.
        var duration: String, connState: String
        /// IP bytes beyond 28 a packet, the end reason, a verdict with no rule, TCP history events.
        var origIPExtra = 0, respIPExtra = 0
        var end = FlowRecord.EndReason.endOfInput, endText = "end_of_input"
        var plainVerdict: Classification.Verdict? = nil
        var events: [FlowHistory.Event] = [], historyText = ""

        var origIPBytes: Int { origBytes + 28 * origPkts + origIPExtra }
        var respIPBytes: Int { respBytes + 28 * respPkts + respIPExtra }
        var verdict: String { rule != nil ? "allowed" : plainVerdict?.rawValue ?? "unrelated" }
    }

    /// The usual UDP flow of these tests, on `port`: one 4-byte datagram, unanswered.
    private static func base(_ port: UInt16) -> Made {
        Made(proto: 17, port: port, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, duration: "0", connState: "S0")
    }

    private static let flows: [Made] = [
        Made(proto: 17, port: 40000, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, duration: "0", connState: "S0"),
        // The same values: the kept tail.
        Made(proto: 17, port: 40001, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, duration: "0", connState: "S0"),
        Made(proto: 17, port: 40002, origPkts: 2, respPkts: 1, origBytes: 8, respBytes: 20, durationNs: 1_500_000,
             duration: "1.5", connState: "SF"),
        Made(proto: 17, port: 40003, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, duration: "0", connState: "S0"),
        // Another transport between two alike UDP flows.
        Made(proto: 6, port: 40004, origPkts: 1, respPkts: 0, origBytes: 0, respBytes: 0, duration: "0", connState: "OTH"),
        Made(proto: 17, port: 40005, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, duration: "0", connState: "S0"),
        // A flow with a rule (text fields) is written in full, and changes no kept tail.
        Made(proto: 17, port: 40006, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, rule: "stun-udp-in",
             duration: "0", connState: "S0"),
        Made(proto: 17, port: 40007, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, duration: "0", connState: "S0"),
        // Counts that differ only in the responder's bytes.
        Made(proto: 17, port: 40008, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 1, duration: "0", connState: "S0"),
        // Each of the following differs from the kept tail (the flow before it) in one value only.
        base(40009),
        Made(proto: 17, port: 40010, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, durationNs: 2_000_000,
             duration: "2", connState: "S0"),
        base(40011),
        Made(proto: 17, port: 40012, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, duration: "0", connState: "S0",
             origIPExtra: 4),
        base(40013),
        Made(proto: 17, port: 40014, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, duration: "0", connState: "S0",
             respIPExtra: 20),
        base(40015),
        Made(proto: 17, port: 40016, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, duration: "0", connState: "S0",
             end: .idle, endText: "idle"),
        base(40017),
        Made(proto: 17, port: 40018, origPkts: 1, respPkts: 0, origBytes: 4, respBytes: 0, duration: "0", connState: "S0",
             plainVerdict: .violation),
        base(40019),
        // TCP flows alike but for their history (Zeek's letters: upper case from the originator).
        Made(proto: 6, port: 40020, origPkts: 1, respPkts: 0, origBytes: 0, respBytes: 0, duration: "0", connState: "OTH",
             events: [.syn], historyText: "S"),
        Made(proto: 6, port: 40021, origPkts: 1, respPkts: 0, origBytes: 0, respBytes: 0, duration: "0", connState: "OTH",
             events: [.data], historyText: "D"),
        Made(proto: 6, port: 40022, origPkts: 1, respPkts: 0, origBytes: 0, respBytes: 0, duration: "0", connState: "OTH"),
    ]

    private static func summary(_ m: Made) -> FlowSummary {
        let key = FlowKey(a: IPAddress("10.0.0.1")!, b: IPAddress("203.0.113.20")!, aPort: m.port, bPort: 3478, proto: m.proto,
                          ipVersion: 4)
        var r = FlowRecord(key: key, sequence: 0, originatorIsA: true, timestamp: 1_772_442_000_000_000_000)
        r.lastTimestamp = r.firstTimestamp + m.durationNs
        r.origPackets = m.origPkts; r.respPackets = m.respPkts
        r.origBytes = m.origBytes; r.respBytes = m.respBytes
        r.origIPBytes = m.origIPBytes; r.respIPBytes = m.respIPBytes
        for e in m.events { r.history.note(e, fromOriginator: true) }
        var s = FlowSummary(r, reason: m.end)
        if let rule = m.rule { s.rule = rule; s.verdict = "allowed" }
        if let v = m.plainVerdict { s.verdictKind = v }
        return s
    }

    private static func written(_ format: ReportFormat) throws -> String {
        let path = scratchPath("tails-\(format.rawValue)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try OutputStream(path: path)
        let writer = makeReportWriter(format, output: stream, top: 10, color: false)
        for m in flows { writer.flow(summary(m)) }
        finish(writer, format)
        try stream.close()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The JSON writer gathers its flow objects and hands them on with the report's end: it is
    /// written (an empty report after the flows); the other forms' flows are their whole text.
    private static func finish(_ writer: any ReportWriter, _ format: ReportFormat) {
        guard format == .json else { return }
        writer.finish(FinalReport(capture: CaptureSummary(), topology: Topology(ranges: Office365Ranges.embedded()), inferred: [],
                                  rules: [], findings: [], violations: 0, dns: DNSReport(DNSBook())))
    }

    @Test("JSON and NDJSON: each flow's counts, duration, state, rule and verdict are its own")
    func json() throws {
        let text = try Self.written(.json)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let jsonFlows = try #require(object?["flows"] as? [[String: Any]])
        let lines = try Self.written(.ndjson).split(separator: "\n")
        let ndjsonFlows = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        for flows in [jsonFlows, ndjsonFlows] {
            #expect(flows.count == Self.flows.count)
            for (m, f) in zip(Self.flows, flows) {
                #expect(f["orig_p"] as? Int == Int(m.port))
                #expect(f["orig_pkts"] as? Int == m.origPkts && f["resp_pkts"] as? Int == m.respPkts)
                #expect(f["orig_bytes"] as? Int == m.origBytes && f["resp_bytes"] as? Int == m.respBytes)
                #expect(f["orig_ip_bytes"] as? Int == m.origIPBytes)
                #expect(f["resp_ip_bytes"] as? Int == m.respIPBytes)
                #expect((f["duration"] as? NSNumber)?.stringValue == m.duration)
                #expect(f["conn_state"] as? String == m.connState)
                #expect(f["history"] as? String == m.historyText)
                #expect(f["rule"] as? String == m.rule)
                #expect(f["verdict"] as? String == m.verdict)
                #expect(f["end_reason"] as? String == m.endText)
            }
        }
    }

    @Test("CSV: each flow's columns from duration on are its own")
    func csv() throws {
        let rows = try Self.written(.csv).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == Self.flows.count + 1)
        let end = try #require(rows.first?.firstIndex(of: "end_reason"))
        for (m, row) in zip(Self.flows, rows.dropFirst()) {
            // duration, orig_pkts, resp_pkts, orig_bytes, resp_bytes, orig_ip_bytes, resp_ip_bytes, conn_state, history, rule, verdict
            let expected = [m.duration, "\(m.origPkts)", "\(m.respPkts)", "\(m.origBytes)", "\(m.respBytes)",
                            "\(m.origIPBytes)", "\(m.respIPBytes)", m.connState, m.historyText, m.rule ?? "", m.verdict]
            #expect(row[3] == "\(m.port)")
            #expect(row[11...21].map(String.init) == expected)
            #expect(row[end] == m.endText)
        }
    }

    /// Plain UDP flows in a row whose roles or services differ from the flow before them in
    /// one value each (the memo's middle: `orig_role` to `services`), with what each must show.
    private static let middles: [(orig: Role, resp: Role, services: [Service], service: String, list: [String])] = [
        (.other, .other, [], "unknown", []),
        (.other, .other, [], "unknown", []),
        (.office365, .other, [], "unknown", []),
        (.office365, .other, [], "unknown", []),
        (.office365, .avEdge, [], "unknown", []),
        (.office365, .avEdge, [.stun], "stun", ["stun"]),
        (.office365, .avEdge, [.stun, .rtp], "rtp", ["stun", "rtp"]),
        (.office365, .avEdge, [.stun, .rtp], "rtp", ["stun", "rtp"]),
        (.other, .avEdge, [.stun, .rtp], "rtp", ["stun", "rtp"]),
        (.other, .other, [], "unknown", []),
    ]

    /// `nested`: every second flow holds a nested object too (an ICMP error), so that it is written
    /// whole (`FlowSummary.write`), its middle through the same memo as the flat flows' around it.
    private static func writtenMiddles(_ format: ReportFormat, nested: Bool = false) throws -> String {
        let path = scratchPath("middles-\(format.rawValue)-\(nested)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try OutputStream(path: path)
        let writer = makeReportWriter(format, output: stream, top: 10, color: false)
        for (i, m) in middles.enumerated() {
            var s = summary(base(UInt16(41_000 + i)))
            s.origRoleKind = m.orig
            s.respRoleKind = m.resp
            for service in m.services { s.serviceSet.insert(service) }
            if nested && i % 2 == 1 { s.icmp = (errors: 1, proto: 1, type: 3, code: 3, from: IPAddress("192.0.2.9")!, quotedOriginator: true) }
            writer.flow(s)
        }
        finish(writer, format)
        try stream.close()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test("JSON, NDJSON and CSV: each flow's roles and services are its own", arguments: [false, true])
    func middles(nested: Bool) throws {
        let text = try Self.writtenMiddles(.json, nested: nested)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let jsonFlows = try #require(object?["flows"] as? [[String: Any]])
        let lines = try Self.writtenMiddles(.ndjson, nested: nested).split(separator: "\n")
        let ndjsonFlows = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        for flows in [jsonFlows, ndjsonFlows] {
            #expect(flows.count == Self.middles.count)
            for (i, (m, f)) in zip(Self.middles, flows).enumerated() {
                #expect((f["icmp"] != nil) == (nested && i % 2 == 1))
                #expect(f["orig_p"] as? Int == 41_000 + i)
                #expect(f["orig_role"] as? String == m.orig.rawValue && f["resp_role"] as? String == m.resp.rawValue)
                #expect(f["service"] as? String == m.service)
                #expect(f["services"] as? [String] == m.list)
                #expect(f["ts"] as? String == "2026-03-02T09:00:00.000000Z")
            }
        }
        let rows = try Self.writtenMiddles(.csv, nested: nested).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == Self.middles.count + 1)
        for (i, (m, row)) in zip(Self.middles, rows.dropFirst()).enumerated() {
            // orig_p, then orig_role, resp_role, service, services (space-separated), ts
            #expect(row[3] == "\(41_000 + i)")
            #expect(row[6...10].map(String.init) == [m.orig.rawValue, m.resp.rawValue, m.service, m.list.joined(separator: " "),
                                                   "2026-03-02T09:00:00.000000Z"])
        }
    }
}

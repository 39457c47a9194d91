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
    ]

    private static func summary(_ m: Made) -> FlowSummary {
        let key = FlowKey(a: IPAddress("10.0.0.1")!, b: IPAddress("203.0.113.20")!, aPort: m.port, bPort: 3478, proto: m.proto,
                          ipVersion: 4)
        var r = FlowRecord(key: key, hash: 0, sequence: 0, originatorIsA: true, timestamp: 1_772_442_000_000_000_000)
        r.lastTimestamp = r.firstTimestamp + m.durationNs
        r.origPackets = m.origPkts; r.respPackets = m.respPkts
        r.origBytes = m.origBytes; r.respBytes = m.respBytes
        r.origIPBytes = m.origBytes + 28 * m.origPkts; r.respIPBytes = m.respBytes + 28 * m.respPkts
        var s = FlowSummary(r, reason: .endOfInput)
        if let rule = m.rule { s.rule = rule; s.verdict = "allowed" }
        return s
    }

    private static func written(_ format: ReportFormat) throws -> String {
        let path = scratchPath("tails-\(format.rawValue)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try OutputStream(path: path)
        let writer = makeReportWriter(format, output: stream, top: 10, color: false)
        for m in flows { writer.flow(summary(m)) }
        try stream.close()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test("JSON and NDJSON: each flow's counts, duration, state, rule and verdict are its own")
    func json() throws {
        let text = try Self.written(.json) + "]}"
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
                #expect(f["orig_ip_bytes"] as? Int == m.origBytes + 28 * m.origPkts)
                #expect(f["resp_ip_bytes"] as? Int == m.respBytes + 28 * m.respPkts)
                #expect((f["duration"] as? NSNumber)?.stringValue == m.duration)
                #expect(f["conn_state"] as? String == m.connState)
                #expect(f["rule"] as? String == m.rule)
                #expect(f["verdict"] as? String == (m.rule == nil ? "unrelated" : "allowed"))
                #expect(f["end_reason"] as? String == "end_of_input")
            }
        }
    }

    @Test("CSV: each flow's columns from duration on are its own")
    func csv() throws {
        let rows = try Self.written(.csv).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == Self.flows.count + 1)
        for (m, row) in zip(Self.flows, rows.dropFirst()) {
            // duration, orig_pkts, resp_pkts, orig_bytes, resp_bytes, orig_ip_bytes, resp_ip_bytes, conn_state, history, rule, verdict
            let expected = [m.duration, "\(m.origPkts)", "\(m.respPkts)", "\(m.origBytes)", "\(m.respBytes)",
                            "\(m.origBytes + 28 * m.origPkts)", "\(m.respBytes + 28 * m.respPkts)", m.connState, "",
                            m.rule ?? "", m.rule == nil ? "unrelated" : "allowed"]
            #expect(row[3] == "\(m.port)")
            #expect(row[11...21].map(String.init) == expected)
        }
    }
}

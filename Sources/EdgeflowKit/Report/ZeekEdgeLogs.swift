/// edgeflow's own logs in Zeek's form, for what Zeek has no log for: the hybrid rules' status
/// (`edge_rules.log`, one row per rule) and the findings (`edge_findings.log`, one row per
/// finding and flow, joinable with `conn.log` by `uid`). The columns are the JSON report's.
enum ZeekEdgeLogs {
    static let rules = ZeekLogSchema(path: "edge_rules", fields: [
        ("rule", "string"), ("protocol", "string"), ("transport", "string"), ("from", "string"), ("to", "string"),
        ("src_ports", "string"), ("dst_ports", "string"), ("flows", "count"), ("packets", "count"), ("bytes", "count"),
        ("flows_opened", "count"), ("flows_answered", "count"), ("status", "string"),
    ])

    static func row(_ s: RuleStatus) -> [ZeekValue] {
        let r = s.rule
        return [.string(r.id), .string(r.protocolName), .string(r.transportName.lowercased()), .string(r.from?.rawValue ?? "any"),
                .string(r.to?.rawValue ?? "any"), .string(r.srcPorts.description), .string(r.dstPorts.description),
                .count(s.flows), .count(s.packets), .count(s.bytes), .count(s.openedFlows), .count(s.answeredFlows),
                .string(s.status.rawValue)]
    }

    static let findings = ZeekLogSchema(path: "edge_findings", fields: [
        ("severity", "string"), ("code", "string"), ("message", "string"), ("uid", "string"), ("flow_count", "count"),
    ])

    /// A row per flow the finding names (the report names at most `Finding.maximumFlows`), or one
    /// row with `uid` unset when it names none.
    static func rows(_ f: Finding) -> [[ZeekValue]] {
        let head: [ZeekValue] = [.string(f.severity.rawValue), .string(f.code.rawValue), .string(f.message)]
        let uids: [ZeekValue] = f.flows.isEmpty ? [.unset] : f.flows.map { .string($0) }
        return uids.map { head + [$0, .count(f.flowCount)] }
    }
}

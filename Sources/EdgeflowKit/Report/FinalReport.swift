/// Everything reported after the last flow: the capture summary and the compliance view.
public struct FinalReport: Sendable {
    public var capture: CaptureSummary
    public var topology: Topology
    public var inferred: [(role: Role, address: IPAddress, evidence: RoleEvidence)]
    public var rules: [RuleStatus]
    public var findings: [Finding]
    public var violations: Int
    var dns: DNSReport

    /// Required hybrid rules never seen, where the Edge role they need is known.
    public var rulesNotSeen: [RuleStatus] { rules.filter { $0.status == .notSeen && roleKnown($0.rule) } }
    public var rulesUnanswered: [RuleStatus] { rules.filter { $0.status == .unanswered } }

    private func roleKnown(_ rule: Rule) -> Bool {
        let edge = rule.from?.isEdge == true ? rule.from : rule.to
        return edge.map { !topology.prefixes(of: $0).isEmpty } ?? false
    }

    /// The one line a person reads first.
    public var verdictLine: String {
        if let why = capture.nothingAnalysed { return "nothing analysed: " + why }
        let counted = TableReportWriter.counted
        var parts: [String] = []
        parts.append(violations == 0 ? "no violations" : counted(violations, "violation"))
        let notSeen = rulesNotSeen.count, unanswered = rulesUnanswered.count
        if unanswered > 0 { parts.append(counted(unanswered, "required rule") + " never answered") }
        if notSeen > 0 { parts.append(counted(notSeen, "required rule") + " never seen") }
        let errors = findings.filter { $0.severity == .error }.count
        if errors > 0 { parts.append(counted(errors, "error finding")) }
        let undecoded = capture.undecodedPackets
        if undecoded > 0 {
            parts.append("\(TableReportWriter.count(undecoded)) of \(counted(capture.packets, "packet")) could not be decoded")
        }
        return parts.joined(separator: ", ")
    }

    /// The `capture`, `topology` and `dns` members, shared by the JSON and NDJSON forms.
    func writeContext(to w: inout JSONWriter) {
        w.beginObject("capture")
        capture.write(to: &w)
        w.endObject()
        w.beginObject("topology")
        writeTopology(to: &w)
        w.endObject()
        w.beginObject("dns")
        writeDNS(to: &w)
        w.endObject()
    }

    func writeTopology(to w: inout JSONWriter) {
        for role in [Role.accessEdge, .avEdge, .webconfEdge] {
            w.beginArray(JSONKey(role.rawValue))
            for p in topology.prefixes(of: role) { w.value(nil, p.description) }
            w.endArray()
        }
        w.value("office365_source", topology.ranges.source)
        w.value("office365_version", topology.ranges.version)
        w.value("inferred", !inferred.isEmpty)
        w.beginArray("notes")
        for f in inferred { w.value(nil, "\(f.role.rawValue) \(f.address.text): \(f.evidence.text)") }
        w.endArray()
    }

    func writeRules(to w: inout JSONWriter) {
        for s in rules {
            w.beginObject()
            Self.writeFields(of: s, to: &w)
            w.endObject()
        }
    }

    static func writeFields(of s: RuleStatus, to w: inout JSONWriter) {
            s.rule.write(to: &w)
            w.value("flows", s.flows)
            w.value("packets", s.packets)
            w.value("bytes", s.bytes)
            w.value("flows_opened", s.openedFlows)
            w.value("flows_answered", s.answeredFlows)
            w.value("status", s.status.rawValue)
    }

    func writeDNS(to w: inout JSONWriter) {
        w.value("messages", dns.messages)
        w.value("malformed", dns.malformed)
        w.value("names", dns.names)
        w.beginArray("srv")
        for l in dns.srv {
            w.beginObject()
            w.value("name", l.name)
            w.value("queries", l.queries)
            w.value("answers", l.answers)
            w.value("failures", l.failures)
            w.value("rcode", l.rcode.map(DNSBook.rcodeName))
            w.beginArray("targets")
            for t in l.targets { w.value(nil, t) }
            w.endArray()
            w.endObject()
        }
        w.endArray()
    }

    func writeFindings(to w: inout JSONWriter) {
        for f in findings {
            w.beginObject()
            Self.writeFields(of: f, to: &w)
            w.endObject()
        }
    }

    static func writeFields(of f: Finding, to w: inout JSONWriter) {
            w.value("severity", f.severity.rawValue)
            w.value("code", f.code.rawValue)
            w.value("message", f.message)
            w.beginArray("flows")
            for uid in f.flows { w.value(nil, uid) }
            w.endArray()
            w.value("flow_count", f.flowCount)
    }
}

/// The report's `dns` object: how much DNS was read and the SRV lookups seen.
struct DNSReport: Sendable {
    var messages: Int
    var malformed: Int
    var names: Int
    var srv: [DNSBook.SRVLookup]

    init(_ book: DNSBook) {
        messages = book.messages
        malformed = book.malformed
        names = book.names.count
        srv = book.srv
    }
}

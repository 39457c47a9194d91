/// Collects, flow by flow, the hybrid rules' status and the findings. Holds counters and
/// a bounded list of uids per finding; nothing grows with the number of flows.
public struct Compliance: Sendable {
    public private(set) var rules: [RuleStatus] = PortTables.hybrid.map { RuleStatus(rule: $0) }
    /// Each finding's key (code, severity and message) and its place in `listed`.
    private var grouped: [String: Int] = [:]
    /// The findings, in the order their first flows came.
    private var listed: [Finding] = []
    /// The keys the last flows noted, with their findings' places (a few, in turns): flows that
    /// end near each other often join the same findings, found by comparing keys, not by
    /// hashing the whole message again (twice) for the dictionary.
    private var recent: [(key: String, place: Int)] = []
    private var nextRecent = 0
    static let recentKeys = 4
    private var groupsByCode: [FindingCode: Int] = [:]
    static let groupsPerCode = 64
    public private(set) var violations = 0
    public private(set) var allowed = 0

    public init() {}

    /// Accounts one classified flow: `box` holds what its protocols showed, when anything,
    /// `icmpErrors` what ICMP errors said of it (its summary's `icmp`); `uid` is asked for only
    /// when the flow joins a finding, `accessEdgeNames` only when its TLS is checked (most flows
    /// carry none: the list is then not even retained).
    mutating func add(_ r: FlowRecord, _ c: Classification, uid: @autoclosure () -> String, app box: AppReport? = nil,
                      icmpErrors: FlowSummary.ICMPErrors? = nil, accessEdgeNames: @autoclosure () -> [String] = []) {
        // Without an Edge role nor protocol facts (every flow of a scan) there is nothing to account.
        if c.verdict == .unrelated && box == nil { return }
        // A flow that sent STUN requests counts as answered only if a response matched one.
        var answered = r.answered
        if let stun = box?.stun, stun.sentRequests { answered = stun.stats.matched > 0 }
        if c.verdict == .allowed { account(r, c, answered: answered) }
        let ends = FlowEnds(r, c)
        switch c.verdict {
        case .violation: violations += 1
        case .allowed: allowed += 1
        case .unrelated:
            // Without an Edge role the flow is no rule's business, but what its TLS, STUN/TURN
            // and media showed is still worth knowing: said as information.
            if let box { appFindings(r, ends, box, uid: uid, names: accessEdgeNames, informational: true) }
            return
        }
        if c.verdict == .violation, let v = c.violation { note(FlowFinding.violation(v), ends, uid: uid()) }
        if let box { appFindings(r, ends, box, uid: uid, names: accessEdgeNames, informational: false) }
        if let icmpErrors { icmpFindings(r, icmpErrors, c, ends, uid: uid()) }
        let hybrid = ends.withOffice365
        guard hybrid || c.ruleRef != nil else { return }
        if r.key.proto == IPProtocol.tcp && !r.answered && r.tcp.synSeen {
            if r.tcp.resp == .reset {
                note(FlowFinding.tcpRejected(rule: c.ruleRef?.rule.id, withOffice365: hybrid), ends, uid: uid())
            } else {
                note(FlowFinding.tcpUnanswered(rule: c.ruleRef?.rule.id, withOffice365: hybrid), ends, uid: uid())
            }
        } else if r.key.proto == IPProtocol.udp && hybrid && !answered {
            note(FlowFinding.oneWayUDP, ends, uid: uid())
        }
    }

    /// Counts an allowed flow's packets toward the hybrid rules they match, each direction its
    /// own rule (`rules` is in `PortTables.hybrid`'s order).
    private mutating func account(_ r: FlowRecord, _ c: Classification, answered: Bool) {
        if let i = c.forwardHybrid, r.origPackets > 0 {
            rules[i].flows += 1
            rules[i].packets += r.origPackets
            rules[i].bytes += r.origIPBytes
            if answered { rules[i].answeredFlows += 1 }
            // Who opened a TCP connection is known only from its SYN.
            if r.key.proto != IPProtocol.tcp || r.tcp.synSeen { rules[i].openedFlows += 1 }
        }
        if let i = c.replyHybrid {
            rules[i].flows += 1
            rules[i].replyFlows += 1
            rules[i].packets += r.respPackets
            rules[i].bytes += r.respIPBytes
            if r.origPackets > 0 { rules[i].answeredFlows += 1 }
        }
    }

    /// Counts the packets an open flow sent so far toward the rules they match (`rules` is in
    /// `PortTables.hybrid`'s order), as `openPackets`: a live interval's view of connections
    /// that may stay open for days. Nothing else is counted until the flow ends.
    static func countOpen(_ r: FlowRecord, topology: Topology, into rules: inout [RuleStatus]) {
        let c = FlowClassifier.classify(r, topology: topology)
        guard c.verdict == .allowed else { return }
        if let i = c.forwardHybrid { rules[i].openPackets += r.origPackets }
        if let i = c.replyHybrid { rules[i].openPackets += r.respPackets }
    }

    /// Findings from what the flow's protocols showed (`AppReport.findings`); made as
    /// information only when `informational` (a flow without an Edge role).
    private mutating func appFindings(_ r: FlowRecord, _ ends: FlowEnds, _ app: AppReport, uid: () -> String, names: () -> [String],
                                      informational: Bool) {
        app.findings(ends, transport: r.key.proto, accessEdgeNames: names) { note($0, ends, uid: uid(), informational: informational) }
    }

    /// Adds a flow to the finding of `fact`'s code and message; its subject (an endpoint) is
    /// listed in the message, up to a few distinct ones. `informational`: made at most as
    /// severe as `info` (a flow without an Edge role).
    /// Beyond `groupsPerCode` distinct messages of one code (hostile traffic can make every
    /// flow's message different), further flows join one group per code.
    mutating func note<F: FlowFindingFact>(_ fact: F, _ ends: FlowEnds, uid: @autoclosure () -> String, informational: Bool = false) {
        let code = fact.code
        let severity = informational ? max(fact.severity, .info) : fact.severity
        let message = fact.message(ends)
        let key = code.rawValue + "|" + (severity == .info ? "info|" : "") + message
        let place = place(of: key, code: code, severity: severity, message: message)
        let subject = fact.subject(ends)
        Self.join(&listed[place], uid: uid(), subject: subject)
    }

    /// The place in `listed` of the finding a flow noted with `key` joins: a recent key's, else
    /// the key's group, made when new (or the code's overflow group, once the code has
    /// `groupsPerCode` groups: a key that had none then always joins it, so a recent key may
    /// stand for it).
    private mutating func place(of key: String, code: FindingCode, severity: Finding.Severity, message: String) -> Int {
        for r in recent where r.key == key { return r.place }
        let place: Int
        if let p = grouped[key] {
            place = p
        } else {
            var group = key, text = message
            if groupsByCode[code, default: 0] >= Self.groupsPerCode {
                group = code.rawValue + "|*"
                text = code.overflowMessage(listedApart: Self.groupsPerCode)
            } else {
                groupsByCode[code, default: 0] += 1
            }
            if let p = grouped[group] {
                place = p
            } else {
                place = listed.count
                listed.append(Finding(severity: severity, code: code, message: text))
                grouped[group] = place
            }
        }
        if recent.count < Self.recentKeys { recent.append((key, place)) } else { recent[nextRecent] = (key, place) }
        nextRecent = (nextRecent + 1) % Self.recentKeys
        return place
    }

    /// Counts a flow in `finding`: its uid listed (up to `Finding.maximumFlows`), its subject named.
    private static func join(_ finding: inout Finding, uid: @autoclosure () -> String, subject: String?) {
        finding.flowCount += 1
        if finding.flows.count < Finding.maximumFlows { finding.flows.append(uid()) }
        if let subject { finding.addSubject(subject) }
    }

    /// All findings, most severe first: the per-flow ones and those only the whole input shows.
    /// The findings so far. Whether each required rule was seen (and the UDP-blocked
    /// fallback that follows from it) is judged only when `final`: while a live capture
    /// runs, most flows have not ended yet.
    func findings(topology: Topology, inference: RoleInference, dns: DNSBook, final: Bool = true) -> [Finding] {
        var out = listed
        DNSFinding.check(dns, topology: topology) { out.append(Finding($0)) }
        let known = Set(Role.allCases.filter { !topology.prefixes(of: $0).isEmpty })
        if known.isEmpty { out.append(Finding(.noEdgeRoles)) }
        for s in rules where final {
            guard let from = s.rule.from, let to = s.rule.to else { continue }
            guard known.contains(from.isEdge ? from : to) else { continue }
            switch s.status {
            case .notSeen: out.append(Finding(.ruleNotSeen(s.rule)))
            case .unanswered: out.append(Finding(.ruleUnanswered(s.rule, flows: s.flows)))
            case .seen where s.onlyInReplies: out.append(Finding(.ruleRepliesOnly(s.rule)))
            case .seen: break
            }
        }
        if final, let udp = rules.first(where: { $0.rule.id == "stun-udp-out" }), udp.status == .unanswered,
           let tcp = rules.first(where: { $0.rule.id == "stun-tcp-out" }), tcp.status == .seen {
            out.append(Finding(.udpBlockedTCPFallback))
        }
        for u in inference.undeclared { out.append(Finding(.undeclaredEdge(role: u.role, address: u.address, evidence: u.evidence))) }
        for f in inference.found { out.append(Finding(.roleInferred(role: f.role, address: f.address, evidence: f.evidence))) }
        return out.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity < b.element.severity : a.offset < b.offset
        }.map(\.element)
    }
}

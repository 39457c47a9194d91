/// Collects, flow by flow, the hybrid rules' status and the findings. Holds counters and
/// a bounded list of uids per finding; nothing grows with the number of flows.
public struct Compliance: Sendable {
    public private(set) var rules: [RuleStatus] = PortTables.hybrid.map { RuleStatus(rule: $0) }
    private var grouped: [String: Finding] = [:]
    private var order: [String] = []
    public private(set) var violations = 0
    public private(set) var allowed = 0

    public init() {}

    /// Accounts one classified flow.
    mutating func add(_ r: FlowRecord, _ c: Classification, uid: String, app: AppReport? = nil) {
        let packets = r.origPackets + r.respPackets
        if let rule = c.rule, let i = rules.firstIndex(where: { $0.rule.id == rule.id }) {
            rules[i].flows += 1
            rules[i].packets += packets
            rules[i].bytes += r.origIPBytes + r.respIPBytes
            if r.answered { rules[i].answeredFlows += 1 }
        }
        switch c.verdict {
        case .violation: violations += 1
        case .allowed: allowed += 1
        case .unrelated: return
        }
        let o = r.originator, p = r.responder
        let hybrid = c.origRole == .office365 || c.respRole == .office365
        if c.verdict == .violation, let reason = c.reason {
            if let former = c.formerListing, let address = c.formerAddress {
                note(.warning, "microsoft_outside_ranges",
                     "traffic with \(address.text), a Microsoft address no longer in the published Office 365 ranges "
                     + "(listed in \(former.prefix) until \(FlowClassifier.day(former.lastSeen))): update the firewall rules and the Edge's routes", uid: uid)
            } else if r.services.contains(.sip), reason.contains("plaintext SIP") {
                note(.error, "plaintext_sip", reason + ":", subject: "\(o.address.text):\(o.port) → \(p.address.text):\(p.port)", uid: uid)
            } else {
                note(.error, "port_violation", "\(c.origRole.title) → \(c.respRole.title): \(reason):",
                     subject: "\(o.address.text):\(o.port) → \(p.address.text):\(p.port)", uid: uid)
            }
        }
        guard hybrid || c.rule != nil else { return }
        let ruleText = c.rule.map { "rule \($0.id)" } ?? "no rule"
        let severity: Finding.Severity = hybrid ? .error : .warning
        let peer = "\(p.address.text):\(p.port)"
        if r.key.proto == 6 && !r.answered && r.tcp.synSeen {
            if r.tcp.resp == .reset {
                note(severity, "tcp_rejected", "\(c.respRole.title) refused TCP connections from the \(c.origRole.title) with a reset (\(ruleText)):",
                     subject: peer, uid: uid)
            } else {
                note(severity, "tcp_unanswered", "TCP connections from the \(c.origRole.title) to \(c.respRole.title) were never answered (\(ruleText)):",
                     subject: peer, uid: uid)
            }
        } else if r.key.proto == 17 && hybrid && !r.answered {
            note(.warning, "one_way_udp", "UDP from the \(c.origRole.title) to \(c.respRole.title) got no reply (one-way: blocked, or media not flowing back):",
                 subject: "\(o.address.text):\(o.port) → \(peer)", uid: uid)
        }
    }

    /// Adds a flow to the finding with this code and message; `subject` (an endpoint) is
    /// listed in the message, up to a few distinct ones.
    private mutating func note(_ severity: Finding.Severity, _ code: String, _ message: String, subject: String? = nil, uid: String) {
        let key = code + "|" + message
        if grouped[key] == nil {
            grouped[key] = Finding(severity: severity, code: code, message: message)
            order.append(key)
        }
        grouped[key]!.flowCount += 1
        if grouped[key]!.flows.count < Finding.maximumFlows { grouped[key]!.flows.append(uid) }
        if let subject { grouped[key]!.addSubject(subject) }
    }

    /// All findings, most severe first: the per-flow ones and those only the whole input shows.
    public func findings(topology: Topology, inference: RoleInference) -> [Finding] {
        var out = order.compactMap { grouped[$0] }
        let known = Set(Role.allCases.filter { !topology.prefixes(of: $0).isEmpty })
        if known.isEmpty {
            out.append(Finding(severity: .warning, code: "no_edge_roles",
                               message: "no Edge role given or inferred: name the Edge addresses with --access-edge and --av-edge to check the hybrid port table"))
        }
        for s in rules {
            guard let from = s.rule.from, let to = s.rule.to else { continue }
            let edge = from.isEdge ? from : to
            guard known.contains(edge) else { continue }
            let shape = "\(from.title) \(s.rule.srcPorts.isAny ? "" : ":\(s.rule.srcPorts) ")→ \(to.title) :\(s.rule.dstPorts) over \(s.rule.transportName)"
            switch s.status {
            case .notSeen:
                out.append(Finding(severity: .warning, code: "rule_not_seen", message: "required rule \(s.rule.id) (\(shape)) was never seen"))
            case .unanswered:
                out.append(Finding(severity: .error, code: "rule_unanswered", message: "required rule \(s.rule.id) (\(shape)): \(s.flows) flow\(s.flows == 1 ? "" : "s"), none answered"))
            case .seen:
                break
            }
        }
        if let udp = rules.first(where: { $0.rule.id == "stun-udp-out" }), udp.status == .unanswered,
           let tcp = rules.first(where: { $0.rule.id == "stun-tcp-out" }), tcp.status == .seen {
            out.append(Finding(severity: .error, code: "udp_blocked_tcp_fallback",
                               message: "STUN on UDP 3478 to Office 365 was never answered while TCP to Office 365 worked: UDP 3478 looks blocked and media fell back to TCP"))
        }
        for f in inference.found {
            out.append(Finding(severity: .info, code: "role_inferred", message: "\(f.address.text) taken as the \(f.role.title): \(f.evidence)"))
        }
        return out.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity < b.element.severity : a.offset < b.offset
        }.map(\.element)
    }
}

/// A flow's place in the hybrid picture.
public struct Classification: Sendable {
    public enum Verdict: String, Sendable, BitwiseCopyable {
        case allowed, violation, unrelated

        /// `rawValue` as static text, for writers that copy bytes without making a `String`.
        var staticName: StaticString {
            switch self {
            case .allowed: "allowed"
            case .violation: "violation"
            case .unrelated: "unrelated"
            }
        }
    }

    public var origRole: Role
    public var respRole: Role
    /// The rule the flow matched: its opening direction's, or for a flow whose opening
    /// direction is uncertain (UDP, TCP without its SYN) the replies' when only they match.
    public var rule: Rule? { ruleRef?.rule }
    /// `rule`, by its place in its table: a classification is copied per flow, a `Rule` holds strings.
    var ruleRef: RuleRef?
    /// Position in `PortTables.hybrid` of the rule the originator's packets match (the flow's
    /// opening direction), when one does. Positions, not rules: a classification is copied
    /// per flow and a `Rule` holds strings.
    public var forwardHybrid: Int?
    /// Position in `PortTables.hybrid` of the rule the responder's replies match, when there
    /// were replies that answered (an A/V Edge → Office 365 :443 connection's replies are
    /// packets of `stun-tcp-in`).
    public var replyHybrid: Int?
    public var verdict: Verdict
    /// Why the flow is a violation (set with `verdict == .violation`).
    public var violation: Violation?

    init(origRole: Role, respRole: Role, rule: RuleRef? = nil, verdict: Verdict) {
        self.origRole = origRole
        self.respRole = respRole
        ruleRef = rule
        self.verdict = verdict
    }
}

/// A rule by its place in `PortTables`.
struct RuleRef: Sendable, Equatable {
    var table: Rule.Table
    var index: Int

    var rule: Rule { PortTables.rules(table)[index] }
}

/// Judges one flow against the hybrid table (Edge ↔ Office 365) or the Edge external
/// table (Edge ↔ other hosts). Runs once per flow, when it ends.
public enum FlowClassifier {
    public static func classify(_ r: FlowRecord, topology: Topology) -> Classification {
        var topology = topology
        return classify(r, in: &topology)
    }

    /// `classify(_:topology:)` on a topology reached where it lies (`inout`, never changed):
    /// read by value from a class's property, it was copied for every flow (136 bytes).
    static func classify(_ r: FlowRecord, in topology: inout Topology) -> Classification {
        let roles = roleSets(r, in: &topology)
        // Without an Edge role at either end (most flows, every flow of a scan) each end holds
        // one role, Office 365 or other, and no table applies: one classification, made in place.
        guard roles.orig.holdsEdgeRole || roles.resp.holdsEdgeRole else {
            return Classification(origRole: roles.orig.plainRole, respRole: roles.resp.plainRole, rule: nil, verdict: .unrelated)
        }
        return classify(r, roles: roles, in: &topology)
    }

    /// The roles of the flow's two ends. When neither holds an Edge role, each holds one
    /// (`RoleSet.plainRole`) and the flow is `unrelated` with no rule: `classify` need not run.
    /// Not inlined: in `ClassificationStage.emit` the prefix tests' masks became calls and its
    /// frame grew (g520k +0.7 M).
    @inline(never)
    static func roleSets(_ r: FlowRecord, in topology: inout Topology) -> (orig: RoleSet, resp: RoleSet) {
        (topology.roles(of: r.originator.address), topology.roles(of: r.responder.address))
    }

    /// `classify(_:in:)` for ends of these roles (`roleSets`), at least one an Edge role.
    static func classify(_ r: FlowRecord, roles: (orig: RoleSet, resp: RoleSet), in topology: inout Topology) -> Classification {
        // One role at each end (most flows): its classification is the result, returned where
        // it was made (through the loop below it was copied, and the optional destroyed
        // through Optional's generic value witness).
        if let o = roles.orig.single, let p = roles.resp.single { return classify(r, oRole: o, pRole: p, topology: &topology) }
        let oRoles = roles.orig, pRoles = roles.resp
        var first: Classification? = nil
        for oRole in oRoles {
            for pRole in pRoles {
                let c = classify(r, oRole: oRole, pRole: pRole, topology: &topology)
                if c.verdict == .allowed { return c }
                // Moved, not copied (its violation retained) and then destroyed.
                if first == nil { first = consume c }
            }
        }
        return first ?? Classification(origRole: .other, respRole: .other, rule: nil, verdict: .unrelated)
    }

    /// `topology` is reached where it lies (`inout`, never changed): taken by value, it was
    /// copied for each pair of roles (a `memcpy` a flow). The classification is made once and
    /// judged in place (`judge`), then returned: returned from each of the judgement's exits, it
    /// was copied out (through its value witness) and destroyed for every flow.
    private static func classify(_ r: FlowRecord, oRole: Role, pRole: Role, topology: inout Topology) -> Classification {
        var c = Classification(origRole: oRole, respRole: pRole, rule: nil, verdict: .unrelated)
        judge(r, &c, topology: &topology)
        return c
    }

    /// Sets the verdict of `c` (made `unrelated`, with its two roles) and what goes with it.
    private static func judge(_ r: FlowRecord, _ c: inout Classification, topology: inout Topology) {
        let oRole = c.origRole, pRole = c.respRole
        guard oRole.isEdge || pRole.isEdge else { return }
        let proto = r.key.proto
        // The port tables list TCP and UDP only; ICMP errors and echoes are not judged.
        guard proto == IPProtocol.tcp || proto == IPProtocol.udp else {
            if !IPProtocol.isICMP(proto) {
                c.verdict = .violation
                c.violation = .untabledProtocol(proto: proto, from: oRole, to: pRole)
            }
            return
        }
        let o = r.originator, p = r.responder
        let hybrid = oRole == .office365 || pRole == .office365
        if !hybrid {
            let remote = oRole.isEdge ? p.address : o.address
            if let former = topology.ranges.formerListing(of: remote) {
                c.verdict = .violation
                c.violation = .formerMicrosoft(address: remote, listing: former, source: topology.ranges.source)
                return
            }
        }
        let which = hybrid ? Rule.Table.hybrid : .edge
        // Direction is only certain for TCP with the SYN seen.
        let reversible = proto == IPProtocol.udp || !r.tcp.synSeen
        let forward = firstMatch(which, fromRole: oRole, toRole: pRole, proto: proto, srcPort: o.port, dstPort: p.port)
        // Only the hybrid table lists both directions of an exchange; the Edge table's replies
        // need no rule of their own (and skipping them keeps media flows cheap). Replies count
        // only when they answer: a reset refusing a connection is not traffic of the reverse rule.
        let answered = r.respPackets > 0 && (proto != IPProtocol.tcp || r.answered)
        let reply = forward == nil && reversible || hybrid && answered
            ? firstMatch(which, fromRole: pRole, toRole: oRole, proto: proto, srcPort: p.port, dstPort: o.port) : nil
        if let i = forward ?? (reversible ? reply : nil) {
            c.ruleRef = RuleRef(table: which, index: i)
            if hybrid {
                c.forwardHybrid = forward
                if answered { c.replyHybrid = reply }
            }
            if PortTables.rules(which)[i].requiresTLS, r.services.contains(.sip) {
                c.verdict = .violation
                c.violation = .plaintextSIPOnTLSRule(port: p.port, rule: PortTables.rules(which)[i])
            } else {
                c.verdict = .allowed
            }
            return
        }
        c.verdict = .violation
        c.violation = explain(r, oRole: oRole, pRole: pRole, table: PortTables.rules(which), hybrid: hybrid)
    }

    /// The first rule of table `which` that a flow so opened matches, found in its `RuleIndex`
    /// (testing the rules would copy each, strings and all).
    private static func firstMatch(_ which: Rule.Table, fromRole: Role, toRole: Role, proto: UInt8, srcPort: UInt16, dstPort: UInt16) -> Int? {
        (which == .hybrid ? RuleIndex.hybrid : RuleIndex.edge).firstMatch(fromRole: fromRole, toRole: toRole, proto: proto, srcPort: srcPort,
                                                                         dstPort: dstPort)
    }

    /// The nearest rule and what about the flow differs from it.
    static func explain(_ r: FlowRecord, oRole: Role, pRole: Role, table: [Rule], hybrid: Bool) -> Violation {
        let o = r.originator, p = r.responder
        let proto = r.key.proto
        if hybrid, oRole == .accessEdge || pRole == .accessEdge, r.services.contains(.sip) {
            return .plaintextSIPWithOffice365(transport: proto, port: p.port)
        }
        if let rule = table.first(where: { $0.matches(fromRole: pRole, toRole: oRole, proto: proto, srcPort: p.port, dstPort: o.port) }) {
            return .wrongDirection(opener: oRole, rule: rule)
        }
        let same = table.filter { Rule.role($0.from, accepts: oRole) && Rule.role($0.to, accepts: pRole) }
        if let rule = same.first(where: { $0.transport == proto && $0.dstPorts.contains(p.port) }) {
            return .wrongSourcePort(role: oRole, port: o.port, rule: rule)
        }
        if let rule = same.first(where: { $0.transport == proto && $0.srcPorts.contains(o.port) && !$0.srcPorts.isAny }) {
            return .wrongDestinationPort(port: p.port, rule: rule)
        }
        if let rule = same.first(where: { $0.transport != proto && $0.dstPorts.contains(p.port) }) {
            return .wrongTransport(transport: proto, port: p.port, rule: rule)
        }
        let candidates = same.filter { $0.transport == proto }
        if !candidates.isEmpty {
            return .unlistedPorts(transport: proto, srcPort: o.port, dstPort: p.port, from: oRole, to: pRole == .other ? nil : pRole, allowed: candidates)
        }
        return .noRule(table: hybrid ? .hybrid : .edge, from: oRole, to: pRole, transport: proto, port: p.port)
    }
}

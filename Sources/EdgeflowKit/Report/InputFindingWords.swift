/// The words of the findings only the whole input shows.
extension InputFinding {
    var message: String {
        switch self {
        case .noEdgeRoles:
            "no Edge role given or inferred: name the Edge addresses with --access-edge and --av-edge to check the hybrid port table"
        case .ruleNotSeen(let rule):
            "required rule \(rule.id) (\(Self.shape(rule))) was never seen"
        case .ruleUnanswered(let rule, let flows):
            "required rule \(rule.id) (\(Self.shape(rule))): \(flows) flow\(flows == 1 ? "" : "s"), none answered"
        case .ruleRepliesOnly(let rule):
            "\(Violation.title(rule.from)) never opened a flow toward \(rule.to?.named ?? "any host"): rule \(rule.id) (\(Self.shape(rule))) was seen only in the replies of flows \(rule.to?.named ?? "any host") opened"
        case .udpBlockedTCPFallback:
            "STUN on UDP 3478 to Office 365 was never answered while TCP to Office 365 worked: UDP 3478 looks blocked and media fell back to TCP"
        case .undeclaredEdge(let role, let address, let evidence):
            "\(address.text) acts as \(role.named) (\(evidence.text)) but is not among its addresses, so its traffic is not checked: add it to \(role.flag)"
        case .roleInferred(let role, let address, let evidence):
            "\(address.text) taken as the \(role.title): \(evidence.text)"
        case .office365RangesAfterCapture(let captureDay, let oldestDay):
            "the capture (\(TimeFormat.date(days: captureDay))) is older than the oldest published Office 365 ranges (\(TimeFormat.date(days: oldestDay))); "
                + "it is checked against those, so addresses Office 365 used only before then are not recognised"
        }
    }

    /// A hybrid rule's shape: "A/V Edge :3478 → Office 365 :3478 over UDP".
    static func shape(_ rule: Rule) -> String {
        "\(Violation.title(rule.from)) \(rule.srcPorts.isAny ? "" : ":\(rule.srcPorts) ")→ \(Violation.title(rule.to)) :\(rule.dstPorts) over \(rule.transportName)"
    }
}

extension Finding {
    /// The finding of a fact about the whole input.
    init(_ fact: InputFinding) {
        self.init(severity: fact.code.severity(), code: fact.code, message: fact.message)
    }

    /// The finding of a DNS SRV fact.
    init(_ fact: DNSFinding) {
        self.init(severity: fact.severity, code: fact.code, message: fact.message)
    }
}

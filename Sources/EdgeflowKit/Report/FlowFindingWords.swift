/// The words of the findings Compliance makes about one flow.
extension FlowFinding {
    func message(_ e: FlowEnds) -> String {
        switch self {
        case .violation(let v):
            v.findingMessage(from: e.origRole, to: e.respRole)
        case .tcpRejected(let rule, _):
            "\(e.respRole.title) refused TCP connections from \(e.origRole.named) with a reset (\(Self.ruleText(rule))):"
        case .tcpUnanswered(let rule, _):
            "TCP connections from \(e.origRole.named) to \(e.respRole.title) were never answered (\(Self.ruleText(rule))):"
        case .oneWayUDP:
            "UDP from \(e.origRole.named) to \(e.respRole.title) got no reply (one-way: blocked, or media not flowing back):"
        case .icmpRejected(let transport, let toResponder, let sender, let icmp, _):
            "\(Violation.transportName(transport)) \(toResponder ? e.resp.port : e.orig.port) to \((toResponder ? e.respRole : e.origRole).title) "
                + "rejected by \(sender.text): ICMP \(ICMPError.describe(proto: icmp.proto, type: icmp.type, code: icmp.code)):"
        }
    }

    func subject(_ e: FlowEnds) -> String? {
        switch self {
        case .violation(.formerMicrosoft(let address, _, _)): address.text
        case .violation, .oneWayUDP: e.endpoints
        case .tcpRejected, .tcpUnanswered: e.serverEndpoint
        case .icmpRejected(_, let toResponder, _, _, _): toResponder ? e.endpoints : e.endpointsBackward
        }
    }

    private static func ruleText(_ id: String?) -> String { id.map { "rule \($0)" } ?? "no rule" }
}

/// The ends of a flow in the words of findings.
extension FlowEnds {
    /// The originator's role and address: "Access Edge 203.0.113.10".
    var client: String { "\(origRole.title) \(orig.address.text)" }
    /// The responder's role and endpoint: "Office 365 52.112.1.5:5061".
    var server: String { "\(respRole.title) \(serverEndpoint)" }
    /// "52.112.1.5:5061"
    var serverEndpoint: String { resp.address.text(port: resp.port) }
    /// "203.0.113.10:50001 → 52.112.1.5:5061"
    var endpoints: String { "\(orig.address.text(port: orig.port)) → \(serverEndpoint)" }
    /// "52.112.1.5:5061 → 203.0.113.10:50001"
    var endpointsBackward: String { "\(serverEndpoint) → \(orig.address.text(port: orig.port))" }
    /// "203.0.113.10 → 52.112.1.5", or the other way when not `fromOriginator`.
    func addresses(fromOriginator: Bool) -> String {
        fromOriginator ? "\(orig.address.text) → \(resp.address.text)" : "\(resp.address.text) → \(orig.address.text)"
    }
}

extension FindingCode {
    /// The message of the group that gathers a code's flows beyond its first `listedApart` distinct messages.
    func overflowMessage(listedApart: Int) -> String {
        "more \(rawValue) cases with other details (the first \(listedApart) are listed apart)"
    }
}

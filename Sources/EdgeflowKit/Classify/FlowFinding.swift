/// What a flow's verdict and its answers (or their absence) say, as facts. Report/FlowFindingWords.swift words them.
enum FlowFinding: FlowFindingFact {
    /// The flow breaks the port tables.
    case violation(Violation)
    /// A TCP connection on `rule` (nil: a flow with Office 365 no rule matched) was refused
    /// with a reset; `withOffice365`: an error, not a warning.
    case tcpRejected(rule: String?, withOffice365: Bool)
    /// A TCP connection on `rule` was never answered.
    case tcpUnanswered(rule: String?, withOffice365: Bool)
    /// UDP with Office 365 that got no reply.
    case oneWayUDP
    /// A packet was refused with an ICMP destination unreachable from `sender`; `toResponder`:
    /// the refused packet went to the responder. `onHybridRule`: the flow is with Office 365 and on a rule.
    case icmpRejected(transport: UInt8, toResponder: Bool, sender: IPAddress, icmp: (proto: UInt8, type: UInt8, code: UInt8), onHybridRule: Bool)

    var code: FindingCode {
        switch self {
        case .violation(let v): v.findingCode
        case .tcpRejected: .tcpRejected
        case .tcpUnanswered: .tcpUnanswered
        case .oneWayUDP: .oneWayUDP
        case .icmpRejected: .icmpRejected
        }
    }

    /// Refused and unanswered connections are errors with Office 365 (ICMP: on a hybrid
    /// rule), warnings on the Edge table.
    var severity: Finding.Severity {
        switch self {
        case .tcpRejected(_, let critical), .tcpUnanswered(_, let critical), .icmpRejected(_, _, _, _, let critical):
            code.severity(critical: critical)
        case .violation, .oneWayUDP:
            code.severity()
        }
    }
}

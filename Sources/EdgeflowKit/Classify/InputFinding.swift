/// What only the whole input shows, as facts: Edge roles unknown, undeclared or inferred,
/// required hybrid rules not seen or not answered, media pushed from UDP to TCP.
/// Report/InputFindingWords.swift words them.
enum InputFinding {
    /// No Edge role was given or inferred.
    case noEdgeRoles
    /// A required hybrid rule carried no flow.
    case ruleNotSeen(Rule)
    /// A required hybrid rule carried `flows` flows, none answered.
    case ruleUnanswered(Rule, flows: Int)
    /// A hybrid rule was seen only in the replies of flows opened the other way.
    case ruleRepliesOnly(Rule)
    /// STUN over UDP 3478 to Office 365 unanswered while TCP worked.
    case udpBlockedTCPFallback
    /// `address` acts as `role` (`evidence` says how) but is not among the role's addresses.
    case undeclaredEdge(role: Role, address: IPAddress, evidence: RoleEvidence)
    /// `address` was taken as `role`.
    case roleInferred(role: Role, address: IPAddress, evidence: RoleEvidence)
    /// The capture (on `captureDay`, days since 1970-01-01) predates the oldest published
    /// Office 365 ranges (`oldestDay`), which it is checked against.
    case office365RangesAfterCapture(captureDay: Int64, oldestDay: Int64)

    var code: FindingCode {
        switch self {
        case .noEdgeRoles: .noEdgeRoles
        case .ruleNotSeen: .ruleNotSeen
        case .ruleUnanswered: .ruleUnanswered
        case .ruleRepliesOnly: .ruleRepliesOnly
        case .udpBlockedTCPFallback: .udpBlockedTCPFallback
        case .undeclaredEdge: .undeclaredEdge
        case .roleInferred: .roleInferred
        case .office365RangesAfterCapture: .office365RangesAfterCapture
        }
    }
}

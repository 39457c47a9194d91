/// Something the engineer should look at, with the flows behind it.
public struct Finding: Sendable {
    public enum Severity: String, Sendable, Comparable {
        case error, warning, info
        var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var severity: Severity
    public var code: String
    public var message: String
    /// uids of the flows behind it (at most `Finding.maximumFlows`).
    public var flows: [String] = []
    /// How many flows in all.
    public var flowCount = 0

    /// Most uids listed per finding.
    public static let maximumFlows = 100
}

/// Status of one rule of the hybrid table over the whole input.
public struct RuleStatus: Sendable {
    public enum Status: String, Sendable { case seen, unanswered, notSeen = "not_seen" }
    public var rule: Rule
    public var flows = 0
    public var packets = 0
    public var bytes = 0
    public var answeredFlows = 0

    public var status: Status { flows == 0 ? .notSeen : answeredFlows > 0 ? .seen : .unanswered }
}

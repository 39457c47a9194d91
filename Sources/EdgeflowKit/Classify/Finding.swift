/// Something the engineer should look at, with the flows behind it.
public struct Finding: Sendable {
    public enum Severity: String, Sendable, Comparable {
        case error, warning, info
        var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var severity: Severity
    public var code: FindingCode
    /// Its text, then the endpoints `addSubject` named ("... : a, b, c and 4 more"), joined
    /// when read (a finding is read once, when the report is written; noted once a flow).
    public var message: String {
        get {
            subjects.isEmpty ? text : text + " " + subjects.joined(separator: ", ") + (moreSubjects > 0 ? " and \(moreSubjects) more" : "")
        }
        set {
            text = newValue
            subjects = []
            moreSubjects = 0
        }
    }
    private var text: String
    /// uids of the flows behind it (at most `Finding.maximumFlows`).
    public var flows: [String] = []
    /// How many flows in all.
    public var flowCount = 0

    /// Most uids listed per finding.
    public static let maximumFlows = 100
    /// Most distinct endpoints named in a message.
    static let maximumSubjects = 5

    private var subjects: [String] = []
    private var moreSubjects = 0

    init(severity: Severity, code: FindingCode, message: String) {
        self.severity = severity
        self.code = code
        text = message
    }

    /// Names one more endpoint in the message ("... : a, b, c and 4 more").
    mutating func addSubject(_ s: String) {
        if subjects.contains(s) { return }
        if subjects.count < Self.maximumSubjects { subjects.append(s) } else { moreSubjects += 1 }
    }
}

/// Status of one rule of the hybrid table over the whole input. A rule is a direction:
/// it counts the packets that go its way between its roles and ports, on any flow, whoever
/// opened it (the replies of an A/V Edge → Office 365 UDP 3478 exchange are packets of
/// `stun-udp-in`). Violations never count.
public struct RuleStatus: Sendable {
    public enum Status: String, Sendable { case seen, unanswered, notSeen = "not_seen" }
    public var rule: Rule
    /// Flows that carried packets this rule's way.
    public var flows = 0
    /// Those packets, and their IP bytes.
    public var packets = 0
    public var bytes = 0
    /// Flows whose exchange was answered (for the replies of a flow: always).
    public var answeredFlows = 0
    /// Flows opened this rule's way (SYN, or the first datagram), not only answered this way.
    public var openedFlows = 0
    /// Flows that went this rule's way only in their replies.
    public var replyFlows = 0
    /// Packets this rule's way of flows not ended yet (a live run's interval, see
    /// `Compliance.countOpen`); in none of the counts above, 0 in the final report.
    public var openPackets = 0

    /// Seen only in the replies of flows opened the other way.
    public var onlyInReplies: Bool { flows > 0 && replyFlows == flows }

    public var status: Status { flows == 0 ? .notSeen : answeredFlows > 0 ? .seen : .unanswered }
}

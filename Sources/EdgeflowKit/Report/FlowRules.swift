/// A flow's rule and reply rule (`FlowSummary.rules`) as positions in `PortTables`, a byte
/// each: 0 none; a hybrid rule's index + 1; an edge rule's index + 1 + `edge` (the reply rule
/// is always a hybrid rule's).
struct FlowRules: BitwiseCopyable {
    var ruleSlot: UInt8 = 0
    var replySlot: UInt8 = 0
    private static let edge: UInt8 = 0x80

    init() {}

    init(rule: RuleRef?, reply: Int?) {
        if let rule { ruleSlot = UInt8(truncatingIfNeeded: rule.index &+ 1) | (rule.table == .edge ? Self.edge : 0) }
        if let reply { replySlot = UInt8(truncatingIfNeeded: reply &+ 1) }
    }

    var none: Bool { ruleSlot == 0 && replySlot == 0 }

    /// The rule's id; nil without one.
    var rule: String? {
        guard ruleSlot != 0 else { return nil }
        let i = Int(ruleSlot & ~Self.edge) &- 1
        return ruleSlot & Self.edge != 0 ? PortTables.edge[i].id : PortTables.hybrid[i].id
    }

    var replyRule: String? { replySlot == 0 ? nil : PortTables.hybrid[Int(replySlot) &- 1].id }

    /// The bytes of the port tables' longest rule id.
    static let longestID = (PortTables.hybrid + PortTables.edge).map(\.id.utf8.count).max() ?? 0

    /// Each rule's id as bytes, by slot (0 and the slots of no rule: empty), made once.
    private static let ids: [[UInt8]] = {
        var t = [[UInt8]](repeating: [], count: 256)
        for (i, r) in PortTables.hybrid.enumerated() { t[i &+ 1] = Array(r.id.utf8) }
        for (i, r) in PortTables.edge.enumerated() { t[(i &+ 1) | Int(edge)] = Array(r.id.utf8) }
        return t
    }()

    /// Writes the id of the rule in `slot` (not 0) as it is: no id needs JSON's escapes nor CSV's
    /// quotes (`tablesFit`), so no text is scanned for them.
    @inline(__always)
    static func writeID(_ slot: UInt8, _ c: inout JSONCursor) {
        ids[Int(slot)].withUnsafeBufferPointer { c.bytes($0) }
    }

    /// Whether each table's positions fit a slot and every id is plain (lower-case letters,
    /// digits and `-`, which neither JSON nor CSV escapes); checked by the tests.
    static var tablesFit: Bool {
        PortTables.hybrid.count < Int(edge) && PortTables.edge.count < Int(edge)
            && (PortTables.hybrid + PortTables.edge).allSatisfy { $0.id.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D } }
    }
}

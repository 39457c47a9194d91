import Testing
@testable import EdgeflowKit

/// A flow summary's rule and reply rule are kept by their places in the port tables until read
/// (`FlowRules`); text set from outside replaces them, as before.
@Suite("Flow summary texts")
struct FlowSummaryTextsTests {
    private func summary() -> FlowSummary {
        let key = FlowKey(a: IPAddress("203.0.113.10")!, b: IPAddress("52.112.1.5")!, aPort: 50_010, bPort: 3478, proto: 17, ipVersion: 4)
        return FlowSummary(FlowRecord(key: key, hash: 0, sequence: 0, originatorIsA: true, timestamp: 0), reason: .endOfInput)
    }

    @Test("a hybrid rule with its reply rule, and an edge rule, read as the tables' ids (Rule.swift)")
    func rulesByPlace() {
        var s = summary()
        #expect(s.plain && s.rule == nil && s.replyRule == nil)
        var c = Classification(origRole: .avEdge, respRole: .office365, rule: RuleRef(table: .hybrid, index: 4), verdict: .allowed)
        c.replyHybrid = 5
        s.apply(c)
        #expect(s.rule == "stun-udp-out")
        #expect(s.replyRule == "stun-udp-in")
        #expect(!s.plain)
        var e = summary()
        e.apply(Classification(origRole: .accessEdge, respRole: .other, rule: RuleRef(table: .edge, index: 1), verdict: .allowed))
        #expect(e.rule == "edge-access-http-out")
        #expect(e.replyRule == nil)
        // A reply rule is reported only for an allowed flow.
        var v = summary()
        var d = Classification(origRole: .avEdge, respRole: .office365, rule: RuleRef(table: .hybrid, index: 4), verdict: .unrelated)
        d.replyHybrid = 5
        v.apply(d)
        #expect(v.rule == "stun-udp-out" && v.replyRule == nil)
        #expect(FlowRules.tablesFit)
    }

    @Test("text set replaces the rule by place; a later classification replaces the text")
    func textReplaces() {
        var s = summary()
        var c = Classification(origRole: .avEdge, respRole: .office365, rule: RuleRef(table: .hybrid, index: 4), verdict: .allowed)
        c.replyHybrid = 5
        s.apply(c)
        s.rule = "custom"
        #expect(s.rule == "custom" && s.replyRule == "stun-udp-in")
        s.replyRule = nil
        #expect(s.replyRule == nil && s.rule == "custom")
        s.apply(Classification(origRole: .accessEdge, respRole: .office365, rule: RuleRef(table: .hybrid, index: 0), verdict: .allowed))
        #expect(s.rule == "sip-mtls-out" && s.replyRule == nil)
        s.rule = nil
        #expect(s.rule == nil)
        // A copy's text is its own.
        var t = s
        t.rule = "other"
        #expect(s.rule == nil && t.rule == "other")
    }

    @Test("a classification without a rule, applied after one with a rule, leaves none (the first's rule is not kept)")
    func laterClassificationWithoutRule() {
        var s = summary()
        var c = Classification(origRole: .avEdge, respRole: .office365, rule: RuleRef(table: .hybrid, index: 4), verdict: .allowed)
        c.replyHybrid = 5
        s.apply(c)
        #expect(s.rule == "stun-udp-out" && s.replyRule == "stun-udp-in")
        s.apply(Classification(origRole: .other, respRole: .office365, rule: nil, verdict: .unrelated))
        #expect(s.rule == nil && s.replyRule == nil)
        #expect(s.plain)
        #expect(s.verdict == "unrelated" && s.origRole == "other")
    }
}

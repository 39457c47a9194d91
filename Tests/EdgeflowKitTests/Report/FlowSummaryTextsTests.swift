import Testing
@testable import EdgeflowKit

/// A flow summary's rule and reply rule are kept by their places in the port tables until read
/// (`FlowRules`); text set from outside replaces them, as before.
@Suite("Flow summary texts")
struct FlowSummaryTextsTests {
    private func summary() -> FlowSummary {
        let key = FlowKey(a: IPAddress("203.0.113.10")!, b: IPAddress("52.112.1.5")!, aPort: 50_010, bPort: 3478, proto: 17, ipVersion: 4)
        return FlowSummary(FlowRecord(key: key, sequence: 0, originatorIsA: true, timestamp: 0), reason: .endOfInput)
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

    @Test("flows between the same DNS names share one box of them; a text set on one flow is its own (FlowNameBoxes)")
    func sharedNames() {
        var boxes = FlowNameBoxes()
        #expect(boxes.box(nil, nil) == nil)
        // Two clients (unnamed) to one named end (the second name made anew): one box, holding the name given.
        let a = boxes.box(nil, "edge.contoso.com"), b = boxes.box(nil, "edge.contoso." + "com")
        #expect(a != nil && a === b)
        #expect(a?.origName == nil && a?.respName == "edge.contoso.com" && a?.uid == nil && a?.reason == nil)
        // Other names, or the same name on the other end: a box of their own.
        let c = boxes.box(nil, "sip.contoso.com")
        #expect(c !== a && c?.respName == "sip.contoso.com")
        let d = boxes.box("edge.contoso.com", nil)
        #expect(d !== a && d?.origName == "edge.contoso.com" && d?.respName == nil)
        // Another name (a box of other names in the slot, or not) is not taken for it.
        let e = boxes.box(nil, "edge2.contoso.com")
        #expect(e !== a && e?.respName == "edge2.contoso.com")
        // A summary holding a shared box copies it before a text is set: the other flow keeps its texts.
        var s = summary(), t = summary()
        let box = boxes.box(nil, "edge.contoso.com")
        s.shareNames(box)
        t.shareNames(box)
        var v = Classification(origRole: .avEdge, respRole: .office365, verdict: .violation)
        v.violation = .untabledProtocol(proto: 47, from: .avEdge, to: .office365)
        s.apply(v)
        s.origName = "client.contoso.com"
        #expect(s.reason != nil && s.origName == "client.contoso.com" && s.respName == "edge.contoso.com")
        #expect(t.reason == nil && t.origName == nil && t.respName == "edge.contoso.com")
        #expect(box?.reason == nil && box?.origName == nil)
    }

    @Test("the flows of many addresses carrying the same names share one box, whatever the names' storage (FlowNameBoxes)")
    func boxesByNames() {
        var boxes = FlowNameBoxes()
        // 600 flows (more than the 256 slots), each name made anew (its own storage), two names in turn.
        var first: [FlowTexts] = []
        for i in 0..<600 {
            let name = (i % 2 == 0 ? "sip.contoso" : "sip.fabrikam") + ".com"
            let box = boxes.box(nil, name)
            #expect(box?.respName == name && box?.origName == nil)
            if i < 2, let box { first.append(box) }
            #expect(box === first[i % 2])
        }
        #expect(first[0] !== first[1])
    }

    @Test("a box's names as the JSON flow object's members: escaped once, made again when a name is set")
    func namesJSON() {
        func text(_ t: FlowTexts) -> String { String(decoding: UnsafeBufferPointer(t.namesJSON), as: UTF8.self) }
        let t = FlowTexts(origName: "sip.contoso.com", respName: nil)
        #expect(text(t) == #","orig_name":"sip.contoso.com""#)
        t.respName = "a\"b\\c\u{1}"
        #expect(text(t) == #","orig_name":"sip.contoso.com","resp_name":"a\"b\\c\u0001""#)
        t.origName = nil
        #expect(text(t) == #","resp_name":"a\"b\\c\u0001""#)
        #expect(text(FlowTexts(t)) == #","resp_name":"a\"b\\c\u0001""#)
        #expect(text(FlowTexts(origName: nil, respName: nil)).isEmpty)
        // A summary writes them in its object, after the ends' ports.
        var s = summary()
        s.shareNames(FlowTexts(origName: "x.example", respName: "y.example"))
        var w = JSONWriter()
        s.write(to: &w, tails: FlowTailMemo())
        #expect(w.text.contains(#""resp_p":3478,"orig_name":"x.example","resp_name":"y.example","orig_role""#))
        // A summary with a text but no names (its own box, with no memory for names) writes neither member.
        var unnamed = summary()
        unnamed.uid = "C1"
        var u = JSONWriter()
        unnamed.write(to: &u, tails: FlowTailMemo())
        #expect(u.text.contains(#""resp_p":3478,"orig_role""#) && !u.text.contains("_name"))
        #expect(unnamed.texts?.namesJSON.isEmpty == true)
    }

    @Test("the ends' names through the boxes' address slots equal the DNS table's, for named and unnamed ends, looked up again and in turn")
    func namesFromSlots() {
        // 600 hosts named (more than the 256 slots: addresses share slots and take turns), 600 never named.
        let messages = (0..<600).map { i in
            DNSBookNamesTests.response(id: UInt16(i), asked: "h\(i).example",
                                       answers: [DNSBookNamesTests.record("h\(i).example", type: 1, [10, 1, UInt8(i >> 8), UInt8(i & 0xFF)])])
        }
        let dns = DNSBookNamesTests.book(messages)
        var boxes = FlowNameBoxes()
        let client = IPAddress("203.0.113.10")!
        for round in 0..<3 {
            for i in 0..<600 {
                let named = IPAddress(ipv4: 0x0A01_0000 | UInt32(i)), unnamed = IPAddress(ipv4: 0x0A02_0000 | UInt32(i))
                let box = round == 1 ? boxes.names(named, client, in: dns) : boxes.names(client, named, in: dns)
                #expect(box != nil)
                #expect((round == 1 ? box?.origName : box?.respName) == "h\(i).example")
                #expect((round == 1 ? box?.respName : box?.origName) == nil)
                #expect(boxes.names(unnamed, client, in: dns) == nil)
            }
        }
    }

    @Test("a pair of ends keeps its box while the DNS book names nothing new; an end named later gets its name")
    func boxesByPairs() {
        let server = IPAddress(ipv4: 0x0A01_0001), client = IPAddress("203.0.113.10")!
        let dns = DNSBookNamesTests.book([DNSBookNamesTests.response(id: 1, asked: "edge.example",
                                                                     answers: [DNSBookNamesTests.record("edge.example", type: 1, [10, 1, 0, 1])])])
        var boxes = FlowNameBoxes()
        // 3,000 other pairs in between (more than the 1,024 slots: pairs share slots and take turns).
        let first = boxes.names(client, server, in: dns)
        for i in 0..<3000 {
            let other = IPAddress(ipv4: 0xC633_6400 | UInt32(i & 0xFF) | UInt32(i >> 8) << 16)
            let box = boxes.names(other, server, in: dns)
            #expect(box?.origName == nil && box?.respName == "edge.example")
            #expect(boxes.names(client, server, in: dns) === first)
        }
        #expect(first?.origName == nil && first?.respName == "edge.example")
        // The client is named now: its pair's box holds both names (the kept one is not given).
        m(dns, DNSBookNamesTests.response(id: 2, asked: "client.example",
                                          answers: [DNSBookNamesTests.record("client.example", type: 1, [203, 0, 113, 10])]))
        let both = boxes.names(client, server, in: dns)
        #expect(both !== first)
        #expect(both?.origName == "client.example" && both?.respName == "edge.example")
        #expect(boxes.names(server, client, in: dns)?.origName == "edge.example")
        #expect(boxes.names(client, server, in: dns) === both)
    }

    private func m(_ dns: DNSBook, _ message: [UInt8]) { message.withUnsafeBytes { dns.record($0) } }
}

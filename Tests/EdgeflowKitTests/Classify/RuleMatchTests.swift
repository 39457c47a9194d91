import Testing
@testable import EdgeflowKit

/// The classifier probes each table's `RuleIndex`, made from the port tables' rules without their
/// texts: it must find the first rule that matches a flow as the table as written does
/// (`Rule.matches`, rule by rule).
@Suite("Rule probes")
struct RuleMatchTests {
    /// Each table's bounds and neighbours of the ports it lists (Microsoft's tables: 53, 80, 443,
    /// 3478, 5061, 5269, 50000-59999).
    static let ports: [UInt16] = [0, 1, 52, 53, 54, 79, 80, 81, 442, 443, 444, 3477, 3478, 3479, 5060, 5061, 5062, 5268, 5269, 5270,
                                  49_999, 50_000, 50_001, 55_555, 59_999, 60_000, 65_535]

    @Test("each table's index finds the first rule that matches, for every role, transport and listed port")
    func agreesWithRules() {
        var compared = 0, differing = 0, matched = 0
        for (rules, index) in [(PortTables.hybrid, RuleIndex.hybrid), (PortTables.edge, RuleIndex.edge)] {
            #expect(rules.count == index.rules.count)
            for from in Role.allCases {
                for to in Role.allCases {
                    for proto: UInt8 in [1, 6, 17] {
                        for s in Self.ports {
                            for d in Self.ports {
                                compared += 1
                                let first = rules.firstIndex { $0.matches(fromRole: from, toRole: to, proto: proto, srcPort: s, dstPort: d) }
                                if first != nil { matched += 1 }
                                if first != index.firstMatch(fromRole: from, toRole: to, proto: proto, srcPort: s, dstPort: d) { differing += 1 }
                            }
                        }
                    }
                }
            }
        }
        #expect(compared == 2 * 25 * 3 * Self.ports.count * Self.ports.count)
        #expect(matched > 0)
        #expect(differing == 0)
    }

    @Test("stun-tcp-out's two destination ranges: 443 and 50000-59999, nothing between")
    func twoRanges() {
        let probe = RuleIndex.hybrid.rules[2]
        #expect(PortTables.hybrid[2].id == "stun-tcp-out")
        let at = { (d: UInt16) in probe.matches(srcPort: 50_000, dstPort: d) }
        #expect(at(443) && at(50_000) && at(59_999))
        #expect(!at(442) && !at(444) && !at(3478) && !at(49_999) && !at(60_000))
    }
}

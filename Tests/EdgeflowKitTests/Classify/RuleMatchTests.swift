import Testing
@testable import EdgeflowKit

/// The classifier probes `RuleMatch`es, made from the port tables' rules without their texts:
/// each must match exactly the flows its rule matches (`Rule.matches`, the table as written).
@Suite("Rule probes")
struct RuleMatchTests {
    /// Each table's bounds and neighbours of the ports it lists (Microsoft's tables: 53, 80, 443,
    /// 3478, 5061, 5269, 50000-59999).
    static let ports: [UInt16] = [0, 1, 52, 53, 54, 79, 80, 81, 442, 443, 444, 3477, 3478, 3479, 5060, 5061, 5062, 5268, 5269, 5270,
                                  49_999, 50_000, 50_001, 55_555, 59_999, 60_000, 65_535]

    @Test("every rule's probe matches the flows its rule matches, for every role, transport and listed port")
    func agreesWithRules() {
        var compared = 0, differing = 0
        for (rules, probes) in [(PortTables.hybrid, RuleMatch.hybrid), (PortTables.edge, RuleMatch.edge)] {
            #expect(rules.count == probes.count)
            for (rule, probe) in zip(rules, probes) {
                for from in Role.allCases {
                    for to in Role.allCases {
                        for proto: UInt8 in [1, 6, 17] {
                            for s in Self.ports {
                                for d in Self.ports {
                                    compared += 1
                                    if rule.matches(fromRole: from, toRole: to, proto: proto, srcPort: s, dstPort: d)
                                        != probe.matches(fromRole: from, toRole: to, proto: proto, srcPort: s, dstPort: d) { differing += 1 }
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(compared == (PortTables.hybrid.count + PortTables.edge.count) * 25 * 3 * Self.ports.count * Self.ports.count)
        #expect(differing == 0)
    }

    @Test("stun-tcp-out's two destination ranges: 443 and 50000-59999, nothing between")
    func twoRanges() {
        let probe = RuleMatch.hybrid[2]
        #expect(PortTables.hybrid[2].id == "stun-tcp-out")
        let at = { (d: UInt16) in probe.matches(fromRole: .avEdge, toRole: .office365, proto: 6, srcPort: 50_000, dstPort: d) }
        #expect(at(443) && at(50_000) && at(59_999))
        #expect(!at(442) && !at(444) && !at(3478) && !at(49_999) && !at(60_000))
    }
}

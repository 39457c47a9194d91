import Testing
@testable import EdgeflowKit

/// The roles an address holds: a consolidated Edge (one address for several roles, as
/// Microsoft's "single consolidated Edge" topology allows) holds each, in the order of
/// `Role.allCases`; otherwise Office 365 (52.112.0.0/14 is in Microsoft's published
/// "Skype for Business Online and Microsoft Teams" ranges) or other.
@Suite("Topology roles")
struct TopologyRolesTests {
    static func topology() -> Topology {
        var t = Topology(ranges: .embedded())
        t.add(Prefix("203.0.113.10/32")!, as: .accessEdge)
        t.add(Prefix("203.0.113.10/32")!, as: .webconfEdge)
        t.add(Prefix("203.0.113.0/28")!, as: .avEdge)
        return t
    }

    @Test("Edge, Office 365 and other addresses", arguments: [
        ("203.0.113.10", [Role.accessEdge, .avEdge, .webconfEdge], true),
        ("203.0.113.11", [Role.avEdge], true),
        ("52.112.1.5", [Role.office365], false),
        ("198.51.100.7", [Role.other], false),
    ])
    func roles(address: String, expected: [Role], edge: Bool) {
        let set = Self.topology().roles(of: IPAddress(address)!)
        #expect(Array(set) == expected)
        #expect(set.holdsEdgeRole == edge)
        for role in Role.allCases { #expect(set.contains(role) == expected.contains(role)) }
    }
}

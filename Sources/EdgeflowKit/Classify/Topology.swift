/// Which addresses hold which Edge role, and the Office 365 ranges: everything needed to
/// give each flow end a role.
public struct Topology: Sendable {
    public var accessEdge: [Prefix] = []
    public var avEdge: [Prefix] = []
    public var webconfEdge: [Prefix] = []
    /// Names the Access Edge's certificate must cover (its external FQDN, e.g. sip.contoso.com).
    public var accessEdgeNames: [String] = []
    public var ranges: Office365Ranges

    public init(ranges: Office365Ranges) { self.ranges = ranges }

    /// Configured prefixes of a role.
    public func prefixes(of role: Role) -> [Prefix] {
        switch role {
        case .accessEdge: accessEdge
        case .avEdge: avEdge
        case .webconfEdge: webconfEdge
        default: []
        }
    }

    mutating func add(_ p: Prefix, as role: Role) {
        switch role {
        case .accessEdge: if !accessEdge.contains(p) { accessEdge.append(p) }
        case .avEdge: if !avEdge.contains(p) { avEdge.append(p) }
        case .webconfEdge: if !webconfEdge.contains(p) { webconfEdge.append(p) }
        default: break
        }
    }

    /// The Edge roles an address holds (a consolidated Edge may hold several), else
    /// Office 365 or other. Inlined: called on a topology reached in place (`inout`), the
    /// topology was copied for the call.
    @inline(__always)
    public func roles(of a: IPAddress) -> RoleSet {
        var out = RoleSet()
        if accessEdge.contains(where: { $0.contains(a) }) { out.insert(.accessEdge) }
        if avEdge.contains(where: { $0.contains(a) }) { out.insert(.avEdge) }
        if webconfEdge.contains(where: { $0.contains(a) }) { out.insert(.webconfEdge) }
        if out.isEmpty { out.insert(ranges.contains(a) ? .office365 : .other) }
        return out
    }
}

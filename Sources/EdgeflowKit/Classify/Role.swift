/// What an address is in the hybrid picture.
public enum Role: String, CaseIterable, Sendable {
    case accessEdge = "access_edge"
    case avEdge = "av_edge"
    case webconfEdge = "webconf_edge"
    case office365
    case other

    public var isEdge: Bool { self == .accessEdge || self == .avEdge || self == .webconfEdge }

    /// `allCases.count`, as a constant (`RuleIndex` checks it once).
    static let count = 5

    /// The role's place in `allCases` (a bit of `RoleSet`, a row of `RuleIndex`), without a search.
    @inline(__always)
    var index: Int {
        switch self {
        case .accessEdge: 0
        case .avEdge: 1
        case .webconfEdge: 2
        case .office365: 3
        case .other: 4
        }
    }

    /// `rawValue` as static text, for writers that copy bytes without making a `String`.
    var staticName: StaticString {
        switch self {
        case .accessEdge: "access_edge"
        case .avEdge: "av_edge"
        case .webconfEdge: "webconf_edge"
        case .office365: "office365"
        case .other: "other"
        }
    }
}

/// The roles one address holds, as a bit mask: iterated in the order of `Role.allCases`
/// without an array (every flow end asks for its address's roles).
public struct RoleSet: Sequence, Sendable, BitwiseCopyable, Equatable {
    private var bits: UInt8 = 0

    public init() {}

    public init(_ roles: Role...) { for r in roles { insert(r) } }

    public var isEmpty: Bool { bits == 0 }

    /// Whether any member is an Edge role.
    public var holdsEdgeRole: Bool { bits & 0b111 != 0 }

    /// The one role of a set without Edge roles (`roles(of:)` gives such an address one):
    /// Office 365 or other.
    var plainRole: Role { contains(.office365) ? .office365 : .other }

    /// The set's one role, nil when it holds none or several (most addresses hold one).
    @inline(__always)
    var single: Role? {
        guard bits != 0, bits & (bits &- 1) == 0 else { return nil }
        var roles = makeIterator()
        return roles.next()
    }

    public mutating func insert(_ r: Role) { bits |= 1 << Self.bit(r) }

    @inline(__always)
    public func contains(_ r: Role) -> Bool { bits & (1 << Self.bit(r)) != 0 }

    @inline(__always)
    private static func bit(_ r: Role) -> UInt8 { UInt8(truncatingIfNeeded: r.index) }

    public struct Iterator: IteratorProtocol {
        fileprivate var left: UInt8

        public mutating func next() -> Role? {
            guard left != 0 else { return nil }
            let i = left.trailingZeroBitCount
            left &= left &- 1
            switch i {
            case 0: return .accessEdge
            case 1: return .avEdge
            case 2: return .webconfEdge
            case 3: return .office365
            default: return .other
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(left: bits) }
}

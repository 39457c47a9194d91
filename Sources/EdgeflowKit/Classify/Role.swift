/// What an address is in the hybrid picture.
public enum Role: String, CaseIterable, Sendable {
    case accessEdge = "access_edge"
    case avEdge = "av_edge"
    case webconfEdge = "webconf_edge"
    case office365
    case other

    public var isEdge: Bool { self == .accessEdge || self == .avEdge || self == .webconfEdge }
}

/// Roles in words: messages, tables and the flags that give them.
extension Role {
    /// For messages: "Access Edge", "Office 365", ...
    public var title: String {
        switch self {
        case .accessEdge: "Access Edge"
        case .avEdge: "A/V Edge"
        case .webconfEdge: "Web Conferencing Edge"
        case .office365: "Office 365"
        case .other: "other host"
        }
    }

    /// The title with "the" where English wants it: "the Access Edge", "Office 365".
    public var named: String { self == .office365 || self == .other ? title : "the " + title }

    /// The command-line flag (and settings key) that gives this role's addresses.
    public var flag: String {
        switch self {
        case .accessEdge: "--access-edge (access_edge in the settings file)"
        case .avEdge: "--av-edge (av_edge in the settings file)"
        case .webconfEdge: "--webconf-edge (webconf_edge in the settings file)"
        case .office365: "--office365 FILE (Microsoft's endpoints list)"
        case .other: "no flag: any address outside the Edge roles and Office 365"
        }
    }
}

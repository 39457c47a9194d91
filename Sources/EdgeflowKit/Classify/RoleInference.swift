/// Infers Edge roles from traffic when they were not configured: an address speaking TLS
/// on 5061 with Office 365 in the hybrid rules' shape is an Access Edge; one speaking
/// STUN/TURN with Office 365 on UDP 3478 ↔ 3478 or TCP 443 ↔ 50000-59999 is an A/V Edge.
/// An address keeps the first role it is inferred for.
public struct RoleInference: Sendable {
    /// Roles given by the user: never inferred.
    public let configured: Set<Role>
    /// Inferred addresses per role, with the evidence, in order of discovery.
    public private(set) var found: [(role: Role, address: IPAddress, evidence: String)] = []
    /// Addresses that act as an Edge role the user gave, without being among its addresses
    /// (at most `undeclaredLimit`): their traffic is judged `unrelated` until they are added.
    public private(set) var undeclared: [(role: Role, address: IPAddress, evidence: String)] = []
    static let undeclaredLimit = 64

    public init(configured: Set<Role>) { self.configured = configured }

    /// Whether any role is left to infer.
    public var isActive: Bool { !configured.contains(.accessEdge) || !configured.contains(.avEdge) }

    /// Looks at a flow's facts (at any point of its life); returns true when a new address was learnt.
    public mutating func observe(_ r: FlowRecord, topology: inout Topology) -> Bool {
        let o = r.originator, p = r.responder
        let oIn = topology.ranges.contains(o.address), pIn = topology.ranges.contains(p.address)
        guard oIn != pIn else { return false }
        let (edge, edgePort, peer, peerPort) = oIn ? (p.address, p.port, o.address, o.port) : (o.address, o.port, p.address, p.port)
        var role: Role? = nil
        var evidence = ""
        let s = r.services
        if r.key.proto == 6, (s.contains(.sipTLS) || s.contains(.tls)), edgePort == 5061 || peerPort == 5061 {
            role = .accessEdge
            evidence = "TLS on TCP 5061 with Office 365 \(peer.text)"
        } else if s.contains(.stun) || s.contains(.turnTCP) {
            if r.key.proto == 17, edgePort == 3478, peerPort == 3478 {
                role = .avEdge
                evidence = "STUN on UDP 3478 with Office 365 \(peer.text)"
            } else if r.key.proto == 6, PortTables.media.contains(edgePort), peerPort == 443 || PortTables.media.contains(peerPort) {
                role = .avEdge
                evidence = "STUN/TURN on TCP \(edgePort) with Office 365 \(peer.text(port: peerPort))"
            }
        }
        guard let role else { return false }
        guard !configured.contains(role) else {
            if undeclared.count < Self.undeclaredLimit, topology.roles(of: edge).allSatisfy({ !$0.isEdge }),
               !undeclared.contains(where: { $0.address == edge && $0.role == role }) {
                undeclared.append((role, edge, evidence))
            }
            return false
        }
        // First evidence wins: an address already holding a role is not given another.
        guard !found.contains(where: { $0.address == edge }) else { return false }
        guard topology.roles(of: edge).allSatisfy({ !$0.isEdge }) else { return false }
        found.append((role, edge, evidence))
        topology.add(Prefix(host: edge), as: role)
        return true
    }
}

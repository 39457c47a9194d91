/// Infers Edge roles from traffic when they were not configured: an address speaking TLS
/// on 5061 with Office 365 in the hybrid rules' shape is an Access Edge; one speaking
/// STUN/TURN with Office 365 on UDP 3478 ↔ 3478 or TCP 443 ↔ 50000-59999 is an A/V Edge.
/// An address keeps the first role it is inferred for.
public struct RoleInference: Sendable {
    /// Roles given by the user: never inferred.
    public let configured: Set<Role>
    /// Inferred addresses per role, with the evidence, in order of discovery.
    public private(set) var found: [(role: Role, address: IPAddress, evidence: RoleEvidence)] = []
    /// Addresses that act as an Edge role the user gave, without being among its addresses
    /// (at most `undeclaredLimit`): their traffic is judged `unrelated` until they are added.
    public private(set) var undeclared: [(role: Role, address: IPAddress, evidence: RoleEvidence)] = []
    static let undeclaredLimit = 64

    public init(configured: Set<Role>) { self.configured = configured }

    /// Whether any role is left to infer.
    public var isActive: Bool { !configured.contains(.accessEdge) || !configured.contains(.avEdge) }

    /// Whether a flow of these services may be evidence: only TLS and STUN/TURN are, so a flow
    /// with neither (every flow of a scan) looks no address up.
    @inline(__always)
    static func mayBeEvidence(_ s: ServiceSet) -> Bool {
        s.contains(.sipTLS) || s.contains(.tls) || s.contains(.stun) || s.contains(.turnTCP)
    }

    /// Looks at a flow's facts (at any point of its life); returns true when a new address was learnt.
    public mutating func observe(_ r: FlowRecord, topology: inout Topology) -> Bool {
        let s = r.services
        guard Self.mayBeEvidence(s) else { return false }
        let o = r.originator, p = r.responder
        let oIn = topology.ranges.contains(o.address), pIn = topology.ranges.contains(p.address)
        guard oIn != pIn else { return false }
        let (edge, edgePort, peer, peerPort) = oIn ? (p.address, p.port, o.address, o.port) : (o.address, o.port, p.address, p.port)
        var evidence: RoleEvidence? = nil
        if r.key.proto == IPProtocol.tcp, (s.contains(.sipTLS) || s.contains(.tls)), edgePort == 5061 || peerPort == 5061 {
            evidence = .tlsOn5061(peer: peer)
        } else if s.contains(.stun) || s.contains(.turnTCP) {
            if r.key.proto == IPProtocol.udp, edgePort == 3478, peerPort == 3478 {
                evidence = .stunOnUDP3478(peer: peer)
            } else if r.key.proto == IPProtocol.tcp, PortTables.media.contains(edgePort), peerPort == 443 || PortTables.media.contains(peerPort) {
                evidence = .stunOnTCP(edgePort: edgePort, peer: peer, peerPort: peerPort)
            }
        }
        guard let evidence else { return false }
        let role = evidence.role
        guard !configured.contains(role) else {
            if undeclared.count < Self.undeclaredLimit, !topology.roles(of: edge).holdsEdgeRole,
               !undeclared.contains(where: { $0.address == edge && $0.role == role }) {
                undeclared.append((role, edge, evidence))
            }
            return false
        }
        // First evidence wins: an address already holding a role is not given another.
        guard !found.contains(where: { $0.address == edge }) else { return false }
        guard !topology.roles(of: edge).holdsEdgeRole else { return false }
        found.append((role, edge, evidence))
        topology.add(Prefix(host: edge), as: role)
        return true
    }
}

/// What a flow with Office 365 showed about the address at its other end, and so which Edge
/// role it plays. Report/RoleEvidenceWords.swift words it.
public enum RoleEvidence: Sendable, Equatable {
    /// TLS on TCP 5061 with Office 365 `peer`: the Access Edge (SIP over mutual TLS).
    case tlsOn5061(peer: IPAddress)
    /// STUN on UDP 3478 ↔ 3478 with Office 365 `peer`: the A/V Edge.
    case stunOnUDP3478(peer: IPAddress)
    /// STUN/TURN on TCP from media port `edgePort` with Office 365 `peer`:`peerPort` (443 or a media port): the A/V Edge.
    case stunOnTCP(edgePort: UInt16, peer: IPAddress, peerPort: UInt16)

    /// The role the evidence shows.
    public var role: Role {
        switch self {
        case .tlsOn5061: .accessEdge
        case .stunOnUDP3478, .stunOnTCP: .avEdge
        }
    }
}

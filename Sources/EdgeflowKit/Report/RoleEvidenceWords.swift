/// Role evidence in words, as the report's `topology.inferred` and the role findings say it.
extension RoleEvidence {
    /// "TLS on TCP 5061 with Office 365 52.112.1.5".
    public var text: String {
        switch self {
        case .tlsOn5061(let peer): "TLS on TCP 5061 with Office 365 \(peer.text)"
        case .stunOnUDP3478(let peer): "STUN on UDP 3478 with Office 365 \(peer.text)"
        case .stunOnTCP(let edgePort, let peer, let peerPort): "STUN/TURN on TCP \(edgePort) with Office 365 \(peer.text(port: peerPort))"
        }
    }
}

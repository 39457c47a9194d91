/// One row of a port table: who may open what to whom.
public struct Rule: Sendable, Equatable {
    public enum Table: String, Sendable { case hybrid, edge }

    public var id: String
    public var table: Table
    public var protocolName: String
    /// IP protocol number: `IPProtocol.tcp` or `IPProtocol.udp`.
    public var transport: UInt8
    /// Role of the initiator; nil means any address.
    public var from: Role?
    /// Role of the responder; nil means any address.
    public var to: Role?
    public var srcPorts: PortSet
    public var dstPorts: PortSet
    /// The flow must carry TLS (SIP over mutual TLS), not plaintext SIP.
    public var requiresTLS = false
    public var note: String

    public var transportName: String { transport == 6 ? "TCP" : "UDP" }

    func matches(fromRole: Role, toRole: Role, proto: UInt8, srcPort: UInt16, dstPort: UInt16) -> Bool {
        proto == transport && Rule.role(from, accepts: fromRole) && Rule.role(to, accepts: toRole)
            && srcPorts.contains(srcPort) && dstPorts.contains(dstPort)
    }

    static func role(_ wanted: Role?, accepts actual: Role) -> Bool {
        guard let wanted else { return actual != .office365 }
        return wanted == actual
    }
}

/// What `Rule.matches` compares, without the rule's texts: the classifier probes these per
/// flow, a copy of which holds no reference. Ports as at most two ranges, as every table rule's.
struct RuleMatch {
    let transport: UInt8
    let from: Role?
    let to: Role?
    let src: (UInt16, UInt16, UInt16, UInt16)
    let dst: (UInt16, UInt16, UInt16, UInt16)

    init(_ r: Rule) {
        transport = r.transport
        from = r.from
        to = r.to
        src = Self.ranges(r.srcPorts)
        dst = Self.ranges(r.dstPorts)
    }

    /// `p`'s ranges as (low, high, low, high); a single range is given twice.
    private static func ranges(_ p: PortSet) -> (UInt16, UInt16, UInt16, UInt16) {
        precondition((1...2).contains(p.ranges.count), "a port table rule lists one or two port ranges")
        let a = p.ranges[0], b = p.ranges[p.ranges.count - 1]
        return (a.lowerBound, a.upperBound, b.lowerBound, b.upperBound)
    }

    /// `Rule.matches` of the rule this was made from.
    @inline(__always)
    func matches(fromRole: Role, toRole: Role, proto: UInt8, srcPort: UInt16, dstPort: UInt16) -> Bool {
        proto == transport && Rule.role(from, accepts: fromRole) && Rule.role(to, accepts: toRole)
            && Self.contains(src, srcPort) && Self.contains(dst, dstPort)
    }

    @inline(__always)
    private static func contains(_ r: (UInt16, UInt16, UInt16, UInt16), _ p: UInt16) -> Bool {
        (r.0...r.1).contains(p) || (r.2...r.3).contains(p)
    }

    /// `PortTables.hybrid` and `PortTables.edge`, rule by rule.
    static let hybrid = PortTables.hybrid.map(RuleMatch.init)
    static let edge = PortTables.edge.map(RuleMatch.init)
}

/// The port tables edgeflow checks.
public enum PortTables {
    static let media: ClosedRange<UInt16> = 50000...59999

    /// The table `which`.
    static func rules(_ which: Rule.Table) -> [Rule] {
        switch which {
        case .hybrid: hybrid
        case .edge: edge
        }
    }

    /// Microsoft's hybrid table (Edge ↔ Office 365), report-schema.md rule ids.
    public static let hybrid: [Rule] = [
        Rule(id: "sip-mtls-out", table: .hybrid, protocolName: "SIP (MTLS)", transport: IPProtocol.tcp, from: .accessEdge, to: .office365,
             srcPorts: .any, dstPorts: PortSet(5061), requiresTLS: true, note: "federation signalling"),
        Rule(id: "sip-mtls-in", table: .hybrid, protocolName: "SIP (MTLS)", transport: IPProtocol.tcp, from: .office365, to: .accessEdge,
             srcPorts: .any, dstPorts: PortSet(5061), requiresTLS: true, note: "federation signalling"),
        Rule(id: "stun-tcp-out", table: .hybrid, protocolName: "STUN", transport: IPProtocol.tcp, from: .avEdge, to: .office365,
             srcPorts: PortSet(ranges: [media]), dstPorts: PortSet(ranges: [443...443, media]), note: "audio, video, sharing"),
        Rule(id: "stun-tcp-in", table: .hybrid, protocolName: "STUN", transport: IPProtocol.tcp, from: .office365, to: .avEdge,
             srcPorts: PortSet(443), dstPorts: PortSet(ranges: [media]), note: "audio, video, sharing"),
        Rule(id: "stun-udp-out", table: .hybrid, protocolName: "STUN", transport: IPProtocol.udp, from: .avEdge, to: .office365,
             srcPorts: PortSet(3478), dstPorts: PortSet(3478), note: "audio, video"),
        Rule(id: "stun-udp-in", table: .hybrid, protocolName: "STUN", transport: IPProtocol.udp, from: .office365, to: .avEdge,
             srcPorts: PortSet(3478), dstPorts: PortSet(3478), note: "audio, video"),
    ]

    /// The Edge Server external firewall table (Edge ↔ any other host).
    public static let edge: [Rule] = [
        Rule(id: "edge-xmpp-in", table: .edge, protocolName: "XMPP", transport: IPProtocol.tcp, from: nil, to: .accessEdge,
             srcPorts: .any, dstPorts: PortSet(5269), note: "XMPP federation (not in SfB 2019)"),
        Rule(id: "edge-access-http-out", table: .edge, protocolName: "HTTP", transport: IPProtocol.tcp, from: .accessEdge, to: nil,
             srcPorts: .any, dstPorts: PortSet(80), note: "certificate revocation checks"),
        Rule(id: "edge-access-dns-tcp-out", table: .edge, protocolName: "DNS", transport: IPProtocol.tcp, from: .accessEdge, to: nil,
             srcPorts: .any, dstPorts: PortSet(53), note: "DNS over TCP"),
        Rule(id: "edge-access-dns-udp-out", table: .edge, protocolName: "DNS", transport: IPProtocol.udp, from: .accessEdge, to: nil,
             srcPorts: .any, dstPorts: PortSet(53), note: "DNS over UDP"),
        Rule(id: "edge-access-sip-tls-in", table: .edge, protocolName: "SIP (TLS)", transport: IPProtocol.tcp, from: nil, to: .accessEdge,
             srcPorts: .any, dstPorts: PortSet(443), note: "remote users' clients"),
        Rule(id: "edge-access-sip-mtls-in", table: .edge, protocolName: "SIP (MTLS)", transport: IPProtocol.tcp, from: nil, to: .accessEdge,
             srcPorts: .any, dstPorts: PortSet(5061), requiresTLS: true, note: "federation and public IM, inbound"),
        Rule(id: "edge-access-sip-mtls-out", table: .edge, protocolName: "SIP (MTLS)", transport: IPProtocol.tcp, from: .accessEdge, to: nil,
             srcPorts: .any, dstPorts: PortSet(5061), requiresTLS: true, note: "federation and public IM, outbound"),
        Rule(id: "edge-webconf-psom-in", table: .edge, protocolName: "PSOM (TLS)", transport: IPProtocol.tcp, from: nil, to: .webconfEdge,
             srcPorts: .any, dstPorts: PortSet(443), note: "web conferencing"),
        Rule(id: "edge-av-rtp-tcp-out", table: .edge, protocolName: "RTP", transport: IPProtocol.tcp, from: .avEdge, to: nil,
             srcPorts: PortSet(ranges: [media]), dstPorts: .any, note: "relayed media, outbound"),
        Rule(id: "edge-av-rtp-udp-out", table: .edge, protocolName: "RTP", transport: IPProtocol.udp, from: .avEdge, to: nil,
             srcPorts: PortSet(ranges: [media]), dstPorts: .any, note: "relayed media, outbound"),
        Rule(id: "edge-av-stun-udp-out", table: .edge, protocolName: "STUN/MS-TURN", transport: IPProtocol.udp, from: .avEdge, to: nil,
             srcPorts: .any, dstPorts: PortSet(3478), note: "Edge to Edge and federation media"),
        Rule(id: "edge-av-stun-udp-in", table: .edge, protocolName: "STUN/MS-TURN", transport: IPProtocol.udp, from: nil, to: .avEdge,
             srcPorts: .any, dstPorts: PortSet(3478), note: "candidate negotiation over UDP"),
        Rule(id: "edge-av-stun-tcp-in", table: .edge, protocolName: "STUN/MS-TURN", transport: IPProtocol.tcp, from: nil, to: .avEdge,
             srcPorts: .any, dstPorts: PortSet(443), note: "candidate negotiation over TCP"),
        Rule(id: "edge-av-stun-tcp-out", table: .edge, protocolName: "STUN/MS-TURN", transport: IPProtocol.tcp, from: .avEdge, to: nil,
             srcPorts: .any, dstPorts: PortSet(443), note: "candidate negotiation over TCP"),
    ]
}

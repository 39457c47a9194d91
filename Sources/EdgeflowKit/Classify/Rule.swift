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

/// The ports `Rule.matches` compares, without the rule's texts: the classifier probes these per
/// flow, a copy of which holds no reference. Ports as at most two ranges, as every table rule's.
struct RuleMatch {
    let src: (UInt16, UInt16, UInt16, UInt16)
    let dst: (UInt16, UInt16, UInt16, UInt16)

    init(_ r: Rule) {
        src = Self.ranges(r.srcPorts)
        dst = Self.ranges(r.dstPorts)
    }

    /// `p`'s ranges as (low, high, low, high); a single range is given twice.
    private static func ranges(_ p: PortSet) -> (UInt16, UInt16, UInt16, UInt16) {
        precondition((1...2).contains(p.ranges.count), "a port table rule lists one or two port ranges")
        let a = p.ranges[0], b = p.ranges[p.ranges.count - 1]
        return (a.lowerBound, a.upperBound, b.lowerBound, b.upperBound)
    }

    /// The ports' half of `Rule.matches` of the rule this was made from (`RuleIndex` holds the rest).
    @inline(__always)
    func matches(srcPort: UInt16, dstPort: UInt16) -> Bool {
        Self.contains(src, srcPort) && Self.contains(dst, dstPort)
    }

    @inline(__always)
    private static func contains(_ r: (UInt16, UInt16, UInt16, UInt16), _ p: UInt16) -> Bool {
        (r.0...r.1).contains(p) || (r.2...r.3).contains(p)
    }
}

/// A port table's rules as the classifier probes them: each rule's ports (`RuleMatch`), and the
/// rules a transport and a pair of roles may match (the half of `Rule.matches` that does not
/// look at ports) as bit masks of their positions, worked out once: a flow's classification then
/// tests only those rules' ports.
struct RuleIndex {
    let rules: [RuleMatch]
    /// By `slot`: TCP's masks, then UDP's; within each, by opener's role, then responder's.
    private let masks: [UInt64]

    init(_ table: [Rule]) {
        precondition(table.count <= 64, "a port table holds at most 64 rules")
        precondition(Role.allCases.count == Role.count && Role.allCases.enumerated().allSatisfy { $0 == $1.index }, "Role.count and Role.index follow allCases")
        rules = table.map(RuleMatch.init)
        var masks = [UInt64](repeating: 0, count: 2 * Self.pairs)
        for proto in [IPProtocol.tcp, IPProtocol.udp] {
            for from in Role.allCases {
                for to in Role.allCases {
                    for (i, r) in table.enumerated() where r.transport == proto && Rule.role(r.from, accepts: from) && Rule.role(r.to, accepts: to) {
                        masks[Self.slot(proto, from, to)] |= 1 << UInt64(i)
                    }
                }
            }
        }
        self.masks = masks
    }

    /// `PortTables.hybrid` and `PortTables.edge`.
    static let hybrid = RuleIndex(PortTables.hybrid)
    static let edge = RuleIndex(PortTables.edge)

    /// The position of the table's first rule that a flow so opened matches (as `Rule.matches`).
    @inline(__always)
    func firstMatch(fromRole: Role, toRole: Role, proto: UInt8, srcPort: UInt16, dstPort: UInt16) -> Int? {
        guard proto == IPProtocol.tcp || proto == IPProtocol.udp else { return nil }
        var candidates = masks[Self.slot(proto, fromRole, toRole)]
        while candidates != 0 {
            let i = candidates.trailingZeroBitCount
            if rules[i].matches(srcPort: srcPort, dstPort: dstPort) { return i }
            candidates &= candidates &- 1
        }
        return nil
    }

    /// Pairs of roles: the masks of one transport.
    private static let pairs = Role.count * Role.count

    @inline(__always)
    private static func slot(_ proto: UInt8, _ from: Role, _ to: Role) -> Int {
        (proto == IPProtocol.tcp ? 0 : pairs) &+ from.index &* Role.count &+ to.index
    }
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

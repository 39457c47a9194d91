/// A violation in words: the flow's `reason` in the report and the start of its finding's message.
extension Violation {
    /// "destination port 8443, rule stun-tcp-out requires 443, 50000-59999".
    public var reason: String {
        switch self {
        case .untabledProtocol(let proto, let from, let to):
            "\(FlowSummary.protoName(proto).uppercased()) between \(from.title) and \(to.title) is in no port table"
        case .formerMicrosoft(let address, let listing, let source):
            "\(address.text) is outside the published Office 365 ranges (\(source)); "
                + "Microsoft listed it in \(listing.prefix) from \(TimeFormat.date(days: listing.firstSeen)) to \(TimeFormat.date(days: listing.lastSeen))"
        case .plaintextSIPOnTLSRule(let port, let rule):
            "plaintext SIP on TCP \(port) where rule \(rule.id) requires SIP over mutual TLS"
        case .plaintextSIPWithOffice365(let transport, let port):
            "plaintext SIP (\(Self.transportName(transport)) \(port)) between Access Edge and Office 365; hybrid federation requires SIP over mutual TLS on TCP 5061"
        case .wrongDirection(let opener, let rule):
            "wrong direction: \(opener.named) opened the connection; rule \(rule.id) allows only \(Self.title(rule.from)) → \(Self.title(rule.to))"
        case .wrongSourcePort(let role, let port, let rule):
            "\(role.title) source port \(port), rule \(rule.id) requires \(rule.srcPorts)"
        case .wrongDestinationPort(let port, let rule):
            "destination port \(port), rule \(rule.id) requires \(rule.dstPorts)"
        case .wrongTransport(let transport, let port, let rule):
            "\(Self.transportName(transport)) to port \(port), rule \(rule.id) requires \(rule.transportName)"
        case .unlistedPorts(let transport, let srcPort, let dstPort, let from, let to, let allowed):
            "\(Self.transportName(transport)) \(srcPort) → \(dstPort) matches no rule for \(from.title) → \(Self.title(to)); allowed: "
                + allowed.map { ($0.srcPorts.isAny ? "" : "\($0.srcPorts) → ") + "\($0.dstPorts) (\($0.id))" }.joined(separator: "; ")
        case .noRule(let table, let from, let to, let transport, let port):
            "no \(table == .hybrid ? "hybrid" : "Edge external") rule allows \(from.title) → \(to.title) over \(Self.transportName(transport)) \(port)"
        }
    }

    /// The message of the violation's finding, before the endpoints it lists.
    func findingMessage(from: Role, to: Role) -> String {
        switch self {
        case .formerMicrosoft(_, let listing, _):
            "traffic with Microsoft addresses no longer in the published Office 365 ranges "
                + "(listed in \(listing.prefix) until \(TimeFormat.date(days: listing.lastSeen))); update the firewall rules and the Edge's routes:"
        case .plaintextSIPOnTLSRule, .plaintextSIPWithOffice365:
            reason + ":"
        case .untabledProtocol, .wrongDirection, .wrongSourcePort, .wrongDestinationPort, .wrongTransport, .unlistedPorts, .noRule:
            "\(from.title) → \(to.title): \(reason):"
        }
    }

    /// A rule's end in words: its role, or "any host".
    static func title(_ role: Role?) -> String { role?.title ?? "any host" }

    /// "TCP" or "UDP" (the port tables list no other transport).
    static func transportName(_ proto: UInt8) -> String { proto == IPProtocol.tcp ? "TCP" : "UDP" }
}

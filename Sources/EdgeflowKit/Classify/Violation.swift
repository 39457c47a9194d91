/// Why a flow breaks the port tables, as facts: each kind with what the flow did and the
/// rule it was held against. Report/ViolationWords.swift says it in words. Indirect: its
/// payload (a `Rule` of strings, a list of rules) lives in a box, so a `Classification`, made
/// and dropped for every flow, is 64 bytes, not 152, and one without a violation holds no reference.
public indirect enum Violation: Sendable, Equatable {
    /// An IP protocol other than TCP, UDP and ICMP between an Edge role and another host.
    case untabledProtocol(proto: UInt8, from: Role, to: Role)
    /// The remote end of an Edge flow is outside the Office 365 ranges in use (`source`
    /// names them) but Microsoft listed it once, in `listing`.
    case formerMicrosoft(address: IPAddress, listing: Office365Ranges.HistoricPrefix, source: String)
    /// The flow matches `rule`, which requires SIP over mutual TLS, but carried plaintext SIP to `port`.
    case plaintextSIPOnTLSRule(port: UInt16, rule: Rule)
    /// Plaintext SIP between the Access Edge and Office 365 on a port no rule allows.
    case plaintextSIPWithOffice365(transport: UInt8, port: UInt16)
    /// `opener` opened a flow that `rule` allows only the other way.
    case wrongDirection(opener: Role, rule: Rule)
    /// The destination port matches `rule` but the source port of `role` does not.
    case wrongSourcePort(role: Role, port: UInt16, rule: Rule)
    /// The source port matches `rule` (one that names source ports) but the destination port does not.
    case wrongDestinationPort(port: UInt16, rule: Rule)
    /// `rule` allows the destination port over its other transport.
    case wrongTransport(transport: UInt8, port: UInt16, rule: Rule)
    /// Rules exist between the two roles over this transport, none for these ports:
    /// `allowed` lists them. `to` is nil when the rules' responder is any host.
    case unlistedPorts(transport: UInt8, srcPort: UInt16, dstPort: UInt16, from: Role, to: Role?, allowed: [Rule])
    /// No rule of `table` allows anything between the two roles over this transport.
    case noRule(table: Rule.Table, from: Role, to: Role, transport: UInt8, port: UInt16)

    /// The code of the finding the violation makes.
    public var findingCode: FindingCode {
        switch self {
        case .formerMicrosoft: .microsoftOutsideRanges
        case .plaintextSIPOnTLSRule, .plaintextSIPWithOffice365: .plaintextSIP
        case .untabledProtocol, .wrongDirection, .wrongSourcePort, .wrongDestinationPort, .wrongTransport, .unlistedPorts, .noRule:
            .portViolation
        }
    }
}

extension Compliance {
    /// `icmp_rejected`: a packet of a flow on the hybrid or Edge table (or with Office 365)
    /// was refused with an ICMP destination unreachable, the way a firewall blocking the
    /// hybrid ports often answers. An error on a hybrid rule, a warning otherwise.
    mutating func icmpFindings(_ r: FlowRecord, _ c: Classification, _ ends: FlowEnds, uid: @autoclosure () -> String) {
        let proto = r.key.ipVersion == 6 ? IPProtocol.icmpv6 : IPProtocol.icmp
        guard r.icmpErrors > 0, ICMPError.isRejection(proto: proto, type: r.icmpErrorType, code: r.icmpErrorCode) else { return }
        guard ends.withOffice365 || c.ruleRef != nil else { return }
        note(FlowFinding.icmpRejected(transport: r.key.proto, toResponder: r.icmpErrorQuotedOriginator, sender: r.icmpErrorSender,
                                      icmp: (proto, r.icmpErrorType, r.icmpErrorCode), onHybridRule: ends.withOffice365 && c.ruleRef != nil),
             ends, uid: uid())
    }
}

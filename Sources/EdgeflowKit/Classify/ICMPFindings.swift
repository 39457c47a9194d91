extension Compliance {
    /// `icmp_rejected`: a packet of a flow on the hybrid or Edge table (or with Office 365)
    /// was refused with an ICMP destination unreachable, the way a firewall blocking the
    /// hybrid ports often answers. An error on a hybrid rule, a warning otherwise.
    /// `e`: what the ICMP errors that quoted the flow's packets said (`FlowSummary.icmp`).
    mutating func icmpFindings(_ r: FlowRecord, _ e: FlowSummary.ICMPErrors, _ c: Classification, _ ends: FlowEnds, uid: @autoclosure () -> String) {
        guard ICMPError.isRejection(proto: e.proto, type: e.type, code: e.code) else { return }
        guard ends.withOffice365 || c.ruleRef != nil else { return }
        note(FlowFinding.icmpRejected(transport: r.key.proto, toResponder: e.quotedOriginator, sender: e.from,
                                      icmp: (e.proto, e.type, e.code), onHybridRule: ends.withOffice365 && c.ruleRef != nil),
             ends, uid: uid())
    }
}

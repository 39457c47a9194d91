extension Compliance {
    /// `icmp_rejected`: a packet of a flow on the hybrid or Edge table (or with Office 365)
    /// was refused with an ICMP destination unreachable, the way a firewall blocking the
    /// hybrid ports often answers. An error on a hybrid rule, a warning otherwise.
    mutating func icmpFindings(_ r: FlowRecord, _ c: Classification, uid: String) {
        let proto: UInt8 = r.key.ipVersion == 6 ? 58 : 1
        guard r.icmpErrors > 0, ICMPError.isRejection(proto: proto, type: r.icmpErrorType, code: r.icmpErrorCode) else { return }
        let hybrid = c.origRole == .office365 || c.respRole == .office365
        guard hybrid || c.rule != nil else { return }
        let from = r.icmpErrorQuotedOriginator ? r.originator : r.responder
        let to = r.icmpErrorQuotedOriginator ? r.responder : r.originator
        let toRole = r.icmpErrorQuotedOriginator ? c.respRole : c.origRole
        let what = ICMPError.describe(proto: proto, type: r.icmpErrorType, code: r.icmpErrorCode)
        note(hybrid && c.rule != nil ? .error : .warning, "icmp_rejected",
             "\(r.key.proto == 6 ? "TCP" : "UDP") \(to.port) to \(toRole.title) rejected by \(r.icmpErrorSender.text): ICMP \(what):",
             subject: "\(from.address.text(port: from.port)) → \(to.address.text(port: to.port))", uid: uid)
    }
}

/// Collects, flow by flow, the hybrid rules' status and the findings. Holds counters and
/// a bounded list of uids per finding; nothing grows with the number of flows.
public struct Compliance: Sendable {
    public private(set) var rules: [RuleStatus] = PortTables.hybrid.map { RuleStatus(rule: $0) }
    private var grouped: [String: Finding] = [:]
    private var order: [String] = []
    private var groupsByCode: [String: Int] = [:]
    static let groupsPerCode = 64
    public private(set) var violations = 0
    public private(set) var allowed = 0
    /// While set, findings are made at most this severe (`info` for flows without an Edge role).
    private var severityCap: Finding.Severity? = nil

    public init() {}

    /// Accounts one classified flow.
    mutating func add(_ r: FlowRecord, _ c: Classification, uid: String, app: AppReport? = nil, accessEdgeNames: [String] = []) {
        // A flow that sent STUN requests counts as answered only if a response matched one.
        var answered = r.answered
        if let st = app?.stun?.stats, st.count(.binding, .request) + st.count(.allocate, .request) > 0 { answered = st.matched > 0 }
        if c.verdict == .allowed { account(r, c, answered: answered) }
        switch c.verdict {
        case .violation: violations += 1
        case .allowed: allowed += 1
        case .unrelated:
            // Without an Edge role the flow is no rule's business, but what its TLS, STUN/TURN
            // and media showed is still worth knowing: said as information.
            if let app {
                severityCap = .info
                appFindings(r, c, app, uid: uid, names: accessEdgeNames)
                severityCap = nil
            }
            return
        }
        let o = r.originator, p = r.responder
        let hybrid = c.origRole == .office365 || c.respRole == .office365
        if c.verdict == .violation, let reason = c.reason {
            if let former = c.formerListing, let address = c.formerAddress {
                note(.error, "microsoft_outside_ranges",
                     "traffic with Microsoft addresses no longer in the published Office 365 ranges "
                     + "(listed in \(former.prefix) until \(FlowClassifier.day(former.lastSeen))); update the firewall rules and the Edge's routes:",
                     subject: address.text, uid: uid)
            } else if r.services.contains(.sip), reason.contains("plaintext SIP") {
                note(.error, "plaintext_sip", reason + ":", subject: "\(o.address.text(port: o.port)) → \(p.address.text(port: p.port))", uid: uid)
            } else {
                note(.error, "port_violation", "\(c.origRole.title) → \(c.respRole.title): \(reason):",
                     subject: "\(o.address.text(port: o.port)) → \(p.address.text(port: p.port))", uid: uid)
            }
        }
        if let app { appFindings(r, c, app, uid: uid, names: accessEdgeNames) }
        icmpFindings(r, c, uid: uid)
        guard hybrid || c.rule != nil else { return }
        let ruleText = c.rule.map { "rule \($0.id)" } ?? "no rule"
        let severity: Finding.Severity = hybrid ? .error : .warning
        lazy var peer = p.address.text(port: p.port)
        if r.key.proto == 6 && !r.answered && r.tcp.synSeen {
            if r.tcp.resp == .reset {
                note(severity, "tcp_rejected", "\(c.respRole.title) refused TCP connections from \(c.origRole.named) with a reset (\(ruleText)):",
                     subject: peer, uid: uid)
            } else {
                note(severity, "tcp_unanswered", "TCP connections from \(c.origRole.named) to \(c.respRole.title) were never answered (\(ruleText)):",
                     subject: peer, uid: uid)
            }
        } else if r.key.proto == 17 && hybrid && !answered {
            note(.warning, "one_way_udp", "UDP from \(c.origRole.named) to \(c.respRole.title) got no reply (one-way: blocked, or media not flowing back):",
                 subject: "\(o.address.text(port: o.port)) → \(peer)", uid: uid)
        }
    }

    /// Counts an allowed flow's packets toward the hybrid rules they match, each direction its
    /// own rule (`rules` is in `PortTables.hybrid`'s order).
    private mutating func account(_ r: FlowRecord, _ c: Classification, answered: Bool) {
        if let i = c.forwardHybrid, r.origPackets > 0 {
            rules[i].flows += 1
            rules[i].packets += r.origPackets
            rules[i].bytes += r.origIPBytes
            if answered { rules[i].answeredFlows += 1 }
            // Who opened a TCP connection is known only from its SYN.
            if r.key.proto != 6 || r.tcp.synSeen { rules[i].openedFlows += 1 }
        }
        if let i = c.replyHybrid {
            rules[i].flows += 1
            rules[i].replyFlows += 1
            rules[i].packets += r.respPackets
            rules[i].bytes += r.respIPBytes
            if r.origPackets > 0 { rules[i].answeredFlows += 1 }
        }
    }

    /// Findings from what the flow's TLS handshake, STUN/TURN and media showed.
    private mutating func appFindings(_ r: FlowRecord, _ c: Classification, _ app: AppReport, uid: String, names: [String]) {
        let o = r.originator, p = r.responder
        // Made only when a finding names them.
        lazy var client = "\(c.origRole.title) \(o.address.text)"
        lazy var server = "\(c.respRole.title) \(p.address.text(port: p.port))"
        if let t = app.tls {
            for fromServer in [true, false] {
                guard let leaf = fromServer ? t.server.first : t.client.first else { continue }
                let seenAt = fromServer ? t.serverSeenAt : t.clientSeenAt
                var sender: String { fromServer ? server : client }
                if leaf.expiredAtCapture(seenAt) {
                    let date = leaf.hasValidity ? String(TimeFormat.iso8601(leaf.notAfter).prefix(10)) : "?"
                    note(.error, "tls_certificate_expired", "certificate \(leaf.subject) expired on \(date), before the capture; peers refuse it: renew it. Sent by", subject: sender, uid: uid)
                } else if leaf.notYetValid(seenAt) {
                    let from = String(TimeFormat.iso8601(leaf.notBefore).prefix(10))
                    note(.error, "tls_certificate_not_yet_valid", "certificate \(leaf.subject) is valid only from \(from) (check the clocks). Sent by", subject: sender, uid: uid)
                }
                if leaf.parseError != nil {
                    note(.warning, "tls_certificate_unreadable", "a certificate could not be parsed (\(leaf.parseError ?? "")). Sent by", subject: sender, uid: uid)
                }
            }
            if t.certificateRequested, t.clientCertificate == .absent || t.clientCertificate == .empty, t.serverHelloSeen,
               t.clientKeyExchangeSent || t.clientCertificate == .empty || (t.outcome == .failed && t.respAlert != nil) {
                note(.error, "tls_client_certificate_missing", "the server asked for a client certificate and the client sent none (mutual TLS on 5061 needs one):", subject: "\(client) → \(server)", uid: uid)
            }
            if t.outcome == .failed, let alert = t.respAlert ?? t.origAlert {
                let from = t.respAlert != nil ? c.respRole.named : c.origRole.named
                note(.error, "tls_handshake_failed", "TLS handshake failed with alert \(alert.name) from \(from):", subject: "\(client) → \(server)", uid: uid)
            }
            if let v = t.version, v.rawValue < 0x0303, v.rawValue >= 0x0300 {
                note(.warning, "tls_old_version", "\(v.description) negotiated; Office 365 and current Edge servers require TLS 1.2 or later:", subject: "\(client) → \(server)", uid: uid)
            }
            if let sni = t.sni, let leaf = t.server.first, leaf.parseError == nil || !leaf.dnsNames.isEmpty,
               !Self.names(leaf, cover: sni) {
                note(.warning, "tls_name_mismatch", "the server certificate (\(leaf.subject)) does not cover the name asked for (SNI \(sni)):", subject: server, uid: uid)
            }
            // The Access Edge's own certificate must carry its configured external name.
            if !names.isEmpty {
                let own = c.respRole == .accessEdge ? t.server.first : c.origRole == .accessEdge ? t.client.first : nil
                if let leaf = own, leaf.parseError == nil, !names.contains(where: { Self.names(leaf, cover: $0) }) {
                    let sender = c.respRole == .accessEdge ? server : client
                    note(.warning, "tls_edge_name_mismatch", "the Access Edge's certificate (\(leaf.subject)) covers none of its configured names (\(names.joined(separator: ", "))). Sent by",
                         subject: sender, uid: uid)
                }
            }
            if c.respRole == .office365, let leaf = t.server.first, leaf.parseError == nil, p.port == 5061,
               !Self.names(leaf, cover: "sipfed.online.lync.com") {
                note(.warning, "tls_unexpected_partner", "the Office 365 side of 5061 presented \(leaf.subject), not a certificate for sipfed.online.lync.com:", subject: server, uid: uid)
            }
        }
        if let st = app.stun?.stats {
            let o365 = c.origRole == .office365 || c.respRole == .office365
            if o365, st.unanswered > 0, st.matched == 0, r.key.proto == 17 {
                note(.error, "stun_unanswered", "STUN/TURN requests to Office 365 were never answered (UDP 3478 blocked or the relay unreachable):",
                     subject: "\(o.address.text(port: o.port)) → \(p.address.text(port: p.port))", uid: uid)
            }
            // Only TURN requests refused make a TURN failure (ICE Binding errors such as 487 do not).
            let turnErrors = st.count(.allocate, .errorResponse) + st.count(.refresh, .errorResponse)
                + st.count(.createPermission, .errorResponse) + st.count(.channelBind, .errorResponse)
            for i in 0..<STUNFlowStats.errorSlots where turnErrors > 0 && st.errorCount[i] > 0 && st.errorCode[i] != 401 && Self.allocationFailure(st.errorCode[i]) {
                note(.error, "turn_allocate_failed", "TURN requests refused with \(st.errorCode[i]) \(Self.errorName(st.errorCode[i])):", subject: server, uid: uid)
            }
            if st.allocateChallenges >= 3, st.allocateSuccesses == 0 {
                note(.error, "turn_auth_loop", "TURN Allocate answered 401 again and again, never accepted (wrong credentials or clock skew):", subject: server, uid: uid)
            }
            if let mapped = st.mapped, c.origRole == .avEdge, o365, mapped.ip != o.address {
                note(.warning, "nat_mismatch", "Office 365 sees the A/V Edge \(o.address.text) as \(mapped.ip.text) (XOR-MAPPED-ADDRESS): its NAT changes the address; the A/V Edge needs symmetric NAT that keeps the public IP configured in the topology:",
                     subject: "\(o.address.text) → \(mapped.text)", uid: uid)
            }
        }
        for s in app.rtp where s.stats.expected >= 50 {
            lazy var dir = s.fromOriginator ? "\(o.address.text) → \(p.address.text)" : "\(p.address.text) → \(o.address.text)"
            lazy var stream = "SSRC 0x\(String(s.ssrc, radix: 16)) \(dir)"
            if s.lossFraction > 0.10 {
                note(.warning, "media_loss", "RTP loss above 10 % (Call Quality Dashboard's threshold):",
                     subject: "\(stream) \(JSONWriter.format(s.lossFraction * 100, decimals: 1)) %", uid: uid)
            }
            if s.stats.jitterMilliseconds > 30 {
                note(.warning, "media_jitter", "RTP jitter above 30 ms (Call Quality Dashboard's threshold):",
                     subject: "\(stream) \(JSONWriter.format(s.stats.jitterMilliseconds, decimals: 1)) ms", uid: uid)
            }
        }
        let fromOrig = app.rtp.filter(\.fromOriginator).reduce(0) { $0 + Int($1.stats.packets) }
        let fromResp = app.rtp.filter { !$0.fromOriginator }.reduce(0) { $0 + Int($1.stats.packets) }
        if fromOrig + fromResp >= 50, fromOrig == 0 || fromResp == 0 {
            note(.warning, "one_way_media", "RTP flows one way only (the other direction is blocked or not relayed):",
                 subject: "\(o.address.text(port: o.port)) ↔ \(p.address.text(port: p.port))", uid: uid)
        }
    }

    /// Whether `cert` (SAN DNS names, else the CN) covers `name`, with RFC 6125 left-most wildcards.
    static func names(_ cert: CertificateSummary, cover name: String) -> Bool {
        let candidates = cert.dnsNames.isEmpty ? (cert.commonName.map { [$0] } ?? []) : cert.dnsNames
        let n = name.lowercased()
        return candidates.contains { pattern in
            let p = pattern.lowercased()
            if p == n { return true }
            guard p.hasPrefix("*."), let dot = n.firstIndex(of: ".") else { return false }
            return n[dot...] == p.dropFirst()
        }
    }

    static func allocationFailure(_ code: UInt16) -> Bool { code >= 400 }

    /// The parent domain of the first configured name ("sip.contoso.com" → "contoso.com").
    static func domain(of names: [String]) -> String {
        guard let first = names.first, let dot = first.firstIndex(of: ".") else { return "\u{0}" }
        return String(first[first.index(after: dot)...])
    }

    static func errorName(_ code: UInt16) -> String {
        switch code {
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 420: "Unknown Attribute"
        case 437: "Allocation Mismatch"
        case 438: "Stale Nonce"
        case 440: "Address Family not Supported"
        case 441: "Wrong Credentials"
        case 442: "Unsupported Transport Protocol"
        case 443: "Peer Address Family Mismatch"
        case 486: "Allocation Quota Reached"
        case 487: "Role Conflict"
        case 500: "Server Error"
        case 508: "Insufficient Capacity"
        default: "error"
        }
    }

    /// Adds a flow to the finding with this code and message; `subject` (an endpoint) is
    /// listed in the message, up to a few distinct ones.
    /// Beyond `groupsPerCode` distinct messages of one code (hostile traffic can make every
    /// flow's message different), further flows join one group per code.
    mutating func note(_ severity: Finding.Severity, _ code: String, _ message: String, subject: String? = nil, uid: String) {
        let severity = severityCap.map { max(severity, $0) } ?? severity
        var key = code + "|" + (severity == .info ? "info|" : "") + message
        if grouped[key] == nil {
            var text = message
            if groupsByCode[code, default: 0] >= Self.groupsPerCode {
                key = code + "|*"
                text = "more \(code) cases with other details (the first \(Self.groupsPerCode) are listed apart)"
            } else {
                groupsByCode[code, default: 0] += 1
            }
            if grouped[key] == nil {
                grouped[key] = Finding(severity: severity, code: code, message: text)
                order.append(key)
            }
        }
        grouped[key]!.flowCount += 1
        if grouped[key]!.flows.count < Finding.maximumFlows { grouped[key]!.flows.append(uid) }
        if let subject { grouped[key]!.addSubject(subject) }
    }

    /// All findings, most severe first: the per-flow ones and those only the whole input shows.
    /// The findings so far. Whether each required rule was seen (and the UDP-blocked
    /// fallback that follows from it) is judged only when `final`: while a live capture
    /// runs, most flows have not ended yet.
    func findings(topology: Topology, inference: RoleInference, dns: DNSBook, final: Bool = true) -> [Finding] {
        var out = order.compactMap { grouped[$0] }
        for l in dns.srvOrder.compactMap({ dns.srv[$0] }) {
            let federation = l.name.hasPrefix("_sipfederationtls._tcp.")
            if l.failures > 0 {
                out.append(Finding(severity: federation ? .error : .warning, code: "dns_srv_failed",
                                   message: "SRV lookup \(l.name) failed with \(DNSBook.rcodeName(l.rcode ?? 0))"
                                       + (federation ? ": partners cannot discover this domain's Access Edge" : "")))
            } else if l.queries > 0, l.answers == 0 {
                out.append(Finding(severity: .warning, code: "dns_srv_unanswered", message: "SRV lookup \(l.name) was never answered"))
            }
            guard federation else { continue }
            for target in l.targetNames where !topology.accessEdgeNames.isEmpty && !topology.accessEdgeNames.contains(target)
                && target != "sipfed.online.lync.com" && l.name.hasSuffix(Self.domain(of: topology.accessEdgeNames)) {
                out.append(Finding(severity: .warning, code: "dns_srv_elsewhere",
                                   message: "\(l.name) points to \(target), not to the Access Edge (\(topology.accessEdgeNames.joined(separator: ", "))) nor to sipfed.online.lync.com"))
            }
            guard !topology.accessEdge.isEmpty else { continue }
            for target in l.targetNames {
                let ips = dns.addresses[target] ?? []
                guard !ips.isEmpty else { continue }
                let edge = ips.contains { ip in topology.accessEdge.contains { $0.contains(ip) } }
                let o365 = ips.contains { topology.ranges.contains($0) }
                if !edge && !o365 {
                    out.append(Finding(severity: .warning, code: "dns_srv_elsewhere",
                                       message: "\(l.name) points to \(target) (\(ips.map(\.text).joined(separator: ", "))), which is neither the Access Edge nor Office 365"))
                }
            }
        }
        let known = Set(Role.allCases.filter { !topology.prefixes(of: $0).isEmpty })
        if known.isEmpty {
            out.append(Finding(severity: .warning, code: "no_edge_roles",
                               message: "no Edge role given or inferred: name the Edge addresses with --access-edge and --av-edge to check the hybrid port table"))
        }
        for s in rules where final {
            guard let from = s.rule.from, let to = s.rule.to else { continue }
            let edge = from.isEdge ? from : to
            guard known.contains(edge) else { continue }
            let shape = "\(from.title) \(s.rule.srcPorts.isAny ? "" : ":\(s.rule.srcPorts) ")→ \(to.title) :\(s.rule.dstPorts) over \(s.rule.transportName)"
            switch s.status {
            case .notSeen:
                out.append(Finding(severity: .warning, code: "rule_not_seen", message: "required rule \(s.rule.id) (\(shape)) was never seen"))
            case .unanswered:
                out.append(Finding(severity: .error, code: "rule_unanswered", message: "required rule \(s.rule.id) (\(shape)): \(s.flows) flow\(s.flows == 1 ? "" : "s"), none answered"))
            case .seen where s.onlyInReplies:
                out.append(Finding(severity: .info, code: "rule_replies_only",
                                   message: "\(from.title) never opened a flow toward \(to.named): rule \(s.rule.id) (\(shape)) was seen only in the replies of flows \(to.named) opened"))
            case .seen:
                break
            }
        }
        if final, let udp = rules.first(where: { $0.rule.id == "stun-udp-out" }), udp.status == .unanswered,
           let tcp = rules.first(where: { $0.rule.id == "stun-tcp-out" }), tcp.status == .seen {
            out.append(Finding(severity: .error, code: "udp_blocked_tcp_fallback",
                               message: "STUN on UDP 3478 to Office 365 was never answered while TCP to Office 365 worked: UDP 3478 looks blocked and media fell back to TCP"))
        }
        for u in inference.undeclared {
            out.append(Finding(severity: .warning, code: "undeclared_edge",
                               message: "\(u.address.text) acts as \(u.role.named) (\(u.evidence)) but is not among its addresses, so its traffic is not checked: add it to \(u.role.flag)"))
        }
        for f in inference.found {
            out.append(Finding(severity: .info, code: "role_inferred", message: "\(f.address.text) taken as the \(f.role.title): \(f.evidence)"))
        }
        return out.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity < b.element.severity : a.offset < b.offset
        }.map(\.element)
    }
}

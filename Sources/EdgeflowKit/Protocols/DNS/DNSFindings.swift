/// What the capture's DNS SRV lookups showed wrong: failed or unanswered lookups, and
/// federation SRV records that point neither to the Access Edge nor to Office 365.
enum DNSFinding: Equatable {
    /// SRV lookup `name` failed with `rcode`; `federation`: it is `_sipfederationtls._tcp.`'s.
    case srvFailed(name: String, rcode: UInt8, federation: Bool)
    case srvUnanswered(name: String)
    /// The federation SRV record `name` points to `target`, which is not among the Access Edge's `edgeNames`.
    case srvNotEdgeName(name: String, target: String, edgeNames: [String])
    /// The federation SRV record `name` points to `target`, whose `addresses` are neither the Access Edge's nor Office 365's.
    case srvNotEdgeAddress(name: String, target: String, addresses: [IPAddress])

    var code: FindingCode {
        switch self {
        case .srvFailed: .dnsSRVFailed
        case .srvUnanswered: .dnsSRVUnanswered
        case .srvNotEdgeName, .srvNotEdgeAddress: .dnsSRVElsewhere
        }
    }

    /// A failed federation lookup is an error: partners cannot find the Access Edge.
    var severity: Finding.Severity {
        if case .srvFailed(_, _, let federation) = self { return code.severity(critical: federation) }
        return code.severity()
    }

    /// The findings of the SRV lookups in `dns`, in the order the names were first asked.
    static func check(_ dns: DNSBook, topology: Topology, _ emit: (DNSFinding) -> Void) {
        for l in dns.srv {
            let federation = l.name.hasPrefix("_sipfederationtls._tcp.")
            if l.failures > 0 {
                emit(.srvFailed(name: l.name, rcode: l.rcode ?? 0, federation: federation))
            } else if l.queries > 0, l.answers == 0 {
                emit(.srvUnanswered(name: l.name))
            }
            guard federation else { continue }
            let names = topology.accessEdgeNames
            for target in l.targetNames where !names.isEmpty && !names.contains(target)
                && target != "sipfed.online.lync.com" && l.name.hasSuffix(domain(of: names)) {
                emit(.srvNotEdgeName(name: l.name, target: target, edgeNames: names))
            }
            guard !topology.accessEdge.isEmpty else { continue }
            for target in l.targetNames {
                let ips = dns.addresses[target] ?? []
                guard !ips.isEmpty else { continue }
                let edge = ips.contains { ip in topology.accessEdge.contains { $0.contains(ip) } }
                let o365 = ips.contains { topology.ranges.contains($0) }
                if !edge && !o365 { emit(.srvNotEdgeAddress(name: l.name, target: target, addresses: ips)) }
            }
        }
    }

    /// The parent domain of the first configured name ("sip.contoso.com" → "contoso.com"); a
    /// suffix no name has when there is none.
    static func domain(of names: [String]) -> String {
        guard let first = names.first, let dot = first.firstIndex(of: ".") else { return "\u{0}" }
        return String(first[first.index(after: dot)...])
    }
}

// MARK: - Words

extension DNSFinding {
    var message: String {
        switch self {
        case .srvFailed(let name, let rcode, let federation):
            "SRV lookup \(name) failed with \(DNSBook.rcodeName(rcode))" + (federation ? ": partners cannot discover this domain's Access Edge" : "")
        case .srvUnanswered(let name):
            "SRV lookup \(name) was never answered"
        case .srvNotEdgeName(let name, let target, let edgeNames):
            "\(name) points to \(target), not to the Access Edge (\(edgeNames.joined(separator: ", "))) nor to sipfed.online.lync.com"
        case .srvNotEdgeAddress(let name, let target, let addresses):
            "\(name) points to \(target) (\(addresses.map(\.text).joined(separator: ", "))), which is neither the Access Edge nor Office 365"
        }
    }
}

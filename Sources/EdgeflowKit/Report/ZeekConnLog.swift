/// The rows of `conn.log`: one per flow, in Zeek's columns and types (README, "Zeek logs", for
/// the fields whose meaning differs from Zeek's).
enum ZeekConnLog {
    static let schema = ZeekLogSchema(path: "conn", fields: [
        ("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"), ("id.resp_h", "addr"),
        ("id.resp_p", "port"), ("proto", "enum"), ("service", "string"), ("duration", "interval"),
        ("orig_bytes", "count"), ("resp_bytes", "count"), ("conn_state", "string"), ("local_orig", "bool"),
        ("local_resp", "bool"), ("missed_bytes", "count"), ("history", "string"), ("orig_pkts", "count"),
        ("orig_ip_bytes", "count"), ("resp_pkts", "count"), ("resp_ip_bytes", "count"), ("tunnel_parents", "set[string]"),
    ])

    static func row(_ f: FlowSummary) -> [ZeekValue] {
        // Zeek sets duration and the payload byte counts only when the connection lasted.
        let lasted = f.lastTs > f.ts
        let tcp = f.protocolNumber == IPProtocol.tcp
        return [
            .time(f.ts), .string(f.uid), .address(f.origAddress), .count(f.origP), .address(f.respAddress), .count(f.respP),
            .enumeration(transport(f.protocolNumber)), service(f.serviceSet),
            lasted ? .interval(f.lastTs - f.ts) : .unset, lasted ? .count(f.origBytes) : .unset, lasted ? .count(f.respBytes) : .unset,
            .string(f.connState), .bool(isEdge(f.origRole)), .bool(isEdge(f.respRole)),
            // Zeek counts the TCP payload it saw no packet for; edgeflow does not (UDP and ICMP have none).
            tcp ? .unset : .count(0),
            .string(f.history), .count(f.origPkts), .count(f.origIPBytes), .count(f.respPkts), .count(f.respIPBytes),
            // Zeek sets it only for a tunnelled connection; edgeflow reports no tunnel parents.
            .unset,
        ]
    }

    /// Zeek's `transport_proto` names: ICMPv6 is `icmp` too, other IP protocols `unknown_transport`.
    static func transport(_ p: UInt8) -> String {
        switch p {
        case IPProtocol.tcp: "tcp"
        case IPProtocol.udp: "udp"
        case IPProtocol.icmp, IPProtocol.icmpv6: "icmp"
        default: "unknown_transport"
        }
    }

    /// The services recognised, comma-separated, with Zeek's analyzer names where Zeek has the
    /// analyzer (`ssl` for TLS); unset when none was.
    static func service(_ s: ServiceSet) -> ZeekValue {
        var names: [String] = []
        s.forEach { service in
            let name = switch service {
            case .unknown: ""
            case .tls, .sipTLS: "ssl"
            default: service.name
            }
            if !name.isEmpty && !names.contains(name) { names.append(name) }
        }
        return names.isEmpty ? .unset : .string(names.joined(separator: ","))
    }

    private static func isEdge(_ role: String) -> Bool { Role(rawValue: role)?.isEdge ?? false }
}

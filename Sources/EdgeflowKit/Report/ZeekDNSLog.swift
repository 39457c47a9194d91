/// The rows of `dns.log`: one per query and its response on a flow (Zeek's `DNS::Info`
/// columns and types), a query never answered or a response whose query was not seen being a
/// row too; joined to `conn.log` by `uid`. README, "Zeek logs", for where the meanings differ.
enum ZeekDNSLog {
    static let schema = ZeekLogSchema(path: "dns", fields: [
        ("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"), ("id.resp_h", "addr"),
        ("id.resp_p", "port"), ("proto", "enum"), ("trans_id", "count"), ("rtt", "interval"), ("query", "string"),
        ("qclass", "count"), ("qclass_name", "string"), ("qtype", "count"), ("qtype_name", "string"), ("rcode", "count"),
        ("rcode_name", "string"), ("AA", "bool"), ("TC", "bool"), ("RD", "bool"), ("RA", "bool"), ("Z", "count"),
        ("answers", "vector[string]"), ("TTLs", "vector[interval]"), ("rejected", "bool"),
    ])

    static func rows(_ f: FlowSummary) -> [[ZeekValue]] {
        guard let log = f.dnsTransactions else { return [] }
        return log.transactions.map { t in
            [.time(t.timestamp), .string(f.uid), .address(f.origAddress), .count(f.origP), .address(f.respAddress), .count(f.respP),
             .enumeration(ZeekConnLog.transport(f.protocolNumber)), .count(Int(t.id)), t.roundTrip.map { .interval($0) } ?? .unset,
             .string(t.query), t.qclass.map { .count(Int($0)) } ?? .unset, .string(t.qclass.map(DNSTransactionLog.className)),
             t.qtype.map { .count(Int($0)) } ?? .unset, .string(t.qtype.map(DNSTransactionLog.typeName)),
             t.rcode.map { .count(Int($0)) } ?? .unset, .string(t.rcode.map(DNSTransactionLog.rcodeName)),
             .bool(t.authoritative), .bool(t.truncated), .bool(t.recursionDesired), .bool(t.recursionAvailable), .count(Int(t.z)),
             t.answers.isEmpty ? .unset : .strings(t.answers),
             t.ttls.isEmpty ? .unset : .intervals(t.ttls.map { Int64($0) * 1_000_000_000 }), .bool(t.rejected)]
        }
    }
}

/// Transactions left out of `dns.log` and `stun.log` because a flow had more than its log keeps
/// (`DNSTransactionLog.limit`, `STUNTransactionLog.limit`), counted over the run for a warning.
struct ZeekTransactionOverflow {
    private(set) var dns = 0
    private(set) var stun = 0
    private(set) var flows = 0

    /// Adds a flow's transactions left out.
    mutating func add(_ f: FlowSummary) { add(dns: f.dnsTransactions?.overflow ?? 0, stun: f.stunTransactions?.overflow ?? 0) }

    mutating func add(dns d: Int, stun s: Int) {
        guard d + s > 0 else { return }
        dns += d
        stun += s
        flows += 1
    }

    /// What was left out and why; nil when nothing was.
    var warning: String? {
        guard flows > 0 else { return nil }
        var parts: [String] = []
        if dns > 0 { parts.append("\(dns) DNS transactions from dns.log (at most \(DNSTransactionLog.limit) per flow)") }
        if stun > 0 { parts.append("\(stun) STUN transactions from stun.log (at most \(STUNTransactionLog.limit) per flow)") }
        return "Zeek logs: left out " + parts.joined(separator: " and ") + " on \(flows) long-lived flow\(flows == 1 ? "" : "s");"
            + " their first transactions are logged, and conn.log and the report count every packet"
    }
}

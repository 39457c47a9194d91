/// The rows of edgeflow's `stun.log` (Zeek has no STUN log): one per STUN/TURN transaction of a
/// flow (`STUNTransactionLog`), in Zeek's format, joined to `conn.log` by `uid`.
enum ZeekSTUNLog {
    static let schema = ZeekLogSchema(path: "stun", fields: [
        ("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"), ("id.resp_h", "addr"),
        ("id.resp_p", "port"), ("proto", "enum"), ("is_orig", "bool"), ("trans_id", "string"), ("method", "string"),
        ("request_seen", "bool"), ("class", "string"), ("rtt", "interval"), ("retransmissions", "count"),
        ("error_code", "count"), ("error_reason", "string"), ("mapped_h", "addr"), ("mapped_p", "port"),
        ("relayed_h", "addr"), ("relayed_p", "port"), ("peer_h", "addr"), ("peer_p", "port"), ("ms_turn", "bool"),
    ])

    static func rows(_ f: FlowSummary) -> [[ZeekValue]] {
        guard let log = f.stunTransactions else { return [] }
        return log.transactions.map { t in
            [.time(t.timestamp), .string(f.uid), .address(f.origAddress), .count(f.origP), .address(f.respAddress), .count(f.respP),
             .enumeration(ZeekConnLog.transport(f.protocolNumber)), .bool(t.requestFromOriginator), .string(t.idText),
             .string(t.method.name), .bool(t.requestSeen), .string(answer(t.answer)), t.roundTrip.map { .interval($0) } ?? .unset,
             .count(t.retransmissions), t.errorCode.map { .count(Int($0)) } ?? .unset, .string(t.errorReason)]
                + address(t.mapped) + address(t.relayed) + address(t.peer) + [.bool(t.msTURN)]
        }
    }

    /// `success`, `error`, or `none` for a request never answered.
    private static func answer(_ c: STUNClass?) -> String {
        switch c {
        case .successResponse: "success"
        case .errorResponse: "error"
        default: "none"
        }
    }

    private static func address(_ a: STUNAddress?) -> [ZeekValue] {
        guard let a else { return [.unset, .unset] }
        return [.address(a.ip), .count(Int(a.port))]
    }
}

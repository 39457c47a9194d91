/// One STUN/TURN transaction of a flow, for edgeflow's `stun.log`: the request and its first
/// answer (RFC 8489 §6.3), or a request never answered, or an answer whose request was not seen.
struct STUNTransaction: Sendable {
    /// The request's first packet (the answer's when no request was seen), ns since the epoch.
    var timestamp: Int64
    /// The request came from the flow's originator (for an answer alone: the answer did not).
    var requestFromOriginator: Bool
    /// The magic cookie (or, for an RFC 3489 message, the first 32 bits of its 128-bit id) and the id.
    var cookie: UInt32
    var id: (UInt32, UInt32, UInt32)
    var method: STUNMethod
    var requestSeen: Bool
    /// nil while unanswered; `.successResponse` or `.errorResponse`.
    var answer: STUNClass? = nil
    /// Answer time less request time, when both were seen.
    var roundTrip: Int64? = nil
    var errorCode: UInt16? = nil
    var errorReason: String? = nil
    var mapped: STUNAddress? = nil
    var relayed: STUNAddress? = nil
    /// XOR-PEER-ADDRESS of the request (CreatePermission, ChannelBind) or of its answer.
    var peer: STUNAddress? = nil
    var msTURN: Bool
    /// Requests repeating the transaction id (RFC 8489 §6.2.1).
    var retransmissions = 0

    /// The transaction id as tshark's `stun.id` shows it: 24 hex digits (RFC 5389 and later),
    /// 32 for an RFC 3489 message, whose id includes the 32 bits where the cookie would be.
    var idText: String {
        let words = cookie == stunMagicCookie ? [id.0, id.1, id.2] : [cookie, id.0, id.1, id.2]
        return words.map { w in
            let hex = String(w, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }
}

/// The STUN transactions of one flow, kept only when Zeek logs are written (the dispatcher's
/// `transactionLogs`): at most `limit`, further ones counted in `overflow`. A response is
/// matched with a request among the last `matchWindow` transactions; indications (TURN Send and
/// Data, which carry media) are not transactions and are not kept.
struct STUNTransactionLog: Sendable {
    /// Most transactions kept per flow (an ICE consent check every 5 s is about 12 a minute).
    static let limit = 2_048
    /// How far back a response or a retransmitted request looks for its transaction.
    static let matchWindow = 32

    private(set) var transactions: [STUNTransaction] = []
    /// Transactions not kept because `limit` was reached.
    private(set) var overflow = 0

    /// Accounts one decoded message; `p` holds it (for the error reason's text).
    mutating func record(_ m: STUNMessage, in p: UnsafeRawBufferPointer, timestamp: Int64, fromOriginator: Bool) {
        let cls = m.messageClass
        guard cls != .indication else { return }
        let h = m.header
        let found = find(h)
        if cls == .request {
            if let i = found {
                transactions[i].retransmissions &+= 1
                return
            }
            var t = STUNTransaction(timestamp: timestamp, requestFromOriginator: fromOriginator, cookie: h.cookie, id: h.transactionID,
                                    method: m.method, requestSeen: true, msTURN: m.flavour == .msTURN)
            t.peer = m.attributes.xorPeerAddress
            append(t)
            return
        }
        if let i = found {
            // Only the first answer counts; those to retransmissions do not answer again.
            guard transactions[i].answer == nil else { return }
            Self.answer(&transactions[i], m, in: p, timestamp: timestamp)
        } else {
            var t = STUNTransaction(timestamp: timestamp, requestFromOriginator: !fromOriginator, cookie: h.cookie, id: h.transactionID,
                                    method: m.method, requestSeen: false, msTURN: m.flavour == .msTURN)
            Self.answer(&t, m, in: p, timestamp: timestamp)
            append(t)
        }
    }

    private mutating func append(_ t: STUNTransaction) {
        guard transactions.count < Self.limit else {
            overflow &+= 1
            return
        }
        transactions.append(t)
    }

    private static func answer(_ t: inout STUNTransaction, _ m: STUNMessage, in p: UnsafeRawBufferPointer, timestamp: Int64) {
        let a = m.attributes
        t.answer = m.messageClass
        if t.requestSeen { t.roundTrip = max(0, timestamp &- t.timestamp) }
        if m.messageClass == .errorResponse {
            t.errorCode = a.errorCode
            if let r = a.errorReason { t.errorReason = String(decoding: r.slice(of: p), as: UTF8.self) }
        } else {
            t.mapped = a.anyMappedAddress
            t.relayed = a.xorRelayedAddress
            if let peer = a.xorPeerAddress { t.peer = peer }
        }
        if m.flavour == .msTURN { t.msTURN = true }
    }

    /// The kept transaction with this message's id, among the last `matchWindow`.
    private func find(_ h: STUNHeader) -> Int? {
        var i = transactions.count
        let stop = max(0, i - Self.matchWindow)
        while i > stop {
            i -= 1
            let t = transactions[i]
            if t.id == h.transactionID && t.cookie == h.cookie { return i }
        }
        return nil
    }
}

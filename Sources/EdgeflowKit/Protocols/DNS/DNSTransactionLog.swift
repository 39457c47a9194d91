/// One DNS query and its response on a flow, for `dns.log` (Zeek's `DNS::Info`): a query
/// never answered, or a response whose query was not seen, is a transaction too.
struct DNSTransaction: Sendable {
    /// The query's packet (the response's when no query was seen), ns since the epoch.
    var timestamp: Int64
    var id: UInt16
    var querySeen: Bool
    var responseSeen = false
    /// Response time less query time, when both were seen.
    var roundTrip: Int64? = nil
    /// The first question (Zeek logs only it), its name lowercased as Zeek's `query`.
    var query: String? = nil
    var qclass: UInt16? = nil
    var qtype: UInt16? = nil
    var rcode: UInt8? = nil
    /// AA and RA of the response; TC and RD of the query (as Zeek takes them; of the response
    /// when no query was seen).
    var authoritative = false
    var truncated = false
    var recursionDesired = false
    var recursionAvailable = false
    /// The three bits after RA (Zeek's `Z`), of the query (of the response when no query was seen).
    var z: UInt8 = 0
    /// The answer section's records as text, and their TTLs (seconds).
    var answers: [String] = []
    var ttls: [UInt32] = []
    /// A response with an error code and no question, or with no answer, authority or
    /// additional record (Zeek's `dns_rejected`).
    var rejected = false
}

/// The DNS transactions of one flow, kept only when Zeek logs are written: queries wait for
/// their response (matched by ID, as Zeek does) among at most `pendingLimit`; at most `limit`
/// transactions are kept, further ones counted in `overflow`. Each message is parsed here
/// (the run's `DNSBook` may skip a repeated message), so Zeek logs cost a parse per DNS message.
struct DNSTransactionLog: Sendable {
    static let limit = 2_048
    /// Queries waiting for their response; past it the oldest is given up (logged unanswered).
    static let pendingLimit = 64

    private(set) var transactions: [DNSTransaction] = []
    /// Indices in `transactions` of queries not answered yet, oldest first.
    private var pending: [Int] = []
    private(set) var overflow = 0
    /// Messages that did not parse (not logged; Zeek logs a `weird` for them).
    private(set) var malformed = 0

    /// Accounts one DNS message (a UDP payload, or a TCP message without its length prefix).
    mutating func record(_ p: UnsafeRawBufferPointer, timestamp: Int64) {
        guard let m = try? DNSMessage.parse(p) else {
            malformed &+= 1
            return
        }
        let h = m.header
        if h.isResponse {
            if let at = pending.firstIndex(where: { transactions[$0].id == h.id }) {
                let i = pending.remove(at: at)
                Self.respond(&transactions[i], m, timestamp: timestamp)
            } else {
                var t = DNSTransaction(timestamp: timestamp, id: h.id, querySeen: false)
                Self.flags(&t, h)
                Self.ask(&t, m)
                Self.respond(&t, m, timestamp: timestamp)
                append(t)
            }
            return
        }
        var t = DNSTransaction(timestamp: timestamp, id: h.id, querySeen: true)
        Self.flags(&t, h)
        Self.ask(&t, m)
        if pending.count >= Self.pendingLimit { pending.removeFirst() }
        if append(t) { pending.append(transactions.count - 1) }
    }

    @discardableResult
    private mutating func append(_ t: DNSTransaction) -> Bool {
        guard transactions.count < Self.limit else {
            overflow &+= 1
            return false
        }
        transactions.append(t)
        return true
    }

    /// The flags Zeek takes from the query.
    private static func flags(_ t: inout DNSTransaction, _ h: DNSHeader) {
        t.truncated = h.truncated
        t.recursionDesired = h.recursionDesired
        t.z = UInt8((h.flags >> 4) & 0x7)
    }

    private static func ask(_ t: inout DNSTransaction, _ m: DNSMessage) {
        guard t.query == nil, let q = m.questions.first else { return }
        t.query = q.name.lowercased()
        t.qclass = q.qclass
        t.qtype = q.type
    }

    private static func respond(_ t: inout DNSTransaction, _ m: DNSMessage, timestamp: Int64) {
        let h = m.header
        t.responseSeen = true
        if t.querySeen { t.roundTrip = max(0, timestamp &- t.timestamp) }
        Self.ask(&t, m)
        t.rcode = h.rcode
        t.authoritative = h.authoritative
        t.recursionAvailable = h.recursionAvailable
        t.rejected = (h.rcode != 0 && h.questionCount == 0) || (h.answerCount == 0 && h.authorityCount == 0 && h.additionalCount == 0)
        for r in m.answers {
            t.answers.append(Self.text(r))
            t.ttls.append(r.ttl)
        }
    }

    /// A record's data as Zeek writes it in `answers`: an address, a CNAME's or SRV's target
    /// name; `<unknown type=N>` for the types edgeflow does not decode.
    static func text(_ r: DNSResourceRecord) -> String {
        switch r.data {
        case .a, .aaaa: r.data.addressText ?? ""
        case .cname(let name): name
        case .srv(let s): s.target
        case .other: "<unknown type=\(r.type)>"
        }
    }
}

extension DNSTransactionLog {
    /// IANA's names of record types as Zeek writes them (`DNS::query_types`); others `query-N`.
    static func typeName(_ t: UInt16) -> String {
        if let name = typeNames[t] { return name }
        return "query-\(t)"
    }

    private static let typeNames: [UInt16: String] = [
        1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR", 10: "NULL", 11: "WKS", 12: "PTR",
        13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT", 17: "RP", 18: "AFSDB", 19: "X25", 20: "ISDN", 21: "RT", 22: "NSAP",
        23: "NSAP-PTR", 24: "SIG", 25: "KEY", 26: "PX", 27: "GPOS", 28: "AAAA", 29: "LOC", 30: "NXT", 31: "EID", 32: "NIMLOC",
        33: "SRV", 34: "ATMA", 35: "NAPTR", 36: "KX", 37: "CERT", 38: "A6", 39: "DNAME", 40: "SINK", 41: "OPT", 42: "APL",
        43: "DS", 44: "SSHFP", 45: "IPSECKEY", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 49: "DHCID", 50: "NSEC3",
        51: "NSEC3PARAM", 52: "TLSA", 53: "SMIMEA", 55: "HIP", 56: "NINFO", 57: "RKEY", 58: "TALINK", 59: "CDS",
        60: "CDNSKEY", 61: "OPENPGPKEY", 62: "CSYNC", 63: "ZONEMD", 64: "SVCB", 65: "HTTPS", 99: "SPF", 100: "UINFO",
        101: "UID", 102: "GID", 103: "UNSPEC", 104: "NID", 105: "L32", 106: "L64", 107: "LP", 108: "EUI48", 109: "EUI64",
        249: "TKEY", 250: "TSIG", 251: "IXFR", 252: "AXFR", 253: "MAILB", 254: "MAILA", 255: "*", 256: "URI", 257: "CAA",
        32768: "TA", 32769: "DLV", 65281: "WINS", 65282: "WINS-R", 65422: "XPF", 65521: "INTEGRITY",
    ]

    /// Class names as Zeek writes them (`DNS::classes`); others `qclass-N` (mDNS's
    /// unicast-response bit makes IN `qclass-32769`, as in Zeek).
    static func className(_ c: UInt16) -> String {
        switch c {
        case 1: "C_INTERNET"
        case 2: "C_CSNET"
        case 3: "C_CHAOS"
        case 4: "C_HESIOD"
        case 254: "C_NONE"
        case 255: "C_ANY"
        default: "qclass-\(c)"
        }
    }

    /// Response code names as Zeek writes them (`DNS::base_errors`, its spelling `NXRRSet`
    /// included); others `rcode-N`. The header's 4 bits reach 15 at most.
    static func rcodeName(_ r: UInt8) -> String {
        switch r {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSet"
        case 9: "NOTAUTH"
        case 10: "NOTZONE"
        case 11...15: "unassigned-\(r)"
        default: "rcode-\(r)"
        }
    }
}

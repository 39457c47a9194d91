/// A flow as reported: the schema's flow object (report-schema.md), built once when the
/// flow ends.
public struct FlowSummary: Sendable {
    /// "C" and 11 base-62 digits of a fixed hash of the 5-tuple and first packet time; text
    /// set here replaces it.
    public var uid: String {
        get { uidText ?? FlowSummary.uid(uidCode) }
        set { uidText = newValue }
    }
    /// The hash the uid's digits are read from: the JSON and CSV forms write them in place.
    private var uidCode: UInt64
    /// Text that replaced the uid, if any.
    private var uidText: String? = nil
    public var proto: String { FlowSummary.protoName(protocolNumber) }
    public var origH: String { origAddress.text }
    public var origP: Int
    public var respH: String { respAddress.text }
    public var respP: Int
    /// Names the capture's DNS answers gave the two ends, when any.
    public var origName: String? = nil
    public var respName: String? = nil
    /// The ends' roles as text; set from other text, a name that is no role reads as `other`.
    public var origRole: String {
        get { origRoleKind.rawValue }
        set { origRoleKind = Role(rawValue: newValue) ?? .other }
    }
    public var respRole: String {
        get { respRoleKind.rawValue }
        set { respRoleKind = Role(rawValue: newValue) ?? .other }
    }
    /// The ends' roles, as given by the classification.
    public var origRoleKind = Role.other
    public var respRoleKind = Role.other
    public var service: String { serviceSet.main.name }
    /// Every service recognised in the flow.
    public var serviceSet: ServiceSet
    public var services: [String] { serviceSet.members.map(\.name) }
    public var ts: Int64
    public var durationMs: Double
    public var origPkts: Int
    public var respPkts: Int
    public var origBytes: Int
    public var respBytes: Int
    public var origIPBytes: Int
    public var respIPBytes: Int
    public var connState: String { connStateName.description }
    /// Zeek's `conn_state`, as static text.
    var connStateName: StaticString
    public var history: String { historyLetters.text }
    /// The protocol's name (`proto`), in place: static text, or "ip-N".
    func appendProto(to w: inout JSONWriter) {
        if let name = FlowSummary.protoStaticName(protocolNumber) {
            w.literal(name)
        } else {
            w.literal("ip-")
            w.appendInteger(Int(protocolNumber))
        }
    }

    /// The history's letters, written from their bits.
    var historyLetters: FlowHistory
    public var rule: String? = nil
    /// The rule the responder's packets satisfy (`stun-udp-in` for the answers of an A/V Edge →
    /// Office 365 UDP 3478 exchange), when there were replies.
    public var replyRule: String? = nil
    /// The verdict as text; set from other text, a name that is no verdict reads as `unrelated`.
    public var verdict: String {
        get { verdictKind.rawValue }
        set { verdictKind = Classification.Verdict(rawValue: newValue) ?? .unrelated }
    }
    public var verdictKind = Classification.Verdict.unrelated
    public var reason: String? = nil
    public var endReason: String { end.name.description }
    /// ICMP errors that quoted the flow's packets, when any: how many, and the last one's.
    public var icmp: (errors: Int, proto: UInt8, type: UInt8, code: UInt8, from: IPAddress, quotedOriginator: Bool)? = nil
    /// What the flow's application protocols showed, when it was inspected.
    var app: AppReport? {
        get { appBox?.value }
        set { appBox = newValue.map { FrozenBox($0) } }
    }
    /// `app`, boxed: a flow without it (most of a flood) copies 8 bytes, not 670.
    var appBox: FrozenBox<AppReport>?
    /// The flow's STUN and DNS transactions, for `stun.log` and `dns.log` (Zeek logs only).
    var transactions: FrozenBox<FlowTransactions>?
    var stunTransactions: STUNTransactionLog? { transactions?.value.stun }
    var dnsTransactions: DNSTransactionLog? { transactions?.value.dns }
    /// The raw values behind the text fields, for binary exports (IPFIX).
    public var origAddress: IPAddress
    public var respAddress: IPAddress
    public var protocolNumber: UInt8
    /// Last packet, nanoseconds since the epoch.
    public var lastTs: Int64
    public var end: FlowRecord.EndReason

    /// Bytes at the IP layer, both directions: what "top flows by bytes" ranks by.
    public var totalIPBytes: Int { origIPBytes + respIPBytes }

    public init(_ r: FlowRecord, reason: FlowRecord.EndReason) {
        let o = r.originator, p = r.responder
        origAddress = o.address
        respAddress = p.address
        protocolNumber = r.key.proto
        lastTs = r.lastTimestamp
        end = reason
        uidCode = FlowSummary.uidCode(r)
        let icmp = IPProtocol.isICMP(r.key.proto)
        origP = Int(icmp ? r.icmpType : o.port)
        respP = Int(icmp ? r.icmpCode : p.port)
        serviceSet = r.services
        ts = r.firstTimestamp
        durationMs = Double(r.lastTimestamp - r.firstTimestamp) / 1_000_000
        origPkts = r.origPackets
        respPkts = r.respPackets
        origBytes = r.origBytes
        respBytes = r.respBytes
        origIPBytes = r.origIPBytes
        respIPBytes = r.respIPBytes
        connStateName = r.connState
        historyLetters = r.history
        if r.icmpErrors > 0 {
            self.icmp = (Int(r.icmpErrors), r.key.ipVersion == 6 ? 58 : 1, r.icmpErrorType, r.icmpErrorCode, r.icmpErrorSender,
                         r.icmpErrorQuotedOriginator)
        }
    }

    /// The stable id's hash: of the 5-tuple and first packet time.
    static func uidCode(_ r: FlowRecord) -> UInt64 {
        var h = r.key.hash(seed: 0x0123_4567_89AB_CDEF)
        h = (h ^ UInt64(bitPattern: r.firstTimestamp)) &* 0x9E37_79B9_7F4A_7C15
        return h ^ h >> 31
    }

    /// The uid of `code` as text: 12 ASCII bytes, a small string made without an allocation.
    static func uid(_ code: UInt64) -> String {
        String(unsafeUninitializedCapacity: 12) { writeUID(code, to: $0.baseAddress!) }
    }

    /// Writes "C" and the 11 base-62 digits of `code` (12 bytes); returns 12.
    @inline(__always)
    private static func writeUID(_ code: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var h = code
        out[0] = 0x43
        for i in 1..<12 {
            out[i] = base62.utf8Start[Int(h % 62)]
            h /= 62
        }
        return 12
    }

    /// The uid, as JSON and CSV write it: its digits in place, or the text that replaced it
    /// (quoted and escaped as `quoted` says).
    func appendUID(to w: inout JSONWriter, quoted: Bool) {
        if let uidText {
            if quoted { w.appendQuoted(uidText) } else { w.csvField(uidText) }
            return
        }
        if quoted { w.append(0x22) }
        w.appendInPlace(upTo: 12) { Self.writeUID(uidCode, to: $0) }
        if quoted { w.append(0x22) }
    }

    /// The history's letters (ASCII letters and `^`: nothing to escape or quote), in place.
    func appendHistory(to w: inout JSONWriter) {
        w.appendInPlace(upTo: FlowHistory.maximumLength) { historyLetters.copyText(to: $0) }
    }

    private static let base62: StaticString = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    static func protoName(_ p: UInt8) -> String {
        if let name = protoStaticName(p) { return name.description }
        return "ip-\(p)"
    }

    /// The name of a protocol edgeflow names, as static text; nil for others ("ip-N").
    static func protoStaticName(_ p: UInt8) -> StaticString? {
        switch p {
        case IPProtocol.tcp: "tcp"
        case IPProtocol.udp: "udp"
        case IPProtocol.icmp: "icmp"
        case IPProtocol.icmpv6: "icmpv6"
        case IPProtocol.gre: "gre"
        case 50: "esp"
        case IPProtocol.authentication: "ah"
        case 132: "sctp"
        default: nil
        }
    }

    /// Takes the flow's roles, rule and verdict.
    mutating func apply(_ c: Classification) {
        origRoleKind = c.origRole
        respRoleKind = c.respRole
        rule = c.rule?.id
        replyRule = c.verdict == .allowed ? c.replyHybrid.map { PortTables.hybrid[$0].id } : nil
        verdictKind = c.verdict
        reason = c.violation?.reason
    }

    /// Writes the flow object's fields (without the enclosing braces) into an object that
    /// holds nothing yet. The members always present are written as literal runs of keys and
    /// punctuation around values formatted in place: no key, comma or value goes through a
    /// `String` (a flood reports one flow per packet).
    func write(to w: inout JSONWriter) {
        w.members("\"uid\":")
        appendUID(to: &w, quoted: true)
        w.literal(",\"proto\":\"")
        appendProto(to: &w)
        w.literal("\",\"orig_h\":\"")
        origAddress.appendText(to: &w)
        w.literal("\",\"orig_p\":")
        w.appendInteger(origP)
        w.literal(",\"resp_h\":\"")
        respAddress.appendText(to: &w)
        w.literal("\",\"resp_p\":")
        w.appendInteger(respP)
        if let origName { w.value("orig_name", origName) }
        if let respName { w.value("resp_name", respName) }
        w.literal(",\"orig_role\":\"")
        w.literal(origRoleKind.staticName)
        w.literal("\",\"resp_role\":\"")
        w.literal(respRoleKind.staticName)
        w.literal("\",\"service\":\"")
        w.literal(serviceSet.main.staticName)
        w.literal("\",\"services\":[")
        var first = true
        serviceSet.forEach {
            w.literal(first ? "\"" : ",\"")
            first = false
            w.literal($0.staticName)
            w.append(0x22)
        }
        w.literal("],\"ts\":\"")
        TimeFormat.appendISO8601(ts, to: &w)
        w.literal("\",\"duration\":")
        w.appendDecimal(durationMs, decimals: 3)
        w.literal(",\"orig_pkts\":")
        w.appendInteger(origPkts)
        w.literal(",\"resp_pkts\":")
        w.appendInteger(respPkts)
        w.literal(",\"orig_bytes\":")
        w.appendInteger(origBytes)
        w.literal(",\"resp_bytes\":")
        w.appendInteger(respBytes)
        w.literal(",\"orig_ip_bytes\":")
        w.appendInteger(origIPBytes)
        w.literal(",\"resp_ip_bytes\":")
        w.appendInteger(respIPBytes)
        w.literal(",\"conn_state\":\"")
        w.literal(connStateName)
        w.literal("\",\"history\":\"")
        appendHistory(to: &w)
        w.literal("\",\"rule\":")
        w.appendQuoted(rule)
        w.literal(",\"reply_rule\":")
        w.appendQuoted(replyRule)
        w.literal(",\"verdict\":\"")
        w.literal(verdictKind.staticName)
        w.literal("\",\"reason\":")
        w.appendQuoted(reason)
        w.literal(",\"end_reason\":\"")
        w.literal(end.name)
        w.append(0x22)
        if let icmp {
            w.beginObject("icmp")
            w.value("errors", icmp.errors)
            w.value("type", Int(icmp.type))
            w.value("code", Int(icmp.code))
            w.value("description", ICMPError.describe(proto: icmp.proto, type: icmp.type, code: icmp.code))
            w.address("from", icmp.from)
            w.value("quoted", icmp.quotedOriginator ? "orig" : "resp")
            w.endObject()
        }
        appBox?.value.write(to: &w)
    }
}

extension FlowRecord.EndReason {
    /// The schema's `end_reason` text.
    var name: StaticString {
        switch self {
        case .endOfInput: "end_of_input"
        case .idle: "idle"
        case .reused: "reused"
        case .evicted: "evicted"
        }
    }
}

/// A flow as reported: the schema's flow object (report-schema.md), built once when the
/// flow ends.
public struct FlowSummary: Sendable {
    /// "C" and 11 base-62 digits of a fixed hash of the 5-tuple and first packet time; text
    /// set here replaces it.
    public var uid: String {
        get { texts?.uid ?? FlowSummary.uid(uidCode) }
        set { uniqueTexts().uid = newValue }
    }
    /// The hash the uid's digits are read from: the JSON and CSV forms write them in place.
    private var uidCode: UInt64
    /// The text fields, boxed: nil while all are nil (most flows of a flood), so that a flow
    /// copies and releases one reference, not six strings.
    private(set) var texts: FlowTexts?
    public var proto: String { FlowSummary.protoName(protocolNumber) }
    public var origH: String { origAddress.text }
    public var origP: Int
    public var respH: String { respAddress.text }
    public var respP: Int
    /// Names the capture's DNS answers gave the two ends, when any.
    public var origName: String? {
        get { texts?.origName }
        set { if newValue != nil || texts != nil { uniqueTexts().origName = newValue } }
    }
    public var respName: String? {
        get { texts?.respName }
        set { if newValue != nil || texts != nil { uniqueTexts().respName = newValue } }
    }
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
    /// From the first packet to the last, in ns (never negative: both are, and the last is not
    /// before the first): what the JSON and CSV forms write, exactly, in ms.
    public var durationNs: Int64
    /// `durationNs` in ms.
    public var durationMs: Double { Double(durationNs) / 1_000_000 }
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
    /// The protocol's name (`proto`), in place: static text, or "ip-N"; at most 6 bytes.
    @inline(__always)
    func writeProto(_ c: inout JSONCursor) {
        if let name = FlowSummary.protoStaticName(protocolNumber) {
            c.literal(name)
        } else {
            c.literal("ip-")
            c.integer(Int(protocolNumber))
        }
    }

    /// The history's letters, written from their bits.
    var historyLetters: FlowHistory { withUnsafeBytes(of: historyWords) { $0.load(as: FlowHistory.self) } }
    /// The history's 21 bytes as the record holds them, zero-padded to three words (`FlowHistory.words`):
    /// copied whole (21 bytes), it went through the stack in 16-byte moves that straddled others, and
    /// reading it back waited on them (a failed store forward: about 1 % of a flood's time).
    var historyWords: (UInt64, UInt64, UInt64)
    public var rule: String? {
        get { rules.rule ?? texts?.rule }
        set {
            rules.ruleSlot = 0
            if newValue != nil || texts != nil { uniqueTexts().rule = newValue }
        }
    }
    /// The rule the responder's packets satisfy (`stun-udp-in` for the answers of an A/V Edge →
    /// Office 365 UDP 3478 exchange), when there were replies.
    public var replyRule: String? {
        get { rules.replyRule ?? texts?.replyRule }
        set {
            rules.replySlot = 0
            if newValue != nil || texts != nil { uniqueTexts().replyRule = newValue }
        }
    }
    /// The classification's rule and reply rule by their places in the port tables: typed
    /// until a writer reads `rule` / `replyRule`, so that a flow with a rule and no other text
    /// (most flows of normal traffic) makes no `FlowTexts` (an object and six strings released).
    private(set) var rules = FlowRules()
    /// The verdict as text; set from other text, a name that is no verdict reads as `unrelated`.
    public var verdict: String {
        get { verdictKind.rawValue }
        set { verdictKind = Classification.Verdict(rawValue: newValue) ?? .unrelated }
    }
    public var verdictKind = Classification.Verdict.unrelated
    public var reason: String? {
        get { texts?.reason }
        set { if newValue != nil || texts != nil { uniqueTexts().reason = newValue } }
    }

    /// Whether no text field is set (most flows of a flood): the writers then read none.
    var plain: Bool { texts == nil && rules.none }

    /// Gives a summary with no text field set its ends' names: `box`, shared with the other
    /// flows between these names (`FlowNameBoxes`), or nil for none.
    mutating func shareNames(_ box: FlowTexts?) {
        texts = box
    }

    /// The text fields' box, made or copied so that this summary alone holds it.
    private mutating func uniqueTexts() -> FlowTexts {
        if !isKnownUniquelyReferenced(&texts) { texts = FlowTexts(texts) }
        return texts!
    }
    public var endReason: String { end.name.description }
    /// ICMP errors that quoted the flow's packets, when any: how many, and the last one's.
    public var icmp: ICMPErrors? = nil
    public typealias ICMPErrors = (errors: Int, proto: UInt8, type: UInt8, code: UInt8, from: IPAddress, quotedOriginator: Bool)
    /// What the flow's application protocols showed, when it was inspected (a reference: a flow
    /// without it, most of a flood, copies 8 bytes).
    var app: AppReport?
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

    /// Inlined: built in its caller's storage, not returned and copied there (a flood builds one per packet).
    @inline(__always)
    public init(_ r: FlowRecord, reason: FlowRecord.EndReason, icmpErrors e: ICMPErrorFacts? = nil) {
        // The two values that take work first (a call, a chain of multiplies): with the fields
        // read before them, the fields were kept aside through it (18 instructions a flow).
        let code = FlowSummary.uidCode(r), state = r.connState
        let o = r.originator, p = r.responder
        origAddress = o.address
        respAddress = p.address
        protocolNumber = r.key.proto
        lastTs = r.lastTimestamp
        end = reason
        uidCode = code
        let icmp = IPProtocol.isICMP(r.key.proto)
        origP = icmp ? Int(r.icmpType) : Int(o.port)
        respP = icmp ? Int(r.icmpCode) : Int(p.port)
        serviceSet = r.services
        ts = r.firstTimestamp
        durationNs = r.lastTimestamp - r.firstTimestamp
        origPkts = r.origPackets
        respPkts = r.respPackets
        origBytes = r.origBytes
        respBytes = r.respBytes
        origIPBytes = r.origIPBytes
        respIPBytes = r.respIPBytes
        connStateName = state
        historyWords = r.history.words
        if let e {
            self.icmp = (Int(e.count), r.key.ipVersion == 6 ? 58 : 1, e.type, e.code, e.sender, e.quotedOriginator)
        }
    }

    /// `init(_:reason:)`, then `complete` gives it what the flow's classification, report parts
    /// and DNS names add. Inlined, so that the caller's constant is built where it lies: a
    /// summary completed in a variable was copied (257 bytes) to be handed on.
    @inline(__always)
    init(_ r: FlowRecord, reason: FlowRecord.EndReason, icmpErrors: ICMPErrorFacts? = nil, _ complete: (inout FlowSummary) -> Void) {
        self.init(r, reason: reason, icmpErrors: icmpErrors)
        complete(&self)
    }

    /// The stable id's hash: of the 5-tuple and first packet time. Inlined: a chain of
    /// multiplies that the work around it can overlap.
    @inline(__always)
    static func uidCode(_ r: FlowRecord) -> UInt64 {
        var h = r.key.hash(seed: 0x0123_4567_89AB_CDEF)
        h = (h ^ UInt64(bitPattern: r.firstTimestamp)) &* 0x9E37_79B9_7F4A_7C15
        return h ^ h >> 31
    }

    /// The uid of `code` as text: 12 ASCII bytes, a small string made without an allocation.
    static func uid(_ code: UInt64) -> String {
        String(unsafeUninitializedCapacity: 12) { writeUID(code, to: $0.baseAddress!, pairs: base62Pairs) }
    }

    /// Writes "C" and the 11 base-62 digits of `code` (12 bytes), least significant first,
    /// two at a time (`pairs`: `base62Pairs`); returns 12.
    @inline(__always)
    private static func writeUID(_ code: UInt64, to out: UnsafeMutablePointer<UInt8>, pairs: UnsafePointer<UInt8>) -> Int {
        var h = code
        out[0] = 0x43
        let pairs = UnsafeRawPointer(pairs)
        var at = 1
        while at < 11 {
            let pair = Int(truncatingIfNeeded: h % 3844) &* 2
            h /= 3844
            UnsafeMutableRawPointer(out + at).storeBytes(of: pairs.loadUnaligned(fromByteOffset: pair, as: UInt16.self), as: UInt16.self)
            at &+= 2
        }
        out[11] = base62.utf8Start[Int(h % 62)]
        return 12
    }

    /// The uid, as JSON and CSV write it: its digits in place, or the text that replaced it
    /// (quoted and escaped as `quoted` says); room: 14 bytes, or the text's (`textRoom`).
    /// `pairs`: `base62Pairs`, which a writer reads once (each read of the lazily made table
    /// is a call).
    @inline(__always)
    func writeUID(_ c: inout JSONCursor, quoted: Bool, pairs: UnsafePointer<UInt8>) {
        if !plain, var uidText = texts?.uid {
            if quoted { c.quoted(uidText) } else { uidText.withUTF8 { c.csvField($0) } }
            return
        }
        if quoted { c.byte(0x22) }
        c.p += Self.writeUID(uidCode, to: c.p, pairs: pairs)
        if quoted { c.byte(0x22) }
    }

    private static let base62: StaticString = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    /// For each of 0..<3844, its two base-62 digits, least significant first: made once, never
    /// changed (so shared by every thread).
    nonisolated(unsafe) static let base62Pairs: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 3844 * 2)
        for v in 0..<3844 {
            table[2 * v] = base62.utf8Start[v % 62]
            table[2 * v + 1] = base62.utf8Start[v / 62]
        }
        return UnsafePointer(table)
    }()

    /// Room the flow's text fields may take besides `fixedRoom`: each present field's key and
    /// its worst-case escaped (`room`: JSON's or CSV's) form. Inlined with `room`: with no call
    /// between, the texts are read without a retain and release each.
    /// `names`: room of the ends' names, given the texts' box (JSON's is `namesJSON`'s count).
    @inline(__always)
    func textRoom(_ room: (Int) -> Int, names: (FlowTexts) -> Int) -> Int {
        func of(_ text: String?) -> Int { text.map { 24 &+ room($0.utf8.count) } ?? 0 }
        // The port tables' rules: room for their longest id, not a table read per flow.
        let rules = self.rules.none ? 0 : 2 &* (24 &+ room(FlowRules.longestID))
        guard let texts else { return rules }
        return of(texts.uid) &+ names(texts) &+ of(texts.rule) &+ of(texts.replyRule) &+ of(texts.reason) &+ rules
    }

    /// Room of the flow object's members up to `end_reason` (or of the CSV row) but for its
    /// text fields: about 360 bytes of keys and punctuation, at most about 490 of values (two
    /// IPv6 addresses, ten services, six 20-digit numbers, ...).
    static let fixedRoom = 1280

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

    /// Takes the flow's roles, rule and verdict. Inlined; the texts are set out of line.
    @inline(__always)
    mutating func apply(_ c: Classification) {
        origRoleKind = c.origRole
        respRoleKind = c.respRole
        verdictKind = c.verdict
        // No rule, no violation, no text and no rule kept from before (most flows of a flood):
        // the texts stay nil. (A reply rule comes only with a rule; the verdict is tested, not
        // the violation, whose test would copy the classification.)
        guard c.ruleRef != nil || c.verdict == .violation || texts != nil || !rules.none else { return }
        applyTexts(c)
    }

    /// The rule and reply rule of `c` by their places, the reason as text (a violation's).
    private mutating func applyTexts(_ c: Classification) {
        // Text set before is replaced, as the setters replace it; fields already nil are not
        // set again (each set tests and may copy the texts' box).
        if let t = texts {
            if t.rule != nil { rule = nil }
            if t.replyRule != nil { replyRule = nil }
        }
        rules = FlowRules(rule: c.ruleRef, reply: c.verdict == .allowed ? c.replyHybrid : nil)
        if c.verdict == .violation || texts?.reason != nil { reason = c.violation?.reason }
    }

    /// Whether the flow object holds nothing but the members always present and its text
    /// fields (no `icmp`, no application parts: most flows of a flood), so that a writer may
    /// write it whole through one cursor (`writeMembers`).
    var flat: Bool { icmp == nil && app == nil }

    /// Room `writeMembers` may take, besides the object's opening. A flow with text fields is
    /// measured out of line (off a flood's way: `textRoom` is inlined into it).
    @inline(__always)
    var jsonRoom: Int { plain ? Self.fixedRoom : jsonRoomWithTexts() }

    @inline(never)
    private func jsonRoomWithTexts() -> Int { Self.fixedRoom &+ textRoom(JSONCursor.quotedRoom) { $0.namesJSON.count } }

    /// Writes the members always present (and the text fields set), after the object's opening
    /// (the writer's), in room made once for them (`jsonRoom`): literal runs of keys and
    /// punctuation around values formatted in place, no key, comma or value through a `String`,
    /// no capacity test per write (a flood reports one flow per packet). `second` and `micros`:
    /// `ts` as `TimeFormat.isoParts` gives it. `tails`: the writer's memo of the members from
    /// `orig_role` to `services` and from `duration` on, for a flow without text fields.
    /// Not inlined into the writers: there the optimizer stopped inlining the cursor's own
    /// writes (each octet of an address became two calls).
    @inline(never)
    func writeMembers(_ c: inout JSONCursor, second: TimeFormat.SecondText, micros: Int, tails: borrowing FlowTailMemo) {
        writeEnds(&c, uidPairs: tails.uidPairs)
        if plain {
            tails.writeMiddle(self, &c) { writeMiddle(&$0) }
            c.iso8601(second, micros: micros)
            tails.write(self, &c) { writeTail(&$0) }
        } else {
            writeMiddle(&c)
            c.iso8601(second, micros: micros)
            writeTail(&c)
        }
    }

    /// The members from `uid` to `resp_p` and the ends' names. `uidPairs`: `base62Pairs`.
    @inline(__always)
    private func writeEnds(_ c: inout JSONCursor, uidPairs: UnsafePointer<UInt8>) {
        c.literal("\"uid\":")
        writeUID(&c, quoted: true, pairs: uidPairs)
        // TCP and UDP (most flows) with their keys as one run.
        switch protocolNumber {
        case IPProtocol.tcp: c.literal(",\"proto\":\"tcp\",\"orig_h\":\"")
        case IPProtocol.udp: c.literal(",\"proto\":\"udp\",\"orig_h\":\"")
        default:
            c.literal(",\"proto\":\"")
            writeProto(&c)
            c.literal("\",\"orig_h\":\"")
        }
        origAddress.writeText(&c)
        c.literal("\",\"orig_p\":")
        c.port(origP)
        c.literal(",\"resp_h\":\"")
        respAddress.writeText(&c)
        c.literal("\",\"resp_p\":")
        c.port(respP)
        // Without text fields (most flows) nothing is read; with them, the names' members
        // are copied as their box keeps them, written once.
        // (Read through the optional, not bound to a name: a binding retained the box, nil or
        // not, for every flow of a flood.)
        if !plain, let names = texts?.namesJSON { c.bytes(UnsafeBufferPointer(names)) }
    }

    /// The members from `orig_role` to `services`, and the key of `ts` with its opening quote.
    @inline(__always)
    private func writeMiddle(_ c: inout JSONCursor) {
        c.literal(",\"orig_role\":\"")
        c.literal(origRoleKind.staticName)
        c.literal("\",\"resp_role\":\"")
        c.literal(respRoleKind.staticName)
        c.literal("\",\"service\":\"")
        c.literal(serviceSet.main.staticName)
        c.literal("\",\"services\":[")
        var first = true
        serviceSet.forEach {
            c.literal(first ? "\"" : ",\"")
            first = false
            c.literal($0.staticName)
            c.byte(0x22)
        }
        c.literal("],\"ts\":\"")
    }

    /// The rule (or with `reply` the reply rule) in `slot`, else its text in `texts` (set from
    /// outside): as a JSON string or `null` (`quoted`), or as a CSV field. Static, and given the
    /// texts' box: a closure reading the text from the summary copied the whole summary.
    @inline(__always)
    static func writeRule(_ c: inout JSONCursor, _ slot: UInt8, _ texts: FlowTexts?, reply: Bool, quoted: Bool) {
        guard slot != 0 else {
            let text = reply ? texts?.replyRule : texts?.rule
            return quoted ? c.quoted(text) : c.csvField(text)
        }
        if quoted { c.byte(0x22) }
        FlowRules.writeID(slot, &c)
        if quoted { c.byte(0x22) }
    }

    /// The members from `duration` to `end_reason`.
    @inline(__always)
    private func writeTail(_ c: inout JSONCursor) {
        let plain = self.plain
        c.literal("\",\"duration\":")
        c.milliseconds(durationNs)
        c.literal(",\"orig_pkts\":")
        c.integer(origPkts)
        c.literal(",\"resp_pkts\":")
        c.integer(respPkts)
        c.literal(",\"orig_bytes\":")
        c.integer(origBytes)
        c.literal(",\"resp_bytes\":")
        c.integer(respBytes)
        c.literal(",\"orig_ip_bytes\":")
        c.integer(origIPBytes)
        c.literal(",\"resp_ip_bytes\":")
        c.integer(respIPBytes)
        c.literal(",\"conn_state\":\"")
        c.literal(connStateName)
        c.literal("\",\"history\":\"")
        c.p += historyLetters.copyText(to: c.p)
        c.literal("\",\"rule\":")
        if plain {
            c.literal("null,\"reply_rule\":null")
        } else {
            Self.writeRule(&c, rules.ruleSlot, texts, reply: false, quoted: true)
            c.literal(",\"reply_rule\":")
            Self.writeRule(&c, rules.replySlot, texts, reply: true, quoted: true)
        }
        c.literal(",\"verdict\":\"")
        c.literal(verdictKind.staticName)
        c.literal("\",\"reason\":")
        if plain { c.literal("null") } else { c.quoted(reason) }
        c.literal(",\"end_reason\":\"")
        c.literal(end.name)
        c.byte(0x22)
    }

    /// Writes the flow object's fields (without the enclosing braces) after the members the
    /// object holds: the members always present (`writeMembers`), then the nested objects.
    /// - Parameter leading: text written first: members ending in a comma (NDJSON's
    ///   `"type":"flow",`), or the object's own opening (JSON's `{` or `,{`, after `JSONWriter.opening`).
    /// - Parameter tails: the writer's memo: its `uidPairs`, and its middles (the roles and
    ///   services: the same text for most flows with report parts too, copied, not written anew).
    func write(to w: inout JSONWriter, leading: StaticString = "", tails: borrowing FlowTailMemo) {
        w.separate()
        let (second, micros) = TimeFormat.isoParts(ts, &w)
        w.withRoom(jsonRoom &+ leading.utf8CodeUnitCount) { c in
            c.literal(leading)
            writeEnds(&c, uidPairs: tails.uidPairs)
            tails.writeMiddle(self, &c) { writeMiddle(&$0) }
            c.iso8601(second, micros: micros)
            writeTail(&c)
        }
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
        app?.write(to: &w)
    }
}

/// A flow's text fields (`FlowSummary.texts`); changed only while one summary holds it.
final class FlowTexts: @unchecked Sendable {
    var uid, rule, replyRule, reason: String?
    var origName: String? { didSet { namesJSON = Self.namesJSON(origName, respName, replacing: namesJSON) } }
    var respName: String? { didSet { namesJSON = Self.namesJSON(origName, respName, replacing: namesJSON) } }
    /// The ends' names as the JSON flow object's members (`,"orig_name":"…"` for a name
    /// given, then `,"resp_name":"…"`), made when the names are set: a box is shared by the
    /// flows between the same names (`FlowNameBoxes`), each of which copies these bytes, with
    /// no name retained, measured nor escaped per flow.
    private(set) var namesJSON: UnsafeMutableBufferPointer<UInt8>

    /// A box of the ends' names alone (`FlowNameBoxes`).
    init(origName: String?, respName: String?) {
        self.origName = origName
        self.respName = respName
        namesJSON = Self.namesJSON(origName, respName, replacing: nil)
    }

    init(_ other: FlowTexts?) {
        uid = other?.uid
        origName = other?.origName
        respName = other?.respName
        rule = other?.rule
        replyRule = other?.replyRule
        reason = other?.reason
        namesJSON = Self.namesJSON(origName, respName, replacing: nil)
    }

    deinit { namesJSON.deallocate() }

    /// `namesJSON` of names `o` and `r`, in memory of its own (`old`'s is freed); empty, with no
    /// memory, without names (a summary's copy for its uid, rule or reason text, most of a flood's).
    private static func namesJSON(_ o: String?, _ r: String?, replacing old: UnsafeMutableBufferPointer<UInt8>?)
        -> UnsafeMutableBufferPointer<UInt8> {
        old?.deallocate()
        guard o != nil || r != nil else { return UnsafeMutableBufferPointer(start: nil, count: 0) }
        let start = UnsafeMutablePointer<UInt8>.allocate(capacity: 32 &+ JSONCursor.quotedRoom(o) &+ JSONCursor.quotedRoom(r))
        var c = JSONCursor(p: start)
        if let o {
            c.literal(",\"orig_name\":")
            c.quoted(o)
        }
        if let r {
            c.literal(",\"resp_name\":")
            c.quoted(r)
        }
        return UnsafeMutableBufferPointer(start: start, count: c.p - start)
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

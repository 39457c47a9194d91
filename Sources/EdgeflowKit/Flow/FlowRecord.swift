/// Everything kept about one flow while it is live: plain data, no references.
public struct FlowRecord: Sendable, BitwiseCopyable {
    // Declared in this order so that the small fields fill what would be padding (168 bytes,
    // not 200): a flood holds millions of records, and `FloodTests` checks the size. What every
    // datagram reads and writes (key, inspection, services, time, counters, history) is in the
    // first 128 bytes, so that a packet touches two or three cache lines of its record. What
    // ICMP errors said about the flow is kept beside the table (`ICMPErrorFacts`).
    public var key: FlowKey
    /// True when the originator is end `a` of the key.
    public var originatorIsA: Bool
    /// Payload packets inspected for a TCP service so far (bounded).
    var tcpInspected: UInt8 = 0
    /// Index of the flow's application inspection (-1 none yet, -2 none available).
    var inspection: Int32 = -1
    public var services = ServiceSet()
    /// What the first TCP payload looked like: decides how the byte stream is followed.
    var streamHint = Service.unknown
    /// ICMP type and code of the first packet (Zeek reports them as ports).
    public var icmpType: UInt8 = 0
    public var lastTimestamp: Int64
    public var origPackets = 0
    public var respPackets = 0
    public var origBytes = 0
    public var respBytes = 0
    public var origIPBytes = 0
    public var respIPBytes = 0
    public var history = FlowHistory()
    public var icmpCode: UInt8 = 0
    /// Whether either end of the key is a DNS port (53 or 5353), whose datagrams never take the
    /// RTP fast path (`FlowTracker.trackDatagram`): 0 not known yet, 1 no, 2 yes. Worked out at
    /// the flow's first datagram that reaches the test, so a packet tests this byte, not four
    /// ports, and a new flow pays nothing. (In padding after `history`.)
    var dnsPorts: UInt8 = 0
    /// Creation order within the run: the index of the flow's first packet.
    public var sequence: Int
    public var firstTimestamp: Int64
    public var tcp = TCPFlowState()

    /// A new flow: `sequence` is its creation order (its first packet's index).
    public init(key: FlowKey, sequence: Int, originatorIsA: Bool, timestamp: Int64) {
        self.key = key
        self.sequence = sequence
        self.originatorIsA = originatorIsA
        self.firstTimestamp = timestamp
        self.lastTimestamp = timestamp
    }

    public var originator: (address: IPAddress, port: UInt16) {
        originatorIsA ? (key.a, key.aPort) : (key.b, key.bPort)
    }
    public var responder: (address: IPAddress, port: UInt16) {
        originatorIsA ? (key.b, key.bPort) : (key.a, key.aPort)
    }

    /// Zeek-style connection state: TCP from both endpoints' states; other protocols S0
    /// (one way), SF (both ways) or SHR (responder only). Inlined: every flow's summary asks.
    @inline(__always)
    public var connState: StaticString {
        if key.proto == IPProtocol.tcp {
            return tcp.connState(origBytes: origBytes, respBytes: respBytes, history: history, sawOrigSyn: tcp.synSeen)
        }
        if origPackets > 0 { return respPackets > 0 ? "SF" : "S0" }
        return respPackets > 0 ? "SHR" : "OTH"
    }

    /// Whether the responder answered: for TCP a SYN-ACK, an ACK or data from it (a bare
    /// RST is no answer); for other protocols any packet from it.
    public var answered: Bool {
        guard key.proto == IPProtocol.tcp else { return respPackets > 0 }
        return history.has(.synAck, fromOriginator: false) || history.has(.ack, fromOriginator: false)
            || history.has(.data, fromOriginator: false) || history.has(.retransmit, fromOriginator: false)
    }

    /// Why a flow ended.
    public enum EndReason: UInt8, Sendable, BitwiseCopyable {
        /// Still live when input ended.
        case endOfInput
        /// Idle beyond its timeout.
        case idle
        /// The 5-tuple was reused by a new connection (SYN after FIN/RST or a long pause).
        case reused
        /// Evicted to stay under `--max-flows`.
        case evicted
    }
}

/// How one flow's payloads are followed: the closed set of per-flow protocol states. The
/// `Dispatcher` switches over it; adding a protocol adds a case here, its arm there, and its
/// folder under Protocols/. States larger than a few words live in a `HeapValue` (in the slab's
/// `StateArena`), so an inspected flow costs one slab entry plus the state of the protocol it carries.
enum ProtocolState {
    /// A TCP flow whose stream is not named yet.
    case undecided
    /// One 5-tuple's datagrams demultiplexed by RFC 7983 (STUN/TURN/MS-TURN, TURN-carried and
    /// plain RTP/RTCP, DTLS) and plaintext SIP datagrams beside them (SIP outbound keep-alives
    /// are STUN on the SIP flow, RFC 5626), or TURN over TCP (MS-TURN, RFC 4571 or plain framing).
    case media(MediaState)
    /// A TLS byte stream (SIP over mutual TLS on 5061, TLS on 443).
    case tls(HeapValue<TLSStreamState>)
    /// Plaintext SIP over TCP, framed by Content-Length (over UDP, SIP is part of `media`).
    case sip(HeapValue<SIPCounts>)
    /// DNS over TCP (its answers go to the run's `DNSBook`), or over UDP when Zeek logs are
    /// written; the flow's queries and responses are kept for `dns.log` only then.
    case dns(HeapValue<DNSTransactionLog>?)
    /// A stream that is followed no further (not a protocol edgeflow reads).
    case ignored
}

/// The protocols that share one UDP 5-tuple (RFC 7983, and SIP), each state made at its first
/// message. (Their RTP state is the inspection's `rtp`, beside this one.)
struct MediaState {
    var stun: HeapValue<STUNFlowStats>? = nil
    var dtls: HeapValue<DTLSFlowState>? = nil
    var sip: HeapValue<SIPCounts>? = nil
    /// The flow's STUN transactions for `stun.log`, only when Zeek logs are written.
    var stunLog: HeapValue<STUNTransactionLog>? = nil
    /// Over TCP: each direction's framing, learnt from its first PDU.
    var origFraming = TCPFramingMode.auto
    var respFraming = TCPFramingMode.auto
}

/// The application state of one inspected flow, a value in the `InspectionSlab`: which
/// protocol follows it (over TCP, its byte streams are the slab's `TCPStreams` beside it).
struct FlowInspection: ~Copyable {
    var state = ProtocolState.undecided
    /// Where the RTP state's known streams lie (in what was padding after the enum, on the line
    /// of `rtpState`).
    var knownStreams = RTPKnownStreams()
    /// A media flow's RTP/RTCP state (`rtp()`), made only while `state` is `.media`, which a
    /// flow never leaves: kept beside the enum, not in `MediaState`, so that an RTP packet
    /// reaches it with one test (the enum's case and the state's were tested apart). It takes
    /// what was the padding after the enum: the inspection stays 56 bytes.
    var rtpState: HeapValue<RTPFlowStats>? = nil
    /// Where the flow's states are made: its slab's, which outlives every inspection in it.
    unowned(unsafe) let arena: StateArena

    /// Freezes what the flow's protocols showed for the report (their states stay where they
    /// lie, owned by one `FrozenStates`) and frees the rest (the logs' working state).
    consuming func end() -> InspectionFacts {
        var facts = InspectionFacts()
        switch state {
        case .media(let m):
            if m.stun != nil || rtpState != nil || m.dtls != nil || m.sip != nil {
                facts.states = FrozenStates(arena, stun: m.stun, rtp: rtpState, dtls: m.dtls, sip: m.sip)
            }
            if let log = m.stunLog { facts.transactions = FrozenBox(FlowTransactions(stun: log.take(from: arena.stunLog))) }
        case .tls(let t):
            facts.states = FrozenStates(arena, tls: t)
        case .sip(let s):
            facts.states = FrozenStates(arena, sip: s)
        case .dns(let log):
            if let log { facts.transactions = FrozenBox(FlowTransactions(dns: log.take(from: arena.dnsLog))) }
        case .undecided, .ignored:
            break
        }
        return facts
    }

    /// Frees the flow's state without reporting it (the slab is going away).
    func discard() {
        switch state {
        case .media(let m):
            m.stun?.free(to: arena.stun)
            rtpState?.free(to: arena.rtp)
            m.dtls?.free(to: arena.dtls)
            m.sip?.free(to: arena.sip)
            m.stunLog?.free(to: arena.stunLog)
        case .tls(let t): t.free(to: arena.tls)
        case .sip(let s): s.free(to: arena.sip)
        case .dns(let log): log?.free(to: arena.dnsLog)
        case .undecided, .ignored: break
        }
    }
}

/// What an ended flow's protocols showed, frozen: plain values that may cross threads (a
/// sharded run's worker hands them to the calling thread), turned into an `AppReport`.
struct InspectionFacts: Sendable {
    /// The flow's protocol states (its `stun`, `rtp`, `tls`, `dtls` and `sip`), one reference.
    var states: FrozenStates? = nil
    /// Kept only when Zeek logs are written (`Dispatcher.transactionLogs`).
    var transactions: FrozenBox<FlowTransactions>? = nil
}

/// A flow's transactions for `stun.log` and `dns.log` (Zeek logs only), one reference for the
/// flow's report to carry (nil, and nothing to copy, otherwise).
struct FlowTransactions: Sendable {
    var stun: STUNTransactionLog? = nil
    var dns: DNSTransactionLog? = nil
}

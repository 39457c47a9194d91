/// Timeouts and limits of the flow table.
public struct FlowSettings: Sendable {
    /// A UDP (or other non-TCP) flow idle this long ends; default 120 s.
    public var udpTimeout: Int64 = 120 * 1_000_000_000
    /// A TCP connection idle this long ends, and a SYN after such a pause starts a new flow; default 300 s (Zeek's tcp_inactivity_timeout).
    public var tcpTimeout: Int64 = 300 * 1_000_000_000
    /// A TCP connection closed by FIN or RST is kept this long for stragglers; default 30 s.
    public var tcpCloseLinger: Int64 = 30 * 1_000_000_000
    /// Most live flows; beyond it the longest-idle flows are evicted and counted.
    public var maxFlows: Int = 4_000_000
    /// Flows the table holds before its first growth.
    public var initialCapacity: Int = 1 << 14
    /// Most flows whose application protocols are followed at once (STUN/TURN, RTP, TLS, SIP).
    public var maxInspectedFlows: Int = 262_144
    /// Bytes reassembled per TCP direction for TLS handshakes and STUN over TCP (default 64 KiB).
    public var reassemblyBudget: Int = 64 * 1024
    /// Bytes all TCP reassembly buffers together may hold (default 256 MiB); streams that
    /// would need more stop and are counted.
    public var reassemblyMemory: Int = 256 << 20
    /// RTP clock rates (Hz) of dynamic payload types 96-127, for jitter; static types use RFC 3551.
    public var rtpClockRates: [UInt8: UInt32] = [:]
    /// Take the dynamic payload types Lync / Skype for Business clients offer (`RTPCodec.lync`)
    /// for their clocks and codecs (before `rtpClockRates`).
    public var rtpLyncPayloadTypes = false
    /// Width of RTP streams' time slices in ns (`--slice`, default 10 s).
    public var rtpSliceWidth: Int64 = RTPSlices.defaultWidth
    /// Keep each flow's DNS and STUN transactions for `dns.log` and `stun.log` (set when Zeek
    /// logs are written; otherwise they cost nothing). DNS flows are then inspected too.
    public var transactionLogs = false
    /// The SDP book the capture sockets of `live --threads N` share (nil: the table keeps its own).
    var sharedSDP: SharedSDPBook? = nil

    /// How often (in capture time) idle flows are looked for.
    var sweepInterval: Int64 { max(1_000_000_000, min(udpTimeout, tcpCloseLinger) / 4) }

    /// How long after its last packet a flow may end: its longest timeout, and the sweep that
    /// finds it.
    var longestEndDelay: Int64 {
        let (s, o) = max(udpTimeout, tcpTimeout, tcpCloseLinger).addingReportingOverflow(sweepInterval)
        return o ? .max : s
    }

    public init() {}
}

/// A flow that has ended, with why and what its application protocols showed.
public struct EndedFlow {
    public var record: FlowRecord
    public var reason: FlowRecord.EndReason
    /// What its application protocols showed (nil when it was not inspected).
    var inspection: InspectionFacts?
    /// What ICMP errors that quoted its packets said (nil: none did).
    var icmpErrors: ICMPErrorFacts? = nil
}

/// Assigns packets to bidirectional flows and keeps their counters, TCP state and history.
/// Ended flows collect in `ended` for the caller to drain; nothing is allocated per packet
/// once the table and that buffer have grown to their working size.
public struct FlowTracker: ~Copyable {
    public private(set) var table: FlowTable
    public let settings: FlowSettings
    /// Hands inspected flows' payloads to their protocols.
    private(set) var dispatcher: Dispatcher
    /// Flows that ended since the caller last drained this buffer.
    public var ended: [EndedFlow] = []
    /// Flows in which a service was recognised for the first time since the last drain
    /// (rare: at most a few per flow), for role inference.
    public var recognised: [FlowRecord] = []
    /// What ICMP errors said about live flows, by the flow's `sequence` (few flows have any;
    /// taken out as the flow ends).
    private(set) var icmpErrors: [Int: ICMPErrorFacts] = [:]
    /// Set whenever a flow joins `ended` or `recognised`: the one-thread engine tests this one
    /// flag per packet rather than both arrays, and clears it when it drains them.
    var eventsPending = false
    public private(set) var flowsEvicted = 0
    public private(set) var flowsExpired = 0
    /// Most flows live at once.
    public private(set) var peakLiveFlows = 0
    /// Flows live now.
    var liveFlows: Int { table.count }
    private var sweepClock: SweepClock
    /// The lookups of the packets read ahead, one level each (`prefetch(ahead:linkType:)`).
    private(set) var ahead = LookupAhead()
    /// False for a worker of a sharded run: its sweeps are decided for all workers at once.
    var sweepsItself = true
    /// Segments of live flows tracked from the frame's fields (`trackSegment`): not reported;
    /// tests read it to see that the plain-segment path runs.
    private(set) var plainSegmentsTracked = 0
    /// Datagrams that took `trackDatagram`'s STUN or TURN path (`stunDatagram`,
    /// `channelDataDatagram`): not reported; tests read it to see that the paths run.
    private(set) var stunDatagramsTracked = 0

    /// Most TCP payload packets inspected per flow to name its service.
    static let tcpInspectionLimit: UInt8 = 6

    init(settings: FlowSettings = FlowSettings(), dns: DNSBook = DNSBook()) {
        self.settings = settings
        sweepClock = SweepClock(interval: settings.sweepInterval)
        table = FlowTable(capacity: min(settings.initialCapacity, max(16, settings.maxFlows)))
        dispatcher = Dispatcher(capacity: settings.maxInspectedFlows, reassemblyBudget: settings.reassemblyBudget,
                               reassemblyMemory: settings.reassemblyMemory, dns: dns,
                               clockRates: settings.rtpClockRates, lyncPayloadTypes: settings.rtpLyncPayloadTypes,
                               sliceWidth: settings.rtpSliceWidth, transactionLogs: settings.transactionLogs, sharedSDP: settings.sharedSDP)
        ended.reserveCapacity(Self.endedReserved)
        recognised.reserveCapacity(64)
    }

    /// Room in `ended` made at the start and kept across drains.
    static let endedReserved = 1024
    /// The most room `ended` keeps once drained: a sweep that ends a burst's flows at once grows
    /// it to their number (200,000 STUN flows: 65 MB kept for good), so past this it starts again
    /// from `endedReserved` (a burst's sweeps then allocate as it grows; a packet never does
    /// below this).
    static let endedKept = 16_384

    /// Empties `ended` once the caller has taken its flows, keeping its room up to `endedKept`.
    public mutating func drainedEnded() {
        ended.removeAll(keepingAtMost: Self.endedKept, reserving: Self.endedReserved)
    }

    /// Accounts one decoded IP packet (kind `.transport`).
    /// - Parameters:
    ///   - d: the decoded headers.
    ///   - timestamp: capture time in nanoseconds.
    ///   - bytes: the packet's captured bytes (for service recognition).
    ///   - index: the packet's position in the run (1-based): a new flow's `sequence`.
    @inline(__always)
    public mutating func track(_ d: DecodedPacket, timestamp: Int64, bytes: UnsafeRawBufferPointer, index: Int) {
        let (key, sourceIsA) = FlowKey.of(d)
        let hash = table.hash(key)
        let isTCP = d.proto == IPProtocol.tcp
        var found = table.find(key, hash: hash)
        if let i = found {
            if isTCP {
                if let reason = segmentEnds(i, flags: d.tcpFlags, seq: d.seq, timestamp: timestamp) {
                    end(at: i, reason: reason)
                    found = nil
                }
            } else if timestamp &- table[i].lastTimestamp > settings.udpTimeout {
                end(at: i, reason: .idle)
                found = nil
            }
        }
        let i = found ?? create(key, hash: hash, sourceIsA: sourceIsA, d, timestamp: timestamp, sequence: index)
        update(at: i, sourceIsA: sourceIsA, d, timestamp: timestamp, bytes: bytes)
        if sweepsItself && sweepClock.isDue(timestamp) { sweep(now: timestamp, index: index) }
    }

    /// Accounts a `PlainDatagram` as `track` accounts its decoded packet, with one fused path
    /// for the commonest datagram: RTP on a live flow already inspected, off the DNS ports
    /// (counters, history and the RTP stream, with no `DecodedPacket` and no call between), and
    /// one call for STUN on such a flow (`stunDatagram`), one for TURN's ChannelData
    /// (`channelDataDatagram`).
    /// Past the lookup the datagram's ends are read from its key's words or the flow's key, so
    /// that the lookup keeps no more of them in registers or on the stack than two words.
    /// The record the lookups ahead found for the datagram (`LookupAhead.record`) is taken when
    /// it holds the datagram's key: no hash and no probe of the slots (the hash is then 0 for
    /// `otherDatagram`, which makes it).
    /// Transparent: the engine's reading loop has it in place (`@inline(__always)` left it a call there).
    @_transparent
    mutating func trackDatagram(_ u: PlainDatagram, timestamp: Int64, bytes: UnsafeRawBufferPointer, index: Int) {
        let ends = PlainEnds(u)
        let key = ends.key
        let hinted = ahead.record
        var hash: UInt64 = 0
        var found: Int?
        // One unsigned comparison for both bounds (none found: -1).
        if UInt(bitPattern: hinted) < UInt(bitPattern: table.count), table[hinted].key == key {
            found = hinted
        } else {
            hash = FlowKey.ipv4TableHash(a: ends.a, b: ends.b, proto: IPProtocol.udp, table.secret)
            found = table.find(key, hash: hash)
        }
        if let i = found, timestamp &- table[i].lastTimestamp > settings.udpTimeout {
            end(at: i, reason: .idle)
            found = nil
        }
        let payload = Int(u.payloadLength)
        if let i = found, payload > 0, table[i].inspection >= 0, !onDNSPort(i) {
            // The start of `update`'s UDP arm, for a datagram that is whole (not a fragment) and
            // captured whole (`PlainDatagram`).
            let p = UnsafeRawBufferPointer(rebasing: bytes[Int(u.payloadOffset)..<(Int(u.payloadOffset) &+ payload)])
            if UDPDemux.isRTP(p) {
                let fromOrig = ends.srcFirst == table[i].originatorIsA
                count(at: i, fromOrig: fromOrig, payload: payload, ipLength: Int(u.ipLength), timestamp: timestamp)
                table[i].history.note(.data, fromOriginator: fromOrig)
                if !dispatcher.rtpKnown(inspected: table[i].inspection, p, fromOriginator: fromOrig, timestamp: timestamp) {
                    rtpDatagram(at: i, p, srcFirst: ends.srcFirst, fromOriginator: fromOrig, timestamp: timestamp)
                }
                if sweepsItself && sweepClock.isDue(timestamp) { sweep(now: timestamp, index: index) }
                return
            }
            if UDPDemux.mayBeSTUN(p) {
                return stunDatagram(at: i, p, srcFirst: ends.srcFirst, payload: payload, ipLength: Int(u.ipLength), timestamp: timestamp,
                                    index: index)
            }
            if UDPDemux.isChannelData(p) {
                return channelDataDatagram(at: i, p, srcFirst: ends.srcFirst, payload: payload, ipLength: Int(u.ipLength),
                                           timestamp: timestamp, index: index)
            }
        }
        otherDatagram(ends.datagram(ipLength: u.ipLength, payloadOffset: u.payloadOffset, payloadLength: u.payloadLength),
                      hash: hash, found: found, timestamp: timestamp, bytes: bytes, index: index)
    }

    /// `trackDatagram`'s STUN path: a whole datagram `p` whose first byte is STUN's
    /// (`UDPDemux.mayBeSTUN`) on live flow `i`, already inspected and off the DNS ports, as
    /// `update` accounts it, without the service hint and the demux of every class: for such a
    /// datagram `update`'s hint is STUN or nothing, and either way the flow is named what the
    /// dispatcher saw (`Dispatcher.stunTracked`). Out of line, so that the reading loop keeps
    /// only the test.
    @inline(never)
    private mutating func stunDatagram(at i: Int, _ p: UnsafeRawBufferPointer, srcFirst: Bool, payload: Int, ipLength: Int,
                                       timestamp: Int64, index: Int) {
        let fromOrig = tracked(at: i, srcFirst: srcFirst, payload: payload, ipLength: ipLength, timestamp: timestamp)
        let s = dispatcher.stunTracked(inspected: table[i].inspection, p, ports: (table[i].key.aPort, table[i].key.bPort),
                                       fromOriginator: fromOrig, timestamp: timestamp)
        named(s, at: i, timestamp: timestamp, index: index)
    }

    /// `trackDatagram`'s TURN path: a whole ChannelData datagram `p` (`UDPDemux.isChannelData`)
    /// on live flow `i`, already inspected and off the DNS ports, as `update` accounts it: for
    /// such a datagram `update`'s hint is STUN or nothing, and either way the flow is named what
    /// the dispatcher saw (`Dispatcher.channelDataTracked`). Out of line, as `stunDatagram`.
    @inline(never)
    private mutating func channelDataDatagram(at i: Int, _ p: UnsafeRawBufferPointer, srcFirst: Bool, payload: Int, ipLength: Int,
                                              timestamp: Int64, index: Int) {
        let fromOrig = tracked(at: i, srcFirst: srcFirst, payload: payload, ipLength: ipLength, timestamp: timestamp)
        let s = dispatcher.channelDataTracked(inspected: table[i].inspection, p, ports: (table[i].key.aPort, table[i].key.bPort),
                                              fromOriginator: fromOrig, timestamp: timestamp)
        named(s, at: i, timestamp: timestamp, index: index)
    }

    /// What the STUN and TURN paths do first with a datagram of live flow `i` (sent from the key's
    /// `a` end when `srcFirst`): its counters and history. Returns whether the originator sent it.
    @inline(__always)
    private mutating func tracked(at i: Int, srcFirst: Bool, payload: Int, ipLength: Int, timestamp: Int64) -> Bool {
        stunDatagramsTracked &+= 1
        let fromOrig = srcFirst == table[i].originatorIsA
        count(at: i, fromOrig: fromOrig, payload: payload, ipLength: ipLength, timestamp: timestamp)
        table[i].history.note(.data, fromOriginator: fromOrig)
        return fromOrig
    }

    /// And last: flow `i` named `s`, what the dispatcher saw, and swept when a sweep is due.
    @inline(__always)
    private mutating func named(_ s: Service, at i: Int, timestamp: Int64, index: Int) {
        if s != .unknown, !table[i].services.contains(s) { recognise(s, at: i) }
        if sweepsItself && sweepClock.isDue(timestamp) { sweep(now: timestamp, index: index) }
    }

    /// Takes the lookups of the packets read ahead one level further (`LookupAhead`), `frame`
    /// the newest of them, `LookupAhead.depth` packets past the one about to be tracked; before
    /// each packet of a reading loop.
    /// Not while the table holds fewer than `LookupAhead.fewestFlows` flows: their lines stay
    /// in the caches. Steps taken again go on from what they last held, which at worst asks for
    /// lines no longer needed.
    @inline(__always)
    mutating func prefetch(ahead frame: UnsafeRawBufferPointer?, linkType: LinkType) {
        if table.count >= LookupAhead.fewestFlows { ahead.step(frame, linkType: linkType, table, dispatcher) }
    }

    /// `prefetch(ahead:linkType:)` with the Ethernet frame `reader` reads ahead (`frameAhead`),
    /// asked for only when the step is taken: a table of fewer flows has its reader read no
    /// record twice.
    @inline(__always)
    mutating func prefetch<R: PacketReader>(aheadOf reader: inout R) {
        if table.count >= LookupAhead.fewestFlows { ahead.step(reader.frameAhead(), linkType: .ethernet, table, dispatcher) }
    }

    /// Whether flow `i`'s key has a DNS port at either end (`FlowRecord.dnsPorts`, worked out once).
    @inline(__always)
    private mutating func onDNSPort(_ i: Int) -> Bool {
        table[i].dnsPorts == 1 ? false : noteDNSPorts(i)
    }

    /// `onDNSPort` the first time (and for the DNS flows).
    @inline(never)
    private mutating func noteDNSPorts(_ i: Int) -> Bool {
        let dns = ServiceHint.isDNSPort(table[i].key.aPort, table[i].key.bPort)
        table[i].dnsPorts = dns ? 2 : 1
        return dns
    }

    /// `trackDatagram`'s RTP packet `p` on flow `i` that is not of its direction's known stream
    /// (`Dispatcher.rtpKnown`): a stream's first packets, another payload type, another stream.
    /// Out of line, so that the reading loop keeps only the known stream's path, and none of
    /// this one's values across it.
    @inline(never)
    private mutating func rtpDatagram(at i: Int, _ p: UnsafeRawBufferPointer, srcFirst: Bool, fromOriginator: Bool, timestamp: Int64) {
        let tracked = dispatcher.rtpNaming(inspected: table[i].inspection, p, fromOriginator: fromOriginator, timestamp: timestamp)
        let s = tracked ?? newRTPStream(at: i, p, srcFirst: srcFirst, fromOriginator: fromOriginator, timestamp: timestamp)
        if s != .unknown, !table[i].services.contains(s) { recognise(s, at: i) }
    }

    /// The first packet `p` of an RTP stream on flow `i` (`trackDatagram`'s rare case): handed
    /// on with its sender's and receiver's ends, read from the flow's key (the source is its
    /// `a` end when `srcFirst`), which the common case does not keep.
    @inline(never)
    private func newRTPStream(at i: Int, _ p: UnsafeRawBufferPointer, srcFirst: Bool, fromOriginator: Bool, timestamp: Int64) -> Service {
        let k = table[i].key
        let a = SDPBook.Endpoint(ip: k.a, port: k.aPort), b = SDPBook.Endpoint(ip: k.b, port: k.bPort)
        return dispatcher.newRTPStream(table[i].inspection, p, fromOriginator: fromOriginator, timestamp: timestamp,
                                       sender: srcFirst ? a : b, receiver: srcFirst ? b : a)
    }

    /// Why the TCP segment with `flags` and `seq` at `timestamp` ends live flow `i` before it
    /// starts a new one: the flow was idle past the TCP timeout (`.idle`), or the segment is a
    /// bare SYN of a new connection on a closing flow (`.reused`; a retransmitted first SYN is
    /// not). Nil when the segment belongs to the flow.
    @inline(__always)
    private func segmentEnds(_ i: Int, flags: UInt8, seq: UInt32, timestamp: Int64) -> FlowRecord.EndReason? {
        let bareSYN = flags & (TCPFlag.syn | TCPFlag.ack) == TCPFlag.syn
        if bareSYN && table[i].tcp.isClosing && !(table[i].tcp.synSeen && table[i].tcp.synSeq == seq) { return .reused }
        return timestamp &- table[i].lastTimestamp > settings.tcpTimeout ? .idle : nil
    }

    /// Accounts a `PlainSegment` as `track` accounts its decoded packet. A segment of a live
    /// flow that it does not end goes to the flow's counters, TCP state and stream from the
    /// frame's fields: no `DecodedPacket` built and copied, the key and hash made from the two
    /// ends' `address << 16 | port` words (as `trackDatagram` makes them), one lookup. The
    /// flow's first segment, and one that ends the flow, go out of line (`otherSegment`).
    @inline(__always)
    mutating func trackSegment(_ s: PlainSegment, timestamp: Int64, bytes: UnsafeRawBufferPointer, index: Int) {
        let ends = PlainEnds(src: s.src, srcPort: s.srcPort, dst: s.dst, dstPort: s.dstPort)
        let hash = FlowKey.ipv4TableHash(a: ends.a, b: ends.b, proto: IPProtocol.tcp, table.secret)
        let found = table.find(ends.key(proto: IPProtocol.tcp), hash: hash)
        guard let i = found, segmentEnds(i, flags: s.flags, seq: s.seq, timestamp: timestamp) == nil else {
            return otherSegment(bytes, hash: hash, found: found, timestamp: timestamp, index: index)
        }
        plainSegmentsTracked &+= 1
        let fromOrig = ends.srcFirst == table[i].originatorIsA
        let payload = Int(s.payloadLength)
        count(at: i, fromOrig: fromOrig, payload: payload, ipLength: Int(s.ipLength), timestamp: timestamp)
        // The whole payload is captured (`PacketDecoder.plainSegment`).
        let p = UnsafeRawBufferPointer(rebasing: bytes[Int(s.payloadOffset)..<(Int(s.payloadOffset) &+ payload)])
        segment(at: i, fromOrig: fromOrig, s.header, payload: payload, p, captured: payload, timestamp: timestamp)
        if sweepsItself && sweepClock.isDue(timestamp) { sweep(now: timestamp, index: index) }
    }

    /// The rest of `trackSegment`: a segment that makes a flow (ending the live one it found
    /// first, when it ends it), as `track` accounts it, with the key's hash already made. It
    /// reads the segment again from `bytes` (an Ethernet frame `plainSegment` took) rather than
    /// have `trackSegment` store it for this call (a dozen stores on every segment's path).
    @inline(never)
    private mutating func otherSegment(_ bytes: UnsafeRawBufferPointer, hash: UInt64, found: Int?, timestamp: Int64, index: Int) {
        guard let s = PacketDecoder.plainSegment(bytes, linkType: .ethernet) else { preconditionFailure("a plain segment's frame") }
        let ends = PlainEnds(src: s.src, srcPort: s.srcPort, dst: s.dst, dstPort: s.dstPort)
        if let i = found, let reason = segmentEnds(i, flags: s.flags, seq: s.seq, timestamp: timestamp) { end(at: i, reason: reason) }
        let i = create(ends.key(proto: IPProtocol.tcp), hash: hash, sourceIsA: ends.srcFirst,
                       synAck: s.flags & (TCPFlag.syn | TCPFlag.ack) == TCPFlag.syn | TCPFlag.ack, timestamp: timestamp, sequence: index)
        // What `update` does with a TCP packet, from the segment's fields.
        let fromOrig = ends.srcFirst == table[i].originatorIsA
        let payload = Int(s.payloadLength)
        count(at: i, fromOrig: fromOrig, payload: payload, ipLength: Int(s.ipLength), timestamp: timestamp)
        let p = UnsafeRawBufferPointer(rebasing: bytes[Int(s.payloadOffset)..<(Int(s.payloadOffset) &+ payload)])
        segment(at: i, fromOrig: fromOrig, s.header, payload: payload, p, captured: payload, timestamp: timestamp)
        if sweepsItself && sweepClock.isDue(timestamp) { sweep(now: timestamp, index: index) }
    }

    /// The rest of `trackDatagram`: any datagram but RTP or STUN on a live inspected flow, as `track`
    /// accounts it. Not inlined, so that `trackDatagram` stays small enough to be inlined whole;
    /// it builds the key again from `u`, for a new flow only, rather than have `trackDatagram`
    /// keep it for this call (eight stores on every RTP packet's path). `hash` 0: not made yet
    /// (the lookups ahead found the flow), made here (a hash that is 0 is made again as 0).
    @inline(never)
    private mutating func otherDatagram(_ u: PlainDatagram, hash: UInt64, found: Int?,
                                        timestamp: Int64, bytes: UnsafeRawBufferPointer, index: Int) {
        let ends = PlainEnds(u)
        let hash = hash != 0 ? hash : FlowKey.ipv4TableHash(a: ends.a, b: ends.b, proto: IPProtocol.udp, table.secret)
        let d = u.decoded
        let i = found ?? create(ends.key, hash: hash, sourceIsA: ends.srcFirst, d, timestamp: timestamp, sequence: index)
        update(at: i, sourceIsA: ends.srcFirst, d, timestamp: timestamp, bytes: bytes)
        if sweepsItself && sweepClock.isDue(timestamp) { sweep(now: timestamp, index: index) }
    }

    private mutating func create(_ key: FlowKey, hash: UInt64, sourceIsA: Bool, _ d: DecodedPacket, timestamp: Int64, sequence: Int) -> Int {
        let icmp = IPProtocol.isICMP(d.proto)
        return create(key, hash: hash, sourceIsA: sourceIsA,
                      synAck: d.proto == IPProtocol.tcp && d.tcpFlags & (TCPFlag.syn | TCPFlag.ack) == TCPFlag.syn | TCPFlag.ack,
                      icmpType: icmp ? d.srcPort : 0, icmpCode: icmp ? d.dstPort : 0, timestamp: timestamp, sequence: sequence)
    }

    /// A new flow whose first packet came from end `a` when `sourceIsA`; `synAck`: the packet is
    /// a TCP SYN-ACK, whose receiver sent the SYN and is the originator (the history is flipped).
    /// An ICMP flow keeps its first packet's type and code.
    @inline(__always)
    private mutating func create(_ key: FlowKey, hash: UInt64, sourceIsA: Bool, synAck: Bool, icmpType: UInt16 = 0, icmpCode: UInt16 = 0,
                                 timestamp: Int64, sequence: Int) -> Int {
        if table.count >= settings.maxFlows { evictIdlest() }
        var record = FlowRecord(key: key, sequence: sequence, originatorIsA: synAck ? !sourceIsA : sourceIsA, timestamp: timestamp)
        record.history.flipped = synAck
        record.icmpType = UInt8(truncatingIfNeeded: icmpType)
        record.icmpCode = UInt8(truncatingIfNeeded: icmpCode)
        let index = table.insert(record, hash: hash)
        if table.count > peakLiveFlows { peakLiveFlows = table.count }
        return index
    }

    /// A packet's counters and last time on flow `i`, for every path that found the flow's slot.
    @inline(__always)
    private mutating func count(at i: Int, fromOrig: Bool, payload: Int, ipLength: Int, timestamp: Int64) {
        if timestamp > table[i].lastTimestamp { table[i].lastTimestamp = timestamp }
        if fromOrig {
            table[i].origPackets &+= 1
            table[i].origBytes &+= payload
            table[i].origIPBytes &+= ipLength
        } else {
            table[i].respPackets &+= 1
            table[i].respBytes &+= payload
            table[i].respIPBytes &+= ipLength
        }
    }

    @inline(__always)
    private mutating func update(at i: Int, sourceIsA: Bool, _ d: DecodedPacket, timestamp: Int64, bytes: UnsafeRawBufferPointer) {
        let fromOrig = sourceIsA == table[i].originatorIsA
        let payload = Int(d.payloadLength)
        count(at: i, fromOrig: fromOrig, payload: payload, ipLength: Int(d.ipLength), timestamp: timestamp)
        switch d.proto {
        case IPProtocol.tcp:
            let p = d.capturedPayload(in: bytes)
            segment(at: i, fromOrig: fromOrig, d.tcpHeader, payload: payload, p, captured: p.count, timestamp: timestamp)
        case IPProtocol.udp:
            if payload > 0 {
                table[i].history.note(.data, fromOriginator: fromOrig)
                let p = d.capturedPayload(in: bytes)
                let kind = UDPDemux.classify(p)
                // An RTP-classed whole datagram of a flow already inspected, off the DNS ports, goes
                // to the dispatcher whatever its hint (RTP, or nothing between non-media ports) and
                // is named what the dispatcher saw: the hint is not worked out for it.
                let settled = kind == .rtp && table[i].inspection >= 0 && !d.isFragment && !ServiceHint.isDNSPort(d.srcPort, d.dstPort)
                var s = settled ? .rtp : ServiceHint.udp(p, kind: kind, srcPort: d.srcPort, dstPort: d.dstPort)
                if d.isFragment {
                    // A first fragment holds only part of the datagram: named, not inspected.
                } else if s == .dns {
                    dispatcher.dnsDatagram(p, multicast: d.srcPort == 5353 || d.dstPort == 5353)
                    if dispatcher.transactionLogs {
                        var slot = table[i].inspection
                        dispatcher.logDNS(&slot, p, timestamp: timestamp)
                        table[i].inspection = slot
                    }
                } else if s == .sip {
                    var slot = table[i].inspection
                    dispatcher.sipDatagram(&slot, p)
                    table[i].inspection = slot
                    dispatcher.noteSIP(p, datagram: true, timestamp: timestamp)
                } else if Dispatcher.followsDatagrams(s) || table[i].inspection >= 0 {
                    let stunPort = ServiceHint.isSTUNPort(d.srcPort, d.dstPort)
                    var slot = table[i].inspection
                    let seen = dispatcher.udp(&slot, p, kind: kind, stunPort: stunPort, fromOriginator: fromOrig, timestamp: timestamp, packet: d)
                    table[i].inspection = slot
                    if seen != .unknown || s == .stun || s == .rtp { s = seen }
                }
                if s != .unknown, !table[i].services.contains(s) { recognise(s, at: i) }
            }
        case IPProtocol.icmp, IPProtocol.icmpv6:
            if ICMPError.isError(proto: d.proto, type: d.srcPort) { attributeICMPError(d, bytes: bytes) }
        default:
            break
        }
    }

    /// A TCP segment on flow `i` (both paths: `update`, and `trackSegment`): its flags,
    /// sequence and window in the flow's TCP state and history, its payload (`payload` bytes on
    /// the wire, the `captured` of them at `p`) to the SDP book (port 5060), to the service hint
    /// (the flow's first few payloads) and to the flow's stream.
    @inline(__always)
    private mutating func segment(at i: Int, fromOrig: Bool, _ h: TCPHeaderFields, payload: Int, _ p: UnsafeRawBufferPointer,
                                  captured: Int, timestamp: Int64) {
        Self.updateTCP(&table[i], fromOrig: fromOrig, h, payload: payload)
        guard payload > 0 else { return }
        if h.srcPort == 5060 || h.dstPort == 5060 { dispatcher.noteSIP(p, datagram: false, timestamp: timestamp) }
        if table[i].tcpInspected < Self.tcpInspectionLimit { hintService(at: i, p, h) }
        if table[i].inspection != -2, table[i].streamHint != .unknown {
            var slot = table[i].inspection
            // A segment that continues its stream in order is read in place (the slot stays).
            if h.flags & TCPFlag.syn == 0,
               dispatcher.tcpInPlace(slot, seq: h.seq, p, count: captured, fromOriginator: fromOrig, timestamp: timestamp) { return }
            let t = table[i].tcp
            // Where this direction's stream starts, when its SYN was seen (so a late first segment is placed right).
            let isn: UInt32? = fromOrig ? (t.synSeen ? t.synSeq : nil) : (t.synAckSeen ? t.synAckSeq : nil)
            dispatcher.tcp(&slot, hint: table[i].streamHint, seq: h.seq, syn: h.flags & TCPFlag.syn != 0, isn: isn,
                          p, fromOriginator: fromOrig, timestamp: timestamp)
            table[i].inspection = slot
        }
    }

    /// One of flow `i`'s first `tcpInspectionLimit` payloads, `p`: the service it suggests is
    /// recognised, and the first (or the first TLS record of a flow seen without its SYN)
    /// names how the stream is followed. Out of line: a flow's later segments skip it.
    @inline(never)
    private mutating func hintService(at i: Int, _ p: UnsafeRawBufferPointer, _ h: TCPHeaderFields) {
        let first = table[i].tcpInspected == 0
        table[i].tcpInspected &+= 1
        let s = ServiceHint.tcp(p, srcPort: h.srcPort, dstPort: h.dstPort)
        // A connection captured without its SYN may begin inside a TLS record: a later
        // segment that starts with a record header names the stream.
        if first || table[i].streamHint == .unknown && !table[i].tcp.synSeen && (s == .tls || s == .sipTLS) {
            table[i].streamHint = s
        }
        if s != .unknown, !table[i].services.contains(s) { recognise(s, at: i) }
    }

    /// A packet of another shard's flow (`ShardRouting`): its SIP feeds this table's SDP book
    /// as `track` feeds it from the table's own flows (a UDP payload that looks like SIP, a TCP
    /// segment to or from port 5060), so every shard's book is the run's.
    @inline(__always)
    mutating func noteSIP(_ d: DecodedPacket, bytes: UnsafeRawBufferPointer) {
        guard d.payloadLength > 0 else { return }
        if d.proto == IPProtocol.udp {
            let p = d.capturedPayload(in: bytes)
            // `ServiceHint.udp` names SIP only after a start line's upper-case first byte.
            guard !d.isFragment, p.count >= 8, p.u8(0) >= 0x41, p.u8(0) <= 0x5A,
                  ServiceHint.udp(p, kind: UDPDemux.classify(p), srcPort: d.srcPort, dstPort: d.dstPort) == .sip else { return }
            dispatcher.noteSIP(p, datagram: true)
        } else if d.proto == IPProtocol.tcp, d.srcPort == 5060 || d.dstPort == 5060 {
            dispatcher.noteSIP(d.capturedPayload(in: bytes), datagram: false)
        }
    }

    /// Counts an ICMP error on the live flow whose packet it quotes (no flow is made for it).
    @inline(never)
    mutating func attributeICMPError(_ d: DecodedPacket, bytes: UnsafeRawBufferPointer) {
        guard let q = try? ICMPError.quoted(in: bytes, d) else { return }
        let (key, sourceIsA) = FlowKey.of(q)
        guard let i = table.find(key, hash: table.hash(key)) else { return }
        // In place: one lookup of the store.
        icmpErrors[table[i].sequence, default: ICMPErrorFacts()].note(
            proto: d.proto, type: UInt8(truncatingIfNeeded: d.srcPort), code: UInt8(truncatingIfNeeded: d.dstPort),
            from: d.src, quotedOriginator: sourceIsA == table[i].originatorIsA)
    }

    /// What ICMP errors said about live flow `index` (nil: none quoted it).
    @inline(__always)
    func icmpErrors(at index: Int) -> ICMPErrorFacts? {
        icmpErrors.isEmpty ? nil : icmpErrors[table[index].sequence]
    }

    /// `icmpErrors(at:)`, taken out of the store (the flow is ending).
    @inline(__always)
    private mutating func takeICMPErrors(at index: Int) -> ICMPErrorFacts? {
        icmpErrors.isEmpty ? nil : icmpErrors.removeValue(forKey: table[index].sequence)
    }

    private mutating func recognise(_ s: Service, at i: Int) {
        table[i].services.insert(s)
        recognised.append(table[i])
        eventsPending = true
    }

    /// A TCP segment's flags, sequence and window in its flow's history and TCP state, changed
    /// in place in the record (a copy of the state and history out and back cost about 80
    /// instructions a segment).
    @inline(__always)
    private static func updateTCP(_ r: inout FlowRecord, fromOrig: Bool, _ d: TCPHeaderFields, payload: Int) {
        let f = d.flags
        let payload = UInt32(truncatingIfNeeded: payload)

        // SYN, FIN, RST and a zero window are rare: one test passes a segment with none of them.
        if f & (TCPFlag.syn | TCPFlag.fin | TCPFlag.rst) != 0 || d.window == 0 {
            if f & TCPFlag.syn != 0 {
                if f & (TCPFlag.fin | TCPFlag.rst) != 0 { r.history.note(.multiFlag, fromOriginator: fromOrig) }
                r.history.note(f & TCPFlag.ack != 0 ? .synAck : .syn, fromOriginator: fromOrig)
            }
            if f & TCPFlag.fin != 0 { r.history.note(.fin, fromOriginator: fromOrig) }
            if f & TCPFlag.rst != 0 { r.history.note(.rst, fromOriginator: fromOrig) }
            if f & (TCPFlag.fin | TCPFlag.rst) == TCPFlag.fin | TCPFlag.rst { r.history.note(.inconsistent, fromOriginator: fromOrig) }
            if d.window == 0 && f & (TCPFlag.syn | TCPFlag.rst) == 0 { r.history.note(.zeroWindow, fromOriginator: fromOrig) }
        }

        // Retransmission: payload lying wholly before the highest sequence already seen.
        if payload > 0 {
            let end = d.seq &+ payload
            let known = fromOrig ? r.tcp.origNextKnown : r.tcp.respNextKnown
            let next = fromOrig ? r.tcp.origNext : r.tcp.respNext
            if known && Int32(bitPattern: end &- next) <= 0 {
                r.history.note(.retransmit, fromOriginator: fromOrig)
            } else {
                r.history.note(.data, fromOriginator: fromOrig)
                if fromOrig { r.tcp.origNext = end; r.tcp.origNextKnown = true } else { r.tcp.respNext = end; r.tcp.respNextKnown = true }
            }
        } else if f & (TCPFlag.syn | TCPFlag.fin | TCPFlag.rst | TCPFlag.ack) == TCPFlag.ack {
            r.history.note(.ack, fromOriginator: fromOrig)
        }
        if f & TCPFlag.syn != 0 {
            let next = d.seq &+ 1
            if fromOrig { if !r.tcp.origNextKnown { r.tcp.origNext = next; r.tcp.origNextKnown = true } }
            else if !r.tcp.respNextKnown { r.tcp.respNext = next; r.tcp.respNextKnown = true }
        }

        var ep = fromOrig ? r.tcp.orig : r.tcp.resp
        var peer = fromOrig ? r.tcp.resp : r.tcp.orig
        if f & TCPFlag.rst != 0 {
            ep = .reset
        } else if f & TCPFlag.fin != 0 {
            ep = .closed
        } else if f & TCPFlag.syn != 0 {
            if f & TCPFlag.ack != 0 {
                if ep == .inactive || ep == .synSent { ep = .synAckSent }
                if !fromOrig && !r.tcp.synAckSeen { r.tcp.synAckSeen = true; r.tcp.synAckSeq = d.seq }
            } else if ep == .inactive {
                ep = .synSent
                if fromOrig && !r.tcp.synSeen { r.tcp.synSeen = true; r.tcp.synSeq = d.seq }
            }
        } else if ep == .inactive {
            ep = .partial
        } else if (ep == .synSent || ep == .synAckSent) && peer != .inactive {
            ep = .established
            if peer == .synSent || peer == .synAckSent { peer = .established }
        } else {
            return
        }
        if fromOrig { r.tcp.orig = ep; r.tcp.resp = peer } else { r.tcp.resp = ep; r.tcp.orig = peer }
    }

    private mutating func end(at index: Int, reason: FlowRecord.EndReason) {
        let icmp = takeICMPErrors(at: index)
        let record = table.remove(at: index)
        ended.append(EndedFlow(record: record, reason: reason, inspection: dispatcher.release(record.inspection), icmpErrors: icmp))
        eventsPending = true
    }

    /// `sweep(now:)` at packet `index`, where the sweep clock is due and allows it.
    @inline(never)
    private mutating func sweep(now: Int64, index: Int) {
        if sweepClock.allows(now, index: index, liveFlows: table.count) { sweep(now: now) }
    }

    /// Ends flows idle beyond their timeout, and gives back to the system the memory that flows
    /// ended before no longer need: protocol states (`StateArena.trim`), inspections
    /// (`Dispatcher.compactSlab`), records and slots (`FlowTable.trim`). Runs every few seconds of
    /// capture time.
    public mutating func sweep(now: Int64) {
        var i = 0
        while i < table.count {
            let r = table[i]
            let timeout = r.key.proto == IPProtocol.tcp ? (r.tcp.isClosing ? settings.tcpCloseLinger : settings.tcpTimeout) : settings.udpTimeout
            if now &- r.lastTimestamp > timeout {
                end(at: i, reason: .idle)
                flowsExpired &+= 1
            } else {
                i &+= 1
            }
        }
        dispatcher.arena.trim()
        dispatcher.compactSlab(&table)
        table.trim()
        trimICMPErrors()
        sweepClock.swept(at: now)
    }

    /// Room in `icmpErrors` kept whatever it holds (1,024 flows' facts).
    static let icmpErrorsKept = 1024

    /// Once a burst of ICMP errors has passed (the flows they quoted ended), keeps no room for it:
    /// a store with room for more than `icmpErrorsKept` and for over four times what it holds is
    /// made again at its size (a dictionary never shrinks as entries are taken out).
    private mutating func trimICMPErrors() {
        guard icmpErrors.capacity > Self.icmpErrorsKept && icmpErrors.count &* 4 < icmpErrors.capacity else { return }
        var kept = [Int: ICMPErrorFacts](minimumCapacity: icmpErrors.count)
        for (sequence, facts) in icmpErrors { kept[sequence] = facts }
        icmpErrors = kept
    }

    /// Evicts about the idlest sixteenth of the table (at least one flow), judged from a
    /// sample of last-packet times, so a flood of new flows costs amortised constant time and
    /// the flows ended at once stay a small fraction of the table. Flows idler than the cutoff
    /// go; of those whose last packet is at the cutoff, only as many as the sixteenth has room
    /// for, in slot order (so a table whose flows all share one time loses a sixteenth, not all).
    private mutating func evictIdlest() {
        let n = table.count
        guard n > 0 else { return }
        let step = max(1, n / 512)
        var sample: [Int64] = []
        sample.reserveCapacity(n / step + 1)
        var i = 0
        while i < n { sample.append(table[i].lastTimestamp); i += step }
        sample.sort()
        let cutoff = sample[sample.count / 16]
        let sampledBelow = sample.firstIndex(of: cutoff) ?? 0
        var tiesLeft = max(1, n / 16 - sampledBelow * step)
        i = 0
        var evicted = 0
        while i < table.count {
            let last = table[i].lastTimestamp
            if last < cutoff || last == cutoff && tiesLeft > 0 {
                if last == cutoff { tiesLeft -= 1 }
                end(at: i, reason: .evicted)
                evicted += 1
            } else {
                i += 1
            }
        }
        flowsEvicted &+= evicted
    }

    /// The live flow at `index`, ended because input is over (its inspection is handed back).
    public mutating func endedFlow(at index: Int) -> EndedFlow {
        let r = table[index]
        return EndedFlow(record: r, reason: .endOfInput, inspection: endedInspection(at: index), icmpErrors: takeICMPErrors(at: index))
    }

    /// What the live flow at `index` showed, its inspection ended because input is over: its
    /// slab slot goes back now (the record keeps none, so it must not release it again), and
    /// the record stays where it lies, to be handed on from there (not copied into an `EndedFlow`).
    mutating func endedInspection(at index: Int) -> InspectionFacts? {
        let slot = table[index].inspection
        table[index].inspection = -1
        return dispatcher.release(slot)
    }

    /// Forgets every live flow (after they were handed on: `endedFlow(at:)`, `endedInspection(at:)`).
    public mutating func removeAll() {
        table.removeAll()
        icmpErrors = [:]
    }
}

/// A plain datagram's or segment's ends as `address << 16 | port` words in its flow key's order
/// (`a` the smaller: address first, then port, as `FlowKey.of` orders them), and whether its source is `a`.
private struct PlainEnds {
    let a: UInt64
    let b: UInt64
    let srcFirst: Bool

    @inline(__always)
    init(_ u: PlainDatagram) {
        self.init(src: u.src, srcPort: u.srcPort, dst: u.dst, dstPort: u.dstPort)
    }

    @inline(__always)
    init(src: UInt32, srcPort: UInt16, dst: UInt32, dstPort: UInt16) {
        let s = UInt64(src) << 16 | UInt64(srcPort), d = UInt64(dst) << 16 | UInt64(dstPort)
        srcFirst = s <= d
        a = srcFirst ? s : d
        b = srcFirst ? d : s
    }

    /// The datagram's `FlowKey` (IPv4 and UDP).
    @inline(__always)
    var key: FlowKey { key(proto: IPProtocol.udp) }

    /// The `FlowKey` of these ends over IPv4 and `proto`.
    @inline(__always)
    func key(proto: UInt8) -> FlowKey {
        FlowKey(a: IPAddress(ipv4: UInt32(truncatingIfNeeded: a >> 16)), b: IPAddress(ipv4: UInt32(truncatingIfNeeded: b >> 16)),
                aPort: UInt16(truncatingIfNeeded: a), bPort: UInt16(truncatingIfNeeded: b), proto: proto, ipVersion: 4)
    }

    /// The datagram these ends were read from, with its lengths.
    @inline(__always)
    func datagram(ipLength: Int32, payloadOffset: Int32, payloadLength: Int32) -> PlainDatagram {
        let s = srcFirst ? a : b, d = srcFirst ? b : a
        return PlainDatagram(src: UInt32(truncatingIfNeeded: s >> 16), dst: UInt32(truncatingIfNeeded: d >> 16),
                             srcPort: UInt16(truncatingIfNeeded: s), dstPort: UInt16(truncatingIfNeeded: d),
                             ipLength: ipLength, payloadOffset: payloadOffset, payloadLength: payloadLength)
    }
}

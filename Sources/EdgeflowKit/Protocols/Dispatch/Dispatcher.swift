/// Hands each inspected flow's payloads to the protocol that follows it: datagrams by their
/// RFC 7983 class, TCP byte streams (reassembled within a budget per direction and a memory
/// limit for all) by the protocol the flow's first payload named. The per-flow states are
/// values in a bounded `InspectionSlab`; the flow record keeps the slot (-1: none yet, -2:
/// none available, the flow is only counted). The protocols' own work lives in their folders.
struct Dispatcher: ~Copyable {
    /// Most flows inspected at once; further flows are only counted.
    let capacity: Int
    /// Reassembly budget per TCP direction.
    let reassemblyBudget: Int
    private var slab: InspectionSlab
    /// DNS answers of the whole run.
    let dns: DNSBook
    /// RTP clock rate and codec per payload type.
    let clocks: RTPClocks
    /// The media endpoints the run's SDP bodies named, for the clocks of dynamic payload types.
    private var sdp = SDPBook()
    /// The book of `live --threads N`'s capture sockets, used in place of `sdp` when given.
    let sharedSDP: SharedSDPBook?
    private(set) var flowsNotInspected = 0
    /// Bytes all TCP reassembly buffers together may hold.
    let reassemblyMemory: Int
    /// Bytes they hold now, and at most so far.
    private(set) var reassemblyBytes = 0
    private(set) var reassemblyPeak = 0
    /// Streams stopped because `reassemblyMemory` was used up.
    private(set) var streamsOutOfMemory = 0
    /// TCP segments the flow's protocol read where they were (`StreamReassembler.takesInPlace`):
    /// not reported; tests read it to see that the in-place path runs.
    private(set) var segmentsReadInPlace = 0
    /// Bytes the DTLS handshake buffers hold now; they count against `reassemblyMemory` too.
    private(set) var dtlsHandshakeBytes = 0
    /// `reassemblyMemory` less `dtlsHandshakeBytes`: what TCP streams and further DTLS
    /// handshake bytes may hold (kept apart so that a TCP segment's allowance costs no more).
    private var streamMemory: Int
    /// DTLS handshake messages not buffered because `reassemblyMemory` was used up.
    private(set) var dtlsMessagesOutOfMemory = 0
    /// Keep each flow's DNS and STUN transactions for `dns.log` and `stun.log` (Zeek logs only).
    let transactionLogs: Bool
    /// Where each STUN message is decoded (one at a time).
    private let stunMessage = STUNMessageSlot()

    init(capacity: Int, reassemblyBudget: Int, reassemblyMemory: Int = .max, dns: DNSBook, clockRates: [UInt8: UInt32] = [:],
         lyncPayloadTypes: Bool = false, sliceWidth: Int64 = RTPSlices.defaultWidth, transactionLogs: Bool = false,
         sharedSDP: SharedSDPBook? = nil) {
        self.clocks = RTPClocks(configured: clockRates, lync: lyncPayloadTypes, sliceWidth: sliceWidth)
        self.capacity = capacity
        self.reassemblyBudget = reassemblyBudget
        self.reassemblyMemory = reassemblyMemory
        streamMemory = reassemblyMemory
        slab = InspectionSlab(capacity: capacity)
        self.dns = dns
        self.transactionLogs = transactionLogs
        self.sharedSDP = sharedSDP
    }

    /// The pools its flows' protocol states are made in.
    var arena: StateArena { slab.arena }

    /// After a peak (`InspectionSlab.isSparse`): moves the live inspections of `table`'s flows
    /// into the slab's lowest slots, renumbering their records, and gives the rest's pages back.
    /// Returns the bytes given back.
    @discardableResult
    mutating func compactSlab(_ table: inout FlowTable) -> Int {
        guard slab.isSparse else { return 0 }
        let live = Int32(slab.count)
        let targets = slab.freeSlotsBelowLive()
        var next = 0
        for i in 0..<table.count where table[i].inspection >= live {
            slab.move(table[i].inspection, to: targets[next])
            table[i].inspection = targets[next]
            next += 1
        }
        return slab.finishCompaction()
    }

    /// The inspection of a flow, made on first use (nil when the slab is full).
    @inline(__always)
    private mutating func inspection(_ slot: inout Int32) -> UnsafeMutablePointer<FlowInspection>? {
        if slot >= 0 { return slab[slot] }
        guard !slab.isFull else {
            flowsNotInspected &+= 1
            slot = -2
            return nil
        }
        slot = slab.add()
        return slab[slot]
    }

    /// Asks for the lines of the inspection at `slot` (`LookupAhead`).
    @inline(__always) func prefetchInspection(_ slot: Int32) { slab.prefetch(slot) }

    /// Asks for the lines of the protocol state of the inspection at `slot` that its packets
    /// reach first (`LookupAhead`).
    @inline(__always) func prefetchState(_ slot: Int32) { slab.prefetchState(slot) }

    /// Ends a flow's inspection: its protocols' facts, frozen; its reassembly buffers are freed.
    mutating func release(_ slot: Int32) -> InspectionFacts? {
        guard slot >= 0 else { return nil }
        reassemblyBytes &-= slab.streams(slot).pointee.allocatedBytes
        if case .media(let m) = slab[slot].pointee.state, let d = m.dtls { addDTLSBytes(0 &- d.value.bufferedHandshakeBytes) }
        return slab.remove(slot).end()
    }

    // MARK: Datagrams

    /// Whether a UDP payload that looked like `service` is handed to `udp` (on a flow not
    /// inspected yet; once a flow is inspected all its datagrams are).
    @inline(__always) static func followsDatagrams(_ service: Service) -> Bool {
        switch service {
        case .stun, .rtp, .rtcp, .dtls: true
        case .unknown, .sipTLS, .tls, .turnTCP, .sip, .dns: false
        }
    }

    /// A DNS message over UDP (`multicast`: mDNS, see `DNSBook.record`).
    func dnsDatagram(_ p: UnsafeRawBufferPointer, multicast: Bool) { dns.record(p, multicast: multicast) }

    /// With `transactionLogs`, a DNS message over UDP is also kept in its flow's
    /// `DNSTransactionLog` (the flow is then inspected).
    mutating func logDNS(_ slot: inout Int32, _ p: UnsafeRawBufferPointer, timestamp: Int64) {
        guard slot != -2, let ins = inspection(&slot) else { return }
        switch ins.pointee.state {
        case .undecided:
            let log = HeapValue(DNSTransactionLog(), in: ins.pointee.arena.dnsLog)
            ins.pointee.state = .dns(log)
            log.value.record(p, timestamp: timestamp)
        case .dns(let log?):
            log.value.record(p, timestamp: timestamp)
        default:
            break
        }
    }

    /// A SIP message over UDP (one per datagram).
    mutating func sipDatagram(_ slot: inout Int32, _ p: UnsafeRawBufferPointer) {
        guard slot != -2, case .message(let head) = SIPMessageScanner.scan(p, datagram: true),
              let ins = inspection(&slot) else { return }
        ins.pointee.sip()?.value.record(head, in: p)
    }

    /// Reads the SDP bodies of the SIP messages in one UDP payload (`datagram`) or TCP segment,
    /// captured at `timestamp` (ns), into the run's `SDPBook`.
    @inline(never)
    mutating func noteSIP(_ p: UnsafeRawBufferPointer, datagram: Bool, timestamp: Int64 = .min) {
        if let sharedSDP { sharedSDP.note(p, datagram: datagram, timestamp: timestamp) } else { sdp.note(p, datagram: datagram) }
    }

    /// The clock and codec an SDP gave `pt` at `end`, for a stream whose first packet was
    /// captured at `first` (ns; only a shared book needs it, see `SharedSDPBook`).
    func sdpClock(_ pt: UInt8, at end: SDPBook.Endpoint, first: Int64) -> (rate: UInt32, codec: RTPCodec)? {
        if let sharedSDP { return sharedSDP.clock(pt, at: end, notAfter: first) }
        return sdp.clock(pt, at: end)
    }

    /// SDP endpoints dropped from the book to make room for newer ones.
    var sdpEvicted: Int { sharedSDP?.evicted ?? sdp.evicted }

    /// Inspects one UDP payload of the RFC 7983 class `kind` (`UDPDemux.classify`) of the packet
    /// `d`; returns the service it carried.
    mutating func udp(_ slot: inout Int32, _ p: UnsafeRawBufferPointer, kind: UDPPayloadKind, stunPort: Bool,
                      fromOriginator: Bool, timestamp: Int64, packet d: DecodedPacket = DecodedPacket()) -> Service {
        guard slot != -2, p.count >= 4 else { return .unknown }
        switch kind {
        case .stun:
            return stunDatagram(&slot, p, stunPort: stunPort, fromOriginator: fromOriginator, timestamp: timestamp)
        case .stunMalformed:
            return malformedSTUN(&slot)
        case .channelData:
            return channelData(&slot, p, stunPort: stunPort, fromOriginator: fromOriginator, timestamp: timestamp)
        case .msMultiplexedTURN:
            guard let mt = try? MultiplexedTURN.decode(p, exact: false), let ins = inspection(&slot) else { return .unknown }
            ins.pointee.turnData(mt.data.slice(of: p), bytes: Int(mt.length), fromOriginator: fromOriginator,
                                 timestamp: timestamp, clocks: clocks, sdp: { sdpClock($0, at: $1, first: timestamp) })
            return .stun
        case .rtp:
            return rtp(&slot, p, fromOriginator: fromOriginator, timestamp: timestamp,
                       sender: SDPBook.Endpoint(ip: d.src, port: d.srcPort), receiver: SDPBook.Endpoint(ip: d.dst, port: d.dstPort))
        case .rtcp:
            guard let c = try? RTCPCompound.parse(p), let rtp = inspection(&slot)?.pointee.rtp() else { return .unknown }
            rtp.value.record(c, p, fromOriginator: fromOriginator, arrival: timestamp)
            return .rtcp
        case .dtls:
            if let d = inspection(&slot)?.pointee.dtls() { dtls(d, p, fromOriginator: fromOriginator, timestamp: timestamp) }
            return .dtls
        case .dtlsUnified:
            // Only after DTLSPlaintext records (the hellos) have shown the flow is DTLS.
            guard slot >= 0, let d = slab[slot].pointee.existingDTLS else { return .unknown }
            dtls(d, p, fromOriginator: fromOriginator, timestamp: timestamp)
            return .dtls
        default:
            // RFC 5766 channels 0x5000-0x7FFF fall outside RFC 7983's ChannelData range: accept
            // them on a flow that has bound channels.
            let b0 = p.u8(0)
            guard b0 >= 0x40, b0 <= 0x7F, slot >= 0, slab[slot].pointee.stunChannels > 0,
                  let cd = try? ChannelData.decode(p) else { return .unknown }
            slab[slot].pointee.turnData(cd.data.slice(of: p), bytes: Int(cd.length), channel: cd.channel,
                                        fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks,
                                        sdp: { sdpClock($0, at: $1, first: timestamp) })
            return .stun
        }
    }

    /// A UDP payload whose first byte is STUN's (`UDPDemux.mayBeSTUN`) on a flow inspected at
    /// `slot` (not negative), off the DNS ports, `ports` its key's: `udp`'s STUN arms without its
    /// switch over every class (`FlowTracker`'s STUN path). Returns the service it carried.
    /// The decoder's first checks stand for `UDPDemux.classifySTUN` (a header short of 20 bytes
    /// or a Length that does not fill the datagram is its `.stunMalformed` or `.unknown`), and a
    /// message is decoded without RFC 3489's types first, again with them only when it has no
    /// cookie and the flow is on a STUN port: the ports are read only then. The outcome is
    /// `stunDatagram`'s with `stunPort` for every message. Transparent: `FlowTracker`'s STUN
    /// path has it inlined, which `@inline(__always)` did not get from the optimizer.
    @_transparent
    mutating func stunTracked(inspected slot: Int32, _ p: UnsafeRawBufferPointer, ports: (UInt16, UInt16), fromOriginator: Bool,
                              timestamp: Int64) -> Service {
        var slot = slot
        let m = stunMessage.message
        do throws(STUNFailure) {
            try STUNDecoder.decode(p, allowLegacy: false, flowFactsOnly: true, into: &m.pointee)
        } catch {
            switch error.reason {
            case .truncatedHeader, .lengthMismatch:
                // `classifySTUN`'s other classes; a first byte below 4 has no type top bits set.
                return UDPDemux.classifySTUN(p) == .stunMalformed ? malformedSTUN(&slot) : .unknown
            case .noMagicCookie where ServiceHint.isSTUNPort(ports.0, ports.1):
                guard (try? STUNDecoder.decode(p, allowLegacy: true, flowFactsOnly: true, into: &m.pointee)) != nil else {
                    return undecodedSTUN(&slot, p, stunPort: true)
                }
            default:
                return undecodedSTUN(&slot, p, stunPort: ServiceHint.isSTUNPort(ports.0, ports.1))
            }
        }
        return decodedSTUN(&slot, m, in: p, fromOriginator: fromOriginator, timestamp: timestamp)
    }

    /// A datagram of the class `.channelData` (`UDPDemux.isChannelData`) on a flow inspected at
    /// `slot` (not negative), off the DNS ports, `ports` its key's: `udp`'s arm for it without
    /// its switch (`FlowTracker`'s TURN path). Returns the service it carried.
    @inline(__always)
    mutating func channelDataTracked(inspected slot: Int32, _ p: UnsafeRawBufferPointer, ports: (UInt16, UInt16), fromOriginator: Bool,
                                     timestamp: Int64) -> Service {
        var slot = slot
        return channelData(&slot, p, stunPort: ServiceHint.isSTUNPort(ports.0, ports.1), fromOriginator: fromOriginator,
                           timestamp: timestamp)
    }

    /// A datagram of the class `.channelData`: TURN-relayed data on a STUN port, or on a flow
    /// that has carried STUN, counted on its channel with the media inside followed.
    @inline(__always)
    private mutating func channelData(_ slot: inout Int32, _ p: UnsafeRawBufferPointer, stunPort: Bool, fromOriginator: Bool,
                                      timestamp: Int64) -> Service {
        guard stunPort || (slot >= 0 && slab[slot].pointee.stunMessages > 0),
              let cd = try? ChannelData.decode(p) else { return .unknown }
        inspection(&slot)?.pointee.turnData(cd.data.slice(of: p), bytes: Int(cd.length), channel: cd.channel,
                                            fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks,
                                            sdp: { sdpClock($0, at: $1, first: timestamp) })
        return .stun
    }

    /// A datagram of the class `.stun`: decoded into `stunMessage` and accounted in its flow's
    /// STUN state. Only the attributes the flow reads are recorded: no FINGERPRINT CRC, no
    /// MESSAGE-INTEGRITY, PRIORITY or SOFTWARE.
    @inline(__always)
    private mutating func stunDatagram(_ slot: inout Int32, _ p: UnsafeRawBufferPointer, stunPort: Bool, fromOriginator: Bool,
                                       timestamp: Int64) -> Service {
        let m = stunMessage.message
        guard (try? STUNDecoder.decode(p, allowLegacy: stunPort, flowFactsOnly: true, into: &m.pointee)) != nil else {
            return undecodedSTUN(&slot, p, stunPort: stunPort)
        }
        return decodedSTUN(&slot, m, in: p, fromOriginator: fromOriginator, timestamp: timestamp)
    }

    /// A message decoded into `m` from `p`, accounted in its flow's STUN state.
    @inline(__always)
    private mutating func decodedSTUN(_ slot: inout Int32, _ m: UnsafeMutablePointer<STUNMessage>, in p: UnsafeRawBufferPointer,
                                      fromOriginator: Bool, timestamp: Int64) -> Service {
        guard let ins = inspection(&slot) else { return .stun }
        ins.pointee.stunMessage(m, in: p, fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks, log: transactionLogs,
                                sdp: { sdpClock($0, at: $1, first: timestamp) })
        return .stun
    }

    /// A datagram of the class `.stun` that does not decode. STUN by its magic cookie or port is
    /// counted even as the flow's first message (the flow is STUN); other bytes only on a flow
    /// already inspected. `p` holds at least a header.
    @inline(__always)
    private mutating func undecodedSTUN(_ slot: inout Int32, _ p: UnsafeRawBufferPointer, stunPort: Bool) -> Service {
        let stun = stunPort || p.be32(4) == stunMagicCookie
        guard stun || slot >= 0, let ins = inspection(&slot) else { return .unknown }
        ins.pointee.stun()?.value.malformed &+= 1
        return stun ? .stun : .unknown
    }

    /// A datagram of the class `.stunMalformed`: the cookie says STUN, the Length disagrees with
    /// the datagram. Counted, not parsed.
    @inline(__always)
    private mutating func malformedSTUN(_ slot: inout Int32) -> Service {
        inspection(&slot)?.pointee.stun()?.value.malformed &+= 1
        return .stun
    }

    /// Inspects one UDP payload of the class `.rtp` sent from `sender` to `receiver`; returns
    /// the service it carried (RTP once its stream shows sequence continuity).
    @inline(__always)
    mutating func rtp(_ slot: inout Int32, _ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64,
                      sender: SDPBook.Endpoint, receiver: SDPBook.Endpoint) -> Service {
        rtpTracked(&slot, p, fromOriginator: fromOriginator, timestamp: timestamp)
            ?? newRTPStream(slot, p, fromOriginator: fromOriginator, timestamp: timestamp, sender: sender, receiver: receiver)
    }

    /// `rtp` but for the first packet of a stream the flow has no stream slot for: nil for it,
    /// and `newRTPStream` then takes it with the ends (only it needs them, so the one-thread
    /// datagram path, `FlowTracker.trackDatagram`, works them out only then; it takes packets
    /// through `rtpKnown` and `rtpNaming`). Transparent, as `rtpKnown`.
    @_transparent
    mutating func rtpTracked(_ slot: inout Int32, _ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64) -> Service? {
        if slot >= 0 { return rtpTracked(inspected: slot, p, fromOriginator: fromOriginator, timestamp: timestamp) }
        guard let h = RTPHeader.plain(p) ?? (try? RTPHeader.parse(p)) else { return .unknown }
        // Past --max-inspected-flows the flow keeps the name its packets suggest.
        guard let rtp = inspection(&slot)?.pointee.rtp() else { return .rtp }
        return recordRTP(h, rtp, fromOriginator: fromOriginator, timestamp: timestamp)
    }

    /// `rtpTracked` for a flow whose inspection is at `slot` (not negative): the slot does not change.
    @_transparent
    mutating func rtpTracked(inspected slot: Int32, _ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64) -> Service? {
        guard let h = RTPHeader.plain(p) ?? (try? RTPHeader.parse(p)) else { return .unknown }
        guard let rtp = slab[slot].pointee.rtp() else { return .rtp }
        return recordRTP(h, rtp, fromOriginator: fromOriginator, timestamp: timestamp)
    }

    /// Accounts RTP packet `p` of a flow whose inspection is at `slot` (not negative) when it is
    /// of its direction's known stream (`RTPKnownStreams`, `RTPFlowStats.recordKnown`: confirmed,
    /// the flow named RTP for it already, so nothing new to name); false, having changed nothing,
    /// for any other, which is `rtpNaming`'s. The inspection gives the stream's state and offset:
    /// the state's own lines are not read. For the one-thread datagram path
    /// (`FlowTracker.trackDatagram`), which has it in place: transparent (`@inline(__always)` did
    /// not get it inlined).
    @_transparent
    mutating func rtpKnown(inspected slot: Int32, _ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64) -> Bool {
        let inspection = slab[slot]
        let o = inspection.pointee.knownStreams[fromOriginator: fromOriginator]
        // A known stream's state is there (`RTPKnownStreams`).
        guard o != 0, let plain = PlainRTPHeader(p) else { return false }
        return RTPFlowStats.recordKnown(inspection.pointee.rtpState.unsafelyUnwrapped.mutableAddress, stream: o, plain, arrival: timestamp)
    }

    /// `rtpTracked` for a flow whose inspection is at `slot` (not negative), for a caller that
    /// names the flow what it returns and tried `rtpKnown` first (the one-thread datagram path,
    /// `FlowTracker.rtpDatagram`, which neither passes the slot nor stores it back): a stream
    /// confirmed here becomes its direction's known one (`RTPFlowStats.recordNaming`).
    @inline(__always)
    mutating func rtpNaming(inspected slot: Int32, _ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64) -> Service? {
        guard let h = RTPHeader.plain(p) ?? (try? RTPHeader.parse(p)) else { return .unknown }
        let inspection = slab[slot]
        guard let rtp = inspection.pointee.rtp() else { return .rtp }
        guard let confirmed = rtp.value.recordNaming(ssrc: h.ssrc, fromOriginator: fromOriginator, sequence: h.sequence,
                                                     timestamp: h.timestamp, payloadType: h.payloadType, marker: h.marker,
                                                     arrival: timestamp, clocks: clocks,
                                                     known: &inspection.pointee.knownStreams) else { return nil }
        return confirmed ? .rtp : .unknown
    }

    /// `h`'s packet in the flow's RTP state `rtp`, when its stream has a slot there (else nil).
    @_transparent
    func recordRTP(_ h: RTPHeader, _ rtp: HeapValue<RTPFlowStats>, fromOriginator: Bool, timestamp: Int64) -> Service? {
        guard let confirmed = rtp.value.recordTracked(ssrc: h.ssrc, fromOriginator: fromOriginator, sequence: h.sequence,
                                                      timestamp: h.timestamp, payloadType: h.payloadType, marker: h.marker,
                                                      arrival: timestamp, clocks: clocks) else { return nil }
        return confirmed ? .rtp : .unknown
    }

    /// The first packet `p` of an RTP stream that the flow at `slot` has no stream slot for
    /// (`rtpTracked` gave nil, so the flow's RTP state is made), kept out of line. It reads the
    /// header again, so that `rtpTracked` keeps only the fields it uses.
    @inline(never)
    func newRTPStream(_ slot: Int32, _ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64,
                      sender: SDPBook.Endpoint, receiver: SDPBook.Endpoint) -> Service {
        guard slot >= 0, let rtp = slab[slot].pointee.rtp(), let h = RTPHeader.plain(p) ?? (try? RTPHeader.parse(p)) else { return .unknown }
        // A new stream of a dynamic type takes the clock of the SDP that named its receiver's
        // end, else its sender's.
        return rtp.value.record(h, fromOriginator: fromOriginator, arrival: timestamp, clock: clocks.lookup(h.payloadType),
                                source: clocks.source(h.payloadType), sliceWidth: clocks.sliceWidth, described: { pt in
            sdpClock(pt, at: receiver, first: timestamp) ?? sdpClock(pt, at: sender, first: timestamp)
        }) ? .rtp : .unknown
    }

    /// One DTLS datagram; its handshake buffers grow only within what is left of the run's
    /// reassembly memory (TCP streams and DTLS handshakes together), and what they hold or
    /// could not hold is counted. Kept out of `udp`, whose other datagrams do not pay for it.
    @inline(never)
    private mutating func dtls(_ d: HeapValue<DTLSFlowState>, _ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64) {
        let held = d.value.bufferedHandshakeBytes, dropped = d.value.messagesOutOfMemory
        d.value.memoryAllowance = streamMemory &- reassemblyBytes
        d.value.datagram(p, fromOriginator: fromOriginator, timestamp: timestamp)
        addDTLSBytes(d.value.bufferedHandshakeBytes &- held)
        dtlsMessagesOutOfMemory &+= d.value.messagesOutOfMemory &- dropped
    }

    /// Counts `n` more (or, negative, fewer) bytes in the DTLS handshake buffers.
    private mutating func addDTLSBytes(_ n: Int) {
        dtlsHandshakeBytes &+= n
        streamMemory = reassemblyMemory &- dtlsHandshakeBytes
    }

    // MARK: Streams

    /// Feeds one TCP segment's payload of a flow whose first payload looked like `hint`.
    mutating func tcp(_ slot: inout Int32, hint: Service, seq: UInt32, syn: Bool, isn: UInt32?, _ p: UnsafeRawBufferPointer,
                      fromOriginator: Bool, timestamp: Int64) {
        if slot == -2 { return }
        if slot < 0 {
            guard hint == .sipTLS || hint == .tls || hint == .turnTCP || hint == .stun || hint == .sip || hint == .dns else { return }
        }
        guard let ins = inspection(&slot) else { return }
        if case .undecided = ins.pointee.state { decide(ins, hint: hint, midStream: isn == nil && !syn) }
        if case .ignored = ins.pointee.state { return }
        // The stream is apart from `ins`: the protocol changes its state while the stream is held.
        let streams = slab.streams(slot)
        if fromOriginator {
            if streams.pointee.orig.state == .stopped { return countRecords(ins, seq: syn ? seq &+ 1 : seq, p, fromOriginator: true) }
            if streams.pointee.made & 1 == 0 {
                streams.pointee.made |= 1
                make(&streams.pointee.orig, isn: isn)
            }
            follow(ins, &streams.pointee.orig, seq: seq, syn: syn, p, fromOriginator: true, timestamp: timestamp)
        } else {
            if streams.pointee.resp.state == .stopped { return countRecords(ins, seq: syn ? seq &+ 1 : seq, p, fromOriginator: false) }
            if streams.pointee.made & 2 == 0 {
                streams.pointee.made |= 2
                make(&streams.pointee.resp, isn: isn)
            }
            follow(ins, &streams.pointee.resp, seq: seq, syn: syn, p, fromOriginator: false, timestamp: timestamp)
        }
    }

    /// A segment of a direction whose stream has stopped: a TLS flow's records go on being
    /// counted (`TLSRecordCounter`, from the sequence number of its payload's first byte);
    /// any other protocol's are skipped. Out of line: the segment paths keep only the test.
    @inline(never)
    private func countRecords(_ ins: UnsafeMutablePointer<FlowInspection>, seq: UInt32, _ p: UnsafeRawBufferPointer,
                              fromOriginator: Bool) {
        guard case .tls(let t) = ins.pointee.state else { return }
        if fromOriginator { t.value.origRecords.feed(seq: seq, p) } else { t.value.respRecords.feed(seq: seq, p) }
    }

    /// A TCP flow's protocol state, at its first segment: the one its first payload's `hint`
    /// names (`midStream`: TLS seen without its SYN). Out of line: later segments skip it, and
    /// the states built here would make every segment's frame larger.
    @inline(never)
    private func decide(_ ins: UnsafeMutablePointer<FlowInspection>, hint: Service, midStream: Bool) {
        switch hint {
        case .sipTLS, .tls: ins.pointee.state = .tls(HeapValue(TLSStreamState(midStream: midStream), in: ins.pointee.arena.tls))
        case .turnTCP, .stun: ins.pointee.state = .media(MediaState())
        case .sip: ins.pointee.state = .sip(HeapValue(SIPCounts(), in: ins.pointee.arena.sip))
        case .dns: ins.pointee.state = .dns(transactionLogs ? HeapValue(DNSTransactionLog(), in: ins.pointee.arena.dnsLog) : nil)
        default: ins.pointee.state = .ignored
        }
    }

    /// Makes one direction's stream at its first segment, anchored at the ISN when the SYN was
    /// seen. Out of line, as `decide` is.
    @inline(never)
    private func make(_ stream: inout StreamReassembler, isn: UInt32?) {
        stream = StreamReassembler(budget: reassemblyBudget, buffers: slab.arena.streams)
        if let isn { stream.add(seq: isn, payload: UnsafeRawBufferPointer(start: nil, count: 0), syn: true) }
    }

    /// Adds a segment to one direction's stream within what is left of the shared reassembly
    /// memory, then hands what became contiguous to the flow's protocol. A segment that
    /// continues a stream holding no bytes is read where it is, and only what the protocol
    /// leaves (a frame cut by the segment's end) is copied into the stream.
    private mutating func follow(_ ins: UnsafeMutablePointer<FlowInspection>, _ stream: inout StreamReassembler,
                                 seq: UInt32, syn: Bool, _ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64) {
        if stream.takesInPlace(seq: seq, syn: syn, count: p.count) {
            return readInPlace(ins, &stream, p, count: p.count, fromOriginator: fromOriginator, timestamp: timestamp)
        }
        let before = stream.allocatedBytes
        let was = stream.state
        stream.add(seq: seq, payload: p, syn: syn, memoryAllowance: streamMemory &- reassemblyBytes)
        if stream.state == .outOfMemory && was != .outOfMemory { streamsOutOfMemory &+= 1 }
        drain(ins, &stream, fromOriginator: fromOriginator, timestamp: timestamp)
        reassemblyBytes &+= stream.allocatedBytes &- before
        if reassemblyBytes > reassemblyPeak { reassemblyPeak = reassemblyBytes }
    }

    /// A segment `stream.takesInPlace` accepted (its `count` bytes at `p`), read by the flow's
    /// protocol where it is: the buffer has room for the whole segment, so `add` would allocate
    /// nothing; only stopping the stream (which frees its buffer) changes what reassembly holds.
    @inline(__always)
    private mutating func readInPlace(_ ins: UnsafeMutablePointer<FlowInspection>, _ stream: inout StreamReassembler,
                                      _ p: UnsafeRawBufferPointer, count: Int, fromOriginator: Bool, timestamp: Int64) {
        var stop = false
        let consumed = read(ins, p, fromOriginator: fromOriginator, timestamp: timestamp, stop: &stop)
        stream.addRead(p.baseAddress, count: count, consumed: consumed)
        segmentsReadInPlace &+= 1
        if stop {
            let before = stream.allocatedBytes
            self.stop(ins, &stream, fromOriginator: fromOriginator)
            reassemblyBytes &+= stream.allocatedBytes &- before
        }
    }

    /// `tcp` for the commonest segments, in place where segments are tracked (no call): one
    /// without SYN that continues a direction's stream already made (the flow's protocol is
    /// decided and reads streams), streaming, holding no bytes, in order and with room for it
    /// (`StreamReassembler.takesInPlace`), read where it is; one of a direction whose stream has
    /// stopped, its records counted (`countRecords`). `count`: the bytes at `p` (passed, not
    /// asked of `p`: this large a caller left `count` a call through the PLT). False, having
    /// done nothing, for any other segment, which `tcp` then takes. Transparent:
    /// `@inline(__always)` left it a call.
    @_transparent
    mutating func tcpInPlace(_ slot: Int32, seq: UInt32, _ p: UnsafeRawBufferPointer, count: Int, fromOriginator: Bool,
                             timestamp: Int64) -> Bool {
        guard slot >= 0 else { return false }
        let streams = slab.streams(slot)
        if fromOriginator {
            guard streams.pointee.made & 1 != 0 else { return false }
            return inPlace(slab[slot], &streams.pointee.orig, seq: seq, p, count: count, fromOriginator: true, timestamp: timestamp)
        }
        guard streams.pointee.made & 2 != 0 else { return false }
        return inPlace(slab[slot], &streams.pointee.resp, seq: seq, p, count: count, fromOriginator: false, timestamp: timestamp)
    }

    /// `tcpInPlace` for one direction's stream, already made: read in place, or its records
    /// counted when it has stopped; false, having done nothing, for any other segment.
    @inline(__always)
    private mutating func inPlace(_ ins: UnsafeMutablePointer<FlowInspection>, _ stream: inout StreamReassembler, seq: UInt32,
                                  _ p: UnsafeRawBufferPointer, count: Int, fromOriginator: Bool, timestamp: Int64) -> Bool {
        guard stream.takesInPlace(seq: seq, syn: false, count: count) else {
            guard stream.state == .stopped else { return false }
            countRecords(ins, seq: seq, p, fromOriginator: fromOriginator)
            return true
        }
        readInPlace(ins, &stream, p, count: count, fromOriginator: fromOriginator, timestamp: timestamp)
        return true
    }

    /// Hands one direction's contiguous bytes to the flow's protocol, which says how many it
    /// used and whether to stop reassembling.
    private mutating func drain(_ ins: UnsafeMutablePointer<FlowInspection>, _ stream: inout StreamReassembler, fromOriginator: Bool,
                                timestamp: Int64) {
        guard stream.state == .streaming, stream.contiguousCount > 0 else { return }
        var stop = false
        let consumed: Int = stream.withContiguous { read(ins, $0, fromOriginator: fromOriginator, timestamp: timestamp, stop: &stop) }
        stream.consume(consumed)
        if stop { self.stop(ins, &stream, fromOriginator: fromOriginator) }
    }

    /// One direction's contiguous bytes read by the flow's protocol: returns the bytes used;
    /// `stop` is set when it needs no more.
    @inline(__always)
    private mutating func read(_ ins: UnsafeMutablePointer<FlowInspection>, _ bytes: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64,
                      stop: inout Bool) -> Int {
        switch ins.pointee.state {
        case .tls(let t):
            return t.value.consume(fromOriginator ? .orig : .resp, bytes, timestamp: timestamp, stop: &stop)
        case .media(let m):
            // A direction framed by MS-TURN: its frames of tracked RTP streams (nearly every
            // segment's all) are read by the small `trackedFrames`, what is left by the whole walk.
            let done = (fromOriginator ? m.origFraming : m.respFraming) != .msTURN ? 0
                : FlowInspection.trackedFrames(bytes, m, ins.pointee.rtpState, fromOriginator: fromOriginator, timestamp: timestamp,
                                               clocks: clocks)
            if done == bytes.count { return done }
            return done &+ ins.pointee.consumeSTUNStream(UnsafeRawBufferPointer(rebasing: bytes[done...]), fromOriginator: fromOriginator,
                                                         timestamp: timestamp, clocks: clocks, log: transactionLogs,
                                                         sdp: { sdpClock($0, at: $1, first: timestamp) }, message: stunMessage.message,
                                                         stop: &stop)
        case .sip(let s):
            return s.value.consumeStream(bytes, stop: &stop)
        case .dns(let log):
            return dns.consumeStream(bytes, log: log, timestamp: timestamp)
        case .undecided, .ignored:
            return 0
        }
    }

    /// Stops reassembling a stream whose protocol needs no more bytes. A TLS stream goes on
    /// being counted, record by record, from where the parser stopped.
    private func stop(_ ins: UnsafeMutablePointer<FlowInspection>, _ stream: inout StreamReassembler, fromOriginator: Bool) {
        if case .tls(let t) = ins.pointee.state, let at = stream.nextSequence {
            stream.withContiguous { t.value.countRecords(fromOriginator ? .orig : .resp, from: at, $0) }
        }
        stream.stop()
    }
}

extension FlowInspection {
    /// The flow's STUN/TURN state, made at the first write; nil when the flow follows another protocol.
    @inline(__always) mutating func stun() -> HeapValue<STUNFlowStats>? {
        if case .media(let m) = state, let s = m.stun { return s }
        return newSTUN()
    }

    /// `stun()` at the flow's first STUN message or TURN data, kept out of line (the state is 1.8 KB).
    @inline(never)
    private mutating func newSTUN() -> HeapValue<STUNFlowStats>? {
        let pool = arena.stun
        return withMedia { HeapValue.made(&$0.stun, zeroed: STUNFlowStats.fresh, in: pool) }
    }

    /// The flow's RTP/RTCP state, made at the first write; nil when the flow follows another protocol.
    @inline(__always) mutating func rtp() -> HeapValue<RTPFlowStats>? {
        if let r = rtpState { return r }
        return newRTP()
    }

    /// `rtp()` at the flow's first RTP or RTCP packet, kept out of line (the state is 2 KB).
    @inline(never)
    private mutating func newRTP() -> HeapValue<RTPFlowStats>? {
        guard becomeMedia() else { return nil }
        return HeapValue.made(&rtpState, copying: RTPFlowStats.fresh, in: arena.rtp)
    }

    /// Makes an undecided flow a media flow; false when the flow follows another protocol.
    /// (The RTP state lies beside the enum, `rtpState`: the flow only needs to become media.)
    private mutating func becomeMedia() -> Bool {
        switch state {
        case .media: return true
        case .undecided: state = .media(MediaState()); return true
        default: return false
        }
    }

    /// The flow's STUN transactions for `stun.log`, made at the first message; nil when the flow follows another protocol.
    mutating func stunLog() -> HeapValue<STUNTransactionLog>? {
        if case .media(let m) = state, let l = m.stunLog { return l }
        let pool = arena.stunLog
        return withMedia { HeapValue.made(&$0.stunLog, STUNTransactionLog(), in: pool) }
    }

    /// The flow's DTLS state if a DTLSPlaintext record made it; nil otherwise.
    var existingDTLS: HeapValue<DTLSFlowState>? {
        if case .media(let m) = state { return m.dtls }
        return nil
    }

    /// The flow's DTLS state, made at the first record; nil when the flow follows another protocol.
    @inline(__always) mutating func dtls() -> HeapValue<DTLSFlowState>? {
        if case .media(let m) = state, let d = m.dtls { return d }
        let pool = arena.dtls
        return withMedia { HeapValue.made(&$0.dtls, DTLSFlowState(), in: pool) }
    }

    /// Changes the flow's media state (made now if nothing follows the flow yet); nil when
    /// the flow follows another protocol.
    @inline(__always) private mutating func withMedia<R>(_ body: (inout MediaState) -> R) -> R? {
        var m: MediaState
        switch state {
        case .media(let current): m = current
        case .undecided: m = MediaState()
        default: return nil
        }
        let r = body(&m)
        state = .media(m)
        return r
    }

    /// The flow's plaintext SIP counts, made at the first message; nil when the flow follows another protocol.
    @inline(__always) mutating func sip() -> HeapValue<SIPCounts>? {
        if case .sip(let s) = state { return s }
        if case .media(let m) = state, let s = m.sip { return s }
        let pool = arena.sip
        return withMedia { HeapValue.made(&$0.sip, SIPCounts(), in: pool) }
    }

    /// STUN messages seen so far (0 when none or not a media flow).
    var stunMessages: Int {
        if case .media(let m) = state, let s = m.stun { return s.value.messages }
        return 0
    }

    /// TURN channels bound so far.
    var stunChannels: Int {
        if case .media(let m) = state, let s = m.stun { return s.value.channels }
        return 0
    }
}

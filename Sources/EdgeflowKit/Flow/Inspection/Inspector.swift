/// Follows the application protocols of flows: STUN/TURN/MS-TURN and RTP/RTCP on UDP (also
/// inside ChannelData, Send/Data indications and MS-TURN data), and on TCP the reassembled
/// byte stream as TLS, STUN/TURN (MS-TURN, RFC 4571 or plain framing) or plaintext SIP.
/// State lives in a bounded pool of `FlowInspection`s indexed from the flow record.
struct Inspector {
    /// Most flows inspected at once; further flows are only counted.
    let capacity: Int
    /// Reassembly budget per TCP direction.
    let reassemblyBudget: Int
    private let pool: InspectionPool
    /// DNS answers of the whole run.
    let dns: DNSBook
    /// RTP clock rate per payload type (0: unknown).
    let clocks: RTPClocks
    private(set) var flowsNotInspected = 0
    /// Bytes all TCP reassembly buffers together may hold.
    let reassemblyMemory: Int
    /// Bytes they hold now, and at most so far.
    private(set) var reassemblyBytes = 0
    private(set) var reassemblyPeak = 0
    /// Streams stopped because `reassemblyMemory` was used up.
    private(set) var streamsOutOfMemory = 0

    init(capacity: Int, reassemblyBudget: Int, reassemblyMemory: Int = .max, dns: DNSBook, clockRates: [UInt8: UInt32] = [:]) {
        self.clocks = RTPClocks(configured: clockRates)
        self.capacity = capacity
        self.reassemblyBudget = reassemblyBudget
        self.reassemblyMemory = reassemblyMemory
        pool = InspectionPool(capacity: capacity)
        self.dns = dns
    }

    /// A DNS message over UDP (`multicast`: mDNS, see `DNSBook.record`).
    func dnsDatagram(_ p: UnsafeRawBufferPointer, multicast: Bool) { dns.record(p, multicast: multicast) }

    /// A SIP message over UDP (one per datagram).
    mutating func sipDatagram(_ slot: inout Int32, _ p: UnsafeRawBufferPointer) {
        guard slot != -2, case .message(let head) = SIPMessageScanner.scan(p, datagram: true),
              let ref = inspection(&slot) else { return }
        ref._withUnsafeGuaranteedRef { $0.sip.record(head, in: p) }
    }

    /// The inspection of a flow, created on first use (nil when the pool is full).
    private mutating func inspection(_ slot: inout Int32) -> Unmanaged<FlowInspection>? {
        if slot >= 0 { return pool[Int(slot)] }
        guard !pool.isFull else {
            flowsNotInspected &+= 1
            slot = -2
            return nil
        }
        let fresh = Unmanaged.passRetained(FlowInspection(reassemblyBudget: reassemblyBudget))
        slot = pool.add(fresh)
        return fresh
    }

    /// Hands back a flow's inspection when the flow ends; its reassembly buffers are freed.
    mutating func release(_ slot: Int32) -> FlowInspection? {
        guard slot >= 0 else { return nil }
        let ins = pool.remove(slot).takeRetainedValue()
        reassemblyBytes &-= (ins.origStream?.allocatedBytes ?? 0) &+ (ins.respStream?.allocatedBytes ?? 0)
        ins.origStream = nil
        ins.respStream = nil
        return ins
    }

    // MARK: UDP

    /// Inspects one UDP payload; returns the service it carried.
    /// - Parameter kind: the payload's RFC 7983 class (`UDPDemux.classify`).
    mutating func udp(_ slot: inout Int32, _ p: UnsafeRawBufferPointer, kind: UDPPayloadKind, stunPort: Bool,
                      fromOriginator: Bool, timestamp: Int64) -> Service {
        guard slot != -2, p.count >= 4 else { return .unknown }
        switch kind {
        case .stun:
            guard let m = try? STUNDecoder.decode(p, allowLegacy: stunPort) else {
                // STUN by its magic cookie or port that does not decode is counted even as the
                // flow's first message (the flow is STUN); other bytes only on a flow already inspected.
                let stun = stunPort || p.be32(4) == stunMagicCookie
                guard stun || slot >= 0, let ref = inspection(&slot) else { return .unknown }
                ref._withUnsafeGuaranteedRef { $0.stun.malformed &+= 1 }
                return stun ? .stun : .unknown
            }
            guard let ref = inspection(&slot) else { return .stun }
            ref._withUnsafeGuaranteedRef { ins in
                ins.stun.record(m, timestamp: timestamp, fromOriginator: fromOriginator)
                if let data = m.attributes.data { media(ins, data.slice(of: p), fromOriginator: fromOriginator, timestamp: timestamp) }
            }
            return .stun
        case .stunMalformed:
            // The cookie says STUN, the Length disagrees with the datagram: counted, not parsed.
            guard let ref = inspection(&slot) else { return .stun }
            ref._withUnsafeGuaranteedRef { $0.stun.malformed &+= 1 }
            return .stun
        case .channelData:
            guard stunPort || (slot >= 0 && pool[Int(slot)]._withUnsafeGuaranteedRef { $0.stun.messages } > 0),
                  let cd = try? ChannelData.decode(p) else { return .unknown }
            guard let ref = inspection(&slot) else { return .stun }
            ref._withUnsafeGuaranteedRef { ins in
                ins.stun.recordChannelData(bytes: Int(cd.length), channel: cd.channel)
                media(ins, cd.data.slice(of: p), fromOriginator: fromOriginator, timestamp: timestamp)
            }
            return .stun
        case .msMultiplexedTURN:
            guard let mt = try? MultiplexedTURN.decode(p, exact: false), let ref = inspection(&slot) else { return .unknown }
            ref._withUnsafeGuaranteedRef { ins in
                ins.stun.recordChannelData(bytes: Int(mt.length))
                media(ins, mt.data.slice(of: p), fromOriginator: fromOriginator, timestamp: timestamp)
            }
            return .stun
        case .rtp:
            guard let h = RTPHeader.parse(p) else { return .unknown }
            // Past --max-inspected-flows the flow keeps the name its packets suggest.
            guard let ref = inspection(&slot) else { return .rtp }
            let stream = ref._withUnsafeGuaranteedRef {
                $0.rtp.record(h, fromOriginator: fromOriginator, arrival: timestamp, clockRate: clocks.rate(h.payloadType))
            }
            return stream ? .rtp : .unknown  // RTP once its stream shows sequence continuity
        case .rtcp:
            guard let c = RTCPCompound.parse(p), let ref = inspection(&slot) else { return .unknown }
            ref._withUnsafeGuaranteedRef { $0.rtp.record(c) }
            return .rtcp
        default:
            // RFC 5766 channels 0x5000-0x7FFF fall outside RFC 7983's ChannelData range: accept
            // them on a flow that has bound channels.
            let b0 = p.u8(0)
            guard b0 >= 0x40, b0 <= 0x7F, slot >= 0, case let ref = pool[Int(slot)], ref._withUnsafeGuaranteedRef({ $0.stun.channels > 0 }),
                  let cd = try? ChannelData.decode(p) else { return .unknown }
            ref._withUnsafeGuaranteedRef { ins in
                ins.stun.recordChannelData(bytes: Int(cd.length), channel: cd.channel)
                media(ins, cd.data.slice(of: p), fromOriginator: fromOriginator, timestamp: timestamp)
            }
            return .stun
        }
    }

    /// RTP or RTCP carried inside TURN (ChannelData, Send/Data, MS-TURN data frames).
    private func media(_ ins: FlowInspection, _ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64) {
        switch UDPDemux.classify(p) {
        case .rtp: if let h = RTPHeader.parse(p) { ins.rtp.record(h, fromOriginator: fromOriginator, arrival: timestamp, clockRate: clocks.rate(h.payloadType)) }
        case .rtcp: if let c = RTCPCompound.parse(p) { ins.rtp.record(c) }
        default: break
        }
    }

    // MARK: TCP

    /// Feeds one TCP segment's payload of a flow whose first payload looked like `hint`.
    mutating func tcp(_ slot: inout Int32, hint: Service, seq: UInt32, syn: Bool, isn: UInt32?, _ p: UnsafeRawBufferPointer,
                      fromOriginator: Bool, timestamp: Int64) {
        if slot == -2 { return }
        if slot < 0 {
            guard hint == .sipTLS || hint == .tls || hint == .turnTCP || hint == .stun || hint == .sip || hint == .dns else { return }
        }
        guard let ins = inspection(&slot)?.takeUnretainedValue() else { return }
        if ins.streamKind == .undecided {
            switch hint {
            case .sipTLS, .tls: ins.streamKind = .tls; ins.tls = TLSSession(midStream: isn == nil && !syn)
            case .turnTCP, .stun: ins.streamKind = .stun
            case .sip: ins.streamKind = .sip
            case .dns: ins.streamKind = .dns
            default: ins.streamKind = .none
            }
        }
        guard ins.streamKind != .none else { return }
        if fromOriginator {
            if ins.origStream?.state == .stopped { ins.origRecords.feed(seq: syn ? seq &+ 1 : seq, p); return }
            follow(ins, &ins.origStream, isn: isn, seq: seq, syn: syn, p, fromOriginator: true, timestamp: timestamp)
        } else {
            if ins.respStream?.state == .stopped { ins.respRecords.feed(seq: syn ? seq &+ 1 : seq, p); return }
            follow(ins, &ins.respStream, isn: isn, seq: seq, syn: syn, p, fromOriginator: false, timestamp: timestamp)
        }
    }

    /// Adds a segment to one direction's stream (made at its first segment, anchored at the
    /// ISN when the SYN was seen) within what is left of the shared reassembly memory, then
    /// parses what became contiguous.
    private mutating func follow(_ ins: FlowInspection, _ stream: inout StreamReassembler?, isn: UInt32?, seq: UInt32, syn: Bool,
                                 _ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64) {
        if stream == nil {
            stream = StreamReassembler(budget: ins.reassemblyBudget)
            if let isn { stream!.add(seq: isn, payload: UnsafeRawBufferPointer(start: nil, count: 0), syn: true) }
        }
        let before = stream?.allocatedBytes ?? 0
        let was = stream?.state
        stream!.add(seq: seq, payload: p, syn: syn, memoryAllowance: reassemblyMemory &- reassemblyBytes)
        if stream?.state == .outOfMemory && was != .outOfMemory { streamsOutOfMemory &+= 1 }
        drain(ins, &stream!, fromOriginator: fromOriginator, timestamp: timestamp)
        account(before: before, after: stream?.allocatedBytes ?? 0)
    }

    private mutating func account(before: Int, after: Int) {
        reassemblyBytes &+= after &- before
        if reassemblyBytes > reassemblyPeak { reassemblyPeak = reassemblyBytes }
    }

    private func drain(_ ins: FlowInspection, _ stream: inout StreamReassembler, fromOriginator: Bool, timestamp: Int64) {
        guard stream.state == .streaming, stream.contiguousCount > 0 else { return }
        let direction: StreamDirection = fromOriginator ? .orig : .resp
        var stop = false
        let consumed: Int = stream.withContiguous { bytes in
            switch ins.streamKind {
            case .tls:
                guard var session = ins.tls else { return 0 }
                let n = session.feed(direction: direction, bytes: bytes, timestamp: timestamp)
                // Once the handshake is over, the rest is encrypted: stop copying it (a direction
                // still looking for its first record header goes on).
                stop = (!session.wantsBytes(direction) || session.outcome != .incomplete) && !session.synchronising(direction)
                ins.tls = session
                return n
            case .stun:
                return stunStream(ins, bytes, fromOriginator: fromOriginator, timestamp: timestamp, stop: &stop)
            case .dns:
                var off = 0
                while off < bytes.count, let length = DNSMessage.tcpFrameLength(UnsafeRawBufferPointer(rebasing: bytes[off...])) {
                    dns.record(UnsafeRawBufferPointer(rebasing: bytes[(off + 2)..<(off + length)]))
                    off += length
                }
                return off
            case .sip:
                var off = 0
                while off < bytes.count {
                    let rest = UnsafeRawBufferPointer(rebasing: bytes[off...])
                    switch SIPMessageScanner.scan(rest) {
                    case .message(let head):
                        ins.sip.record(head, in: rest)
                        off += head.messageLength
                    case .keepAlive(let n):
                        off += n
                    case .needMoreData:
                        return off
                    case .notSIP:
                        stop = true
                        return off
                    }
                }
                return off
            default:
                return 0
            }
        }
        stream.consume(consumed)
        if stop {
            // A TLS stream goes on being counted, record by record, from where the parser stopped.
            if ins.streamKind == .tls, let at = stream.nextSequence {
                var counter = TLSRecordCounter()
                counter.start(at: at)
                stream.withContiguous { counter.feed(seq: at, $0) }
                if fromOriginator { ins.origRecords = counter } else { ins.respRecords = counter }
            }
            stream.stop()
        }
    }

    /// Walks STUN/TURN PDUs in one direction's contiguous bytes; returns the bytes used.
    private func stunStream(_ ins: FlowInspection, _ bytes: UnsafeRawBufferPointer, fromOriginator: Bool,
                            timestamp: Int64, stop: inout Bool) -> Int {
        var off = 0
        var mode = fromOriginator ? ins.origFraming : ins.respFraming
        defer { if fromOriginator { ins.origFraming = mode } else { ins.respFraming = mode } }
        while off < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[off...])
            let pdu = TCPFraming.next(rest, mode: mode)
            switch pdu.kind {
            case .needMore:
                return off
            case .unrecognised:
                stop = true
                return off
            default:
                break
            }
            if mode == .auto { mode = pdu.kind.impliedMode }
            let payload = UnsafeRawBufferPointer(rebasing: rest[pdu.payloadOffset..<(pdu.payloadOffset + pdu.payloadLength)])
            switch pdu.kind {
            case .stun, .msTURNControl, .rfc4571:
                if let m = try? STUNDecoder.decode(payload) {
                    ins.stun.record(m, timestamp: timestamp, fromOriginator: fromOriginator)
                    if let data = m.attributes.data { media(ins, data.slice(of: payload), fromOriginator: fromOriginator, timestamp: timestamp) }
                } else if pdu.kind == .rfc4571 {
                    media(ins, payload, fromOriginator: fromOriginator, timestamp: timestamp)
                } else {
                    ins.stun.malformed &+= 1
                }
            case .msTURNData, .channelData, .msMultiplexedTURN:
                var inner = payload
                var channel: UInt16? = nil
                if pdu.kind == .channelData, let cd = try? ChannelData.decode(payload, overTCP: true) {
                    inner = cd.data.slice(of: payload)   // without the TCP padding
                    channel = cd.channel
                }
                ins.stun.recordChannelData(bytes: inner.count, channel: channel)
                media(ins, inner, fromOriginator: fromOriginator, timestamp: timestamp)
            default:
                break
            }
            off += pdu.length
        }
        return off
    }
}

/// The live flows' inspections, held unmanaged so that reaching a flow's inspection on every
/// packet costs no retain/release: the pool owns one reference per entry, taken when it is
/// added and handed back by `remove` (or released with the pool). Its slots and free list are
/// allocated once at full capacity (12 bytes a slot, as address space: pages are touched only
/// as slots are used), so they are fixed pointers that need no exclusivity checks.
final class InspectionPool {
    private let entries: UnsafeMutablePointer<Unmanaged<FlowInspection>?>
    private let free: UnsafeMutablePointer<Int32>
    private let capacity: Int
    private var freeCount = 0
    /// Slots handed out at least once.
    private var used = 0
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        entries = .allocate(capacity: self.capacity)
        free = .allocate(capacity: self.capacity)
    }

    /// The entry at a slot handed out by `add` and not yet removed.
    @inline(__always) subscript(_ slot: Int) -> Unmanaged<FlowInspection> { entries[slot].unsafelyUnwrapped }

    /// Whether another entry fits.
    var isFull: Bool { count >= capacity }

    func add(_ e: Unmanaged<FlowInspection>) -> Int32 {
        precondition(count < capacity, "inspection pool full")
        count += 1
        if freeCount > 0 {
            freeCount -= 1
            let i = free[freeCount]
            entries[Int(i)] = e
            return i
        }
        (entries + used).initialize(to: e)
        used += 1
        return Int32(used - 1)
    }

    func remove(_ slot: Int32) -> Unmanaged<FlowInspection> {
        let e = entries[Int(slot)].unsafelyUnwrapped
        entries[Int(slot)] = nil
        free[freeCount] = slot
        freeCount += 1
        count -= 1
        return e
    }

    deinit {
        for i in 0..<used { entries[i]?.release() }
        entries.deallocate()
        free.deallocate()
    }
}

/// STUN/TURN facts of one flow, fixed-size: counts by method and class, the transactions
/// awaiting an answer, RTT samples, error codes, addresses and the TURN allocation's life.
struct STUNFlowStats: Sendable, BitwiseCopyable {
    /// The last transactions remembered (answered or not), to match responses and to know a
    /// retransmission (a request with a transaction id already seen) from a new transaction.
    static let pendingSlots = 16
    /// RTT samples kept for the percentiles (min and max cover every transaction).
    static let rttSlots = 64
    static let errorSlots = 8
    static let channelSlots = 8
    /// A new flow's state, built once: a flow's state is this copied (one `memcpy` of plain
    /// bits, from where it lies into the state's block), where building it stored its 1.8 KB
    /// field by field (about 570 instructions a flow).
    nonisolated(unsafe) static let fresh = UnsafePointer.kept(STUNFlowStats())

    // What every message reads and writes first, in the state's first 64 bytes (its pool's
    // blocks start on a cache line, `StateArena.stun`), the remembered transactions' keys in the
    // next two lines, their times in the two after.
    var messages = 0
    /// Transactions answered (the first response to each).
    var matched = 0
    var rttCount = 0
    var rttMin = Int64.max
    var rttMax = Int64(0)
    var pendingNext = 0
    var pendingAnswered = InlineArray<16, Bool>(repeating: false)
    var pendingKey = InlineArray<16, UInt64>(repeating: 0)
    var pendingTime = InlineArray<16, Int64>(repeating: 0)
    /// The filter bits (`filterBit`) of the keys written since `pendingNext` last came back to 0,
    /// and of those written in the lap before: every remembered key's bit is in one of the two,
    /// so a key whose bit is in neither is not remembered, and a new request is known new
    /// without comparing it with all sixteen keys (`mayRemember`).
    var keysThisLap: UInt64 = 0
    var keysLastLap: UInt64 = 0
    /// One bit per method with a message in `counts` (bit `STUNMethod.rawValue`): the report
    /// visits those methods alone (`AppReport.STUN.write`), not all sixteen.
    var methodsSeen: UInt16 = 0
    /// counts[method * 4 + class]
    var counts = InlineArray<64, UInt32>(repeating: 0)
    var malformed = 0
    var msTURN = false
    var msVersion: UInt32? = nil
    var flavourSeen = false
    /// Requests that repeated the transaction id of a remembered transaction (RFC 8489 §6.2.1).
    var retransmissions = 0
    var unansweredEvicted = 0
    var rtt = InlineArray<64, Int64>(repeating: 0)

    var errorCode = InlineArray<8, UInt16>(repeating: 0)
    var errorCount = InlineArray<8, UInt32>(repeating: 0)
    var otherErrors = 0

    var mapped: STUNAddress? = nil
    var relayed: STUNAddress? = nil
    var mappedFromOrig = false
    /// The TURN client is the flow's responder: the response that gave `relayed` came from the
    /// originator (false until then: the client is taken to be the originator).
    var clientIsResponder = false

    var allocateRequests = 0
    var allocateChallenges = 0
    var allocateSuccesses = 0
    var allocateFailures = 0
    var refreshes = 0
    var released = false
    var lifetime: UInt32? = nil
    /// When the allocation was last granted or refreshed, in capture time, and for how long (s).
    var grantedAt: Int64? = nil
    var grantedLifetime: UInt32 = 0

    var channel = InlineArray<8, UInt16>(repeating: 0)
    var channelPeer = InlineArray<8, IPAddress>(repeating: IPAddress(hi: 0, lo: 0))
    var channelPeerPort = InlineArray<8, UInt16>(repeating: 0)
    var channelPackets = InlineArray<8, UInt32>(repeating: 0)
    var channels = 0
    var channelDataPackets = 0
    var channelDataBytes = 0
    /// The ICE sessions of its connectivity checks (USERNAME ufrag pairs of Binding requests).
    var ice = ICEPairs()

    /// Accounts one decoded message, read where it was decoded (not copied).
    mutating func record(_ message: UnsafePointer<STUNMessage>, timestamp: Int64, fromOriginator: Bool) {
        messages &+= 1
        let method = message.pointee.method, cls = message.pointee.messageClass
        let slot = Int(method.rawValue) &* 4 &+ Int(cls.rawValue)
        if slot < 64 {
            counts[slot] &+= 1
            methodsSeen |= 1 &<< UInt16(method.rawValue)
        }
        if message.pointee.flavour == .msTURN { msTURN = true }
        if let v = message.pointee.attributes.msVersion { msVersion = v }
        let key = Self.key(message.pointee.header)
        switch cls {
        case .request:
            if mayRemember(key), remembered(key) != nil {
                // A retransmission: the same transaction, timed from its first request.
                retransmissions &+= 1
            } else {
                if pendingKey[pendingNext] != 0 && !pendingAnswered[pendingNext] { unansweredEvicted &+= 1 }
                pendingKey[pendingNext] = key
                pendingTime[pendingNext] = timestamp
                pendingAnswered[pendingNext] = false
                keysThisLap |= Self.filterBit(key)
                pendingNext = (pendingNext &+ 1) % Self.pendingSlots
                if pendingNext == 0 {
                    keysLastLap = keysThisLap
                    keysThisLap = 0
                }
            }
            if method == .allocate { allocateRequests &+= 1 }
            if method == .refresh {
                refreshes &+= 1
                if message.pointee.attributes.lifetime == 0 { released = true }
            }
        case .successResponse, .errorResponse:
            // The first response answers the transaction; those to its retransmissions do not again.
            if let i = answering(key), !pendingAnswered[i] {
                pendingAnswered[i] = true
                matched &+= 1
                let sample = max(0, timestamp &- pendingTime[i])
                rttMin = min(rttMin, sample)
                rttMax = max(rttMax, sample)
                if rttCount < Self.rttSlots { rtt[rttCount] = sample }
                rttCount &+= 1
            }
            if cls == .errorResponse {
                noteError(message.pointee.attributes.errorCode ?? 0)
                if method == .allocate {
                    if message.pointee.attributes.errorCode == 401 { allocateChallenges &+= 1 } else { allocateFailures &+= 1 }
                }
            } else {
                if let a = message.pointee.attributes.anyMappedAddress {
                    mapped = a
                    mappedFromOrig = fromOriginator
                }
                if let r = message.pointee.attributes.xorRelayedAddress {
                    relayed = r
                    clientIsResponder = fromOriginator
                }
                if method == .allocate {
                    allocateSuccesses &+= 1
                    if let l = message.pointee.attributes.lifetime { lifetime = l }
                }
                if method == .allocate || method == .refresh, let l = message.pointee.attributes.lifetime {
                    grantedAt = timestamp
                    grantedLifetime = l
                    if l == 0 { released = true }
                }
            }
        case .indication:
            break
        }
        if method == .channelBind, cls == .request, let ch = message.pointee.attributes.channelNumber,
           let peer = message.pointee.attributes.xorPeerAddress {
            bind(ch, peer)
        }
    }

    private mutating func noteError(_ code: UInt16) {
        for i in 0..<Self.errorSlots {
            if errorCount[i] == 0 { errorCode[i] = code }
            if errorCode[i] == code {
                errorCount[i] &+= 1
                return
            }
        }
        otherErrors &+= 1
    }

    private mutating func bind(_ ch: UInt16, _ peer: STUNAddress) {
        for i in 0..<channels where channel[i] == ch {
            channelPeer[i] = peer.ip
            channelPeerPort[i] = peer.port
            return
        }
        guard channels < Self.channelSlots else { return }
        channel[channels] = ch
        channelPeer[channels] = peer.ip
        channelPeerPort[channels] = peer.port
        channels &+= 1
    }

    mutating func recordChannelData(bytes: Int, channel ch: UInt16? = nil) {
        channelDataPackets &+= 1
        channelDataBytes &+= bytes
        // Attribute the packet to the peer its channel is bound to (ChannelBind, RFC 8656 §12).
        if let ch {
            for i in 0..<channels where channel[i] == ch {
                channelPackets[i] &+= 1
                return
            }
        }
    }

    /// The peer channel `ch` is bound to (ChannelBind's XOR-PEER-ADDRESS), nil when unbound.
    func peer(channel ch: UInt16) -> STUNAddress? {
        for i in 0..<channels where channel[i] == ch {
            return STUNAddress(ip: channelPeer[i], port: channelPeerPort[i], family: channelPeer[i].isIPv4Mapped ? 1 : 2)
        }
        return nil
    }

    /// The real ends of media relayed on this flow (RFC 8656 §2): the client's relayed address
    /// (XOR-RELAYED-ADDRESS) and `peer`, as receiver and sender of a packet sent in direction
    /// `fromOriginator` (the client sends towards the peer; the peer's packets arrive at the
    /// relayed address). Either is nil when unknown.
    func relayedEnds(peer: STUNAddress?, fromOriginator: Bool) -> (receiver: STUNAddress?, sender: STUNAddress?) {
        fromOriginator != clientIsResponder ? (peer, relayed) : (relayed, peer)
    }

    /// The remembered transaction with this key.
    @inline(__always)
    private func remembered(_ key: UInt64) -> Int? {
        for i in 0..<Self.pendingSlots where pendingKey[i] == key { return i }
        return nil
    }

    /// The remembered transaction a response with this key answers: the newest request first
    /// (a response most often follows its request), then `remembered` if the filter lets it.
    /// Mutating (it changes nothing): non-mutating, its read of the newest key copied the whole
    /// state first.
    @inline(__always)
    private mutating func answering(_ key: UInt64) -> Int? {
        let newest = (pendingNext &- 1) & (Self.pendingSlots &- 1)
        if pendingKey[newest] == key { return newest }
        return mayRemember(key) ? remembered(key) : nil
    }

    /// False when no remembered transaction has this key (its filter bit is in neither lap's
    /// word); true when one may have it.
    @inline(__always)
    func mayRemember(_ key: UInt64) -> Bool { (keysThisLap | keysLastLap) & Self.filterBit(key) != 0 }

    /// A key's bit in `keysThisLap` and `keysLastLap`: one of 64, by its top six bits (the key's
    /// multiply spreads every bit of the transaction id there).
    @inline(__always)
    static func filterBit(_ key: UInt64) -> UInt64 { 1 &<< (key &>> 58) }

    /// Transactions never answered (still pending at the end, or pushed out of the table): those
    /// pushed out, and the remembered ones (every slot once a lap is done, `keysLastLap` then not
    /// 0; the first `pendingNext` before) less those answered. Only a remembered slot is ever
    /// answered, and its flags, bytes of 0 or 1, are summed as two words: the sum of the bytes
    /// of their sum (at most 2 each) is the product's top byte. Inlined: a report reads it from
    /// frozen counters in place, which a call would copy first.
    @inline(__always) var unanswered: Int {
        let remembered = keysLastLap != 0 ? Self.pendingSlots : pendingNext
        let answered = pendingAnswered.span.withUnsafeBufferPointer { flags in
            let words = UnsafeRawPointer(flags.baseAddress.unsafelyUnwrapped)
            let pairs = words.loadUnaligned(as: UInt64.self) &+ words.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            return Int(truncatingIfNeeded: (pairs &* 0x0101_0101_0101_0101) &>> 56)
        }
        return unansweredEvicted &+ remembered &- answered
    }

    @inline(__always) func count(_ method: STUNMethod, _ cls: STUNClass) -> Int {
        let slot = Int(method.rawValue) * 4 + Int(cls.rawValue)
        return slot < 64 ? Int(counts.span[slot]) : 0
    }

    /// A non-zero key for a transaction id (with the cookie, for RFC 3489's 128-bit ids).
    static func key(_ h: STUNHeader) -> UInt64 {
        var x = UInt64(h.cookie) << 32 | UInt64(h.transactionID.0)
        x = (x ^ (UInt64(h.transactionID.1) << 32 | UInt64(h.transactionID.2))) &* 0x9E37_79B9_7F4A_7C15
        return x | 1
    }
}

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
    /// field by field (about 570 instructions a flow). Its bits are all zero, so a block cut from
    /// a newly mapped chunk is not written at all (`HeapValue.made(_:zeroed:in:)`).
    nonisolated(unsafe) static let fresh = UnsafePointer.kept(STUNFlowStats())

    // What every message reads and writes first, in the state's first 64 bytes (its pool's
    // blocks start on a cache line, `StateArena.stun`), the remembered transactions in the next
    // four lines, the counts by method and class in the four after. What only some messages
    // touch (RTT samples, errors, addresses, the allocation, channels, ICE) lies after those.
    // Every field's initial value is zero bits (`fresh`).
    var messages = 0
    /// Transactions answered (the first response to each), each an RTT sample (`rttCount`).
    var matched = 0
    /// The least RTT sample, once `matched` is not 0 (0 before).
    var rttMin = Int64(0)
    var rttMax = Int64(0)
    /// Transactions started (requests not retransmitted): the next is remembered in slot
    /// `pendingNext`, and those not answered are `unanswered`.
    var started = 0
    /// The filter bits (`filterBit`) of the keys written since `pendingNext` last came back to 0,
    /// and of those written in the lap before: every remembered key's bit is in one of the two,
    /// so a key whose bit is in neither is not remembered, and a new request is known new
    /// without comparing it with all sixteen keys (`mayRemember`).
    var keysThisLap: UInt64 = 0
    var keysLastLap: UInt64 = 0
    /// Bit i: the transaction in slot i was answered.
    var answered: UInt16 = 0
    /// One bit per method with a message in `counts` (bit `STUNMethod.rawValue`): the report
    /// visits those methods alone (`AppReport.STUN.write`), not all sixteen.
    var methodsSeen: UInt16 = 0
    var msTURN = false
    var released = false
    /// The TURN client is the flow's responder: the response that gave `relayed` came from the
    /// originator (false until then: the client is taken to be the originator).
    var clientIsResponder = false
    /// The remembered transactions, slot i's key (`key(_:)`, never 0; 0 for a slot never
    /// written) at 2i and its first request's time (an `Int64`'s bits) at 2i + 1: side by side, so
    /// a request and its response touch one line of the four.
    var transactions = InlineArray<32, UInt64>(repeating: 0)
    /// counts[method * 4 + class]
    var counts = InlineArray<64, UInt32>(repeating: 0)

    var malformed = 0
    /// Requests that repeated the transaction id of a remembered transaction (RFC 8489 §6.2.1).
    var retransmissions = 0
    var rtt = InlineArray<64, Int64>(repeating: 0)

    var errorCode = InlineArray<8, UInt16>(repeating: 0)
    var errorCount = InlineArray<8, UInt32>(repeating: 0)
    var otherErrors = 0

    /// The addresses, family 0 while none was read (a read one is of family 1 or 2).
    private var mappedAddress = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var relayedAddress = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)

    var allocateRequests = 0
    var allocateChallenges = 0
    var allocateSuccesses = 0
    var allocateFailures = 0
    var refreshes = 0
    /// When the allocation was last granted or refreshed, in capture time (`hasGrant`), and for
    /// how long (s).
    private var grantedTime = Int64(0)
    var grantedLifetime: UInt32 = 0
    private var lifetimeValue: UInt32 = 0
    private var msVersionValue: UInt32 = 0
    /// Which of `lifetimeValue`, `msVersionValue` and `grantedTime` hold a value (`Has`).
    private var has: UInt8 = 0

    var channel = InlineArray<8, UInt16>(repeating: 0)
    var channelPeer = InlineArray<8, IPAddress>(repeating: IPAddress(hi: 0, lo: 0))
    var channelPeerPort = InlineArray<8, UInt16>(repeating: 0)
    var channelPackets = InlineArray<8, UInt32>(repeating: 0)
    var channels = 0
    var channelDataPackets = 0
    var channelDataBytes = 0
    /// The ICE sessions of its connectivity checks (USERNAME ufrag pairs of Binding requests).
    var ice = ICEPairs()

    /// The bits of `has`.
    private enum Has {
        static let lifetime: UInt8 = 1
        static let msVersion: UInt8 = 2
        static let grant: UInt8 = 4
    }

    // The optional fields' reads are inlined: a report reads them from frozen state in place,
    // which a call would copy first (as `unanswered`).

    /// The last mapped address a success response gave (XOR-MAPPED-ADDRESS or MAPPED-ADDRESS).
    @inline(__always) var mapped: STUNAddress? { mappedAddress.family != 0 ? mappedAddress : nil }
    /// The last XOR-RELAYED-ADDRESS a success response gave.
    @inline(__always) var relayed: STUNAddress? { relayedAddress.family != 0 ? relayedAddress : nil }
    /// The allocation's LIFETIME, from the last Allocate success that gave one.
    @inline(__always) var lifetime: UInt32? { has & Has.lifetime != 0 ? lifetimeValue : nil }
    /// MS-TURN's MS-VERSION, the last one read.
    @inline(__always) var msVersion: UInt32? { has & Has.msVersion != 0 ? msVersionValue : nil }
    /// When the allocation was last granted or refreshed, in capture time.
    @inline(__always) var grantedAt: Int64? { has & Has.grant != 0 ? grantedTime : nil }

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
        if let v = message.pointee.attributes.msVersion {
            msVersionValue = v
            has |= Has.msVersion
        }
        let key = Self.key(message.pointee.header)
        switch cls {
        case .request:
            if mayRemember(key), remembered(key) != nil {
                // A retransmission: the same transaction, timed from its first request.
                retransmissions &+= 1
            } else {
                let next = pendingNext
                transactions[next &* 2] = key
                transactions[next &* 2 &+ 1] = UInt64(bitPattern: timestamp)
                answered &= ~(1 &<< UInt16(truncatingIfNeeded: next))
                keysThisLap |= Self.filterBit(key)
                started &+= 1
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
            if let i = answering(key), answered & (1 &<< UInt16(truncatingIfNeeded: i)) == 0 {
                answered |= 1 &<< UInt16(truncatingIfNeeded: i)
                let sample = max(0, timestamp &- Int64(bitPattern: transactions[i &* 2 &+ 1]))
                rttMin = matched == 0 ? sample : min(rttMin, sample)
                rttMax = max(rttMax, sample)
                if matched < Self.rttSlots { rtt[matched] = sample }
                matched &+= 1
            }
            if cls == .errorResponse {
                noteError(message.pointee.attributes.errorCode ?? 0)
                if method == .allocate {
                    if message.pointee.attributes.errorCode == 401 { allocateChallenges &+= 1 } else { allocateFailures &+= 1 }
                }
            } else {
                if let a = message.pointee.attributes.anyMappedAddress { mappedAddress = a }
                if let r = message.pointee.attributes.xorRelayedAddress {
                    relayedAddress = r
                    clientIsResponder = fromOriginator
                }
                if method == .allocate {
                    allocateSuccesses &+= 1
                    if let l = message.pointee.attributes.lifetime {
                        lifetimeValue = l
                        has |= Has.lifetime
                    }
                }
                if method == .allocate || method == .refresh, let l = message.pointee.attributes.lifetime {
                    grantedTime = timestamp
                    grantedLifetime = l
                    has |= Has.grant
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

    /// The remembered transaction with this key, its keys read where they lie: read by
    /// subscript in the loop (or the state read by a non-mutating method), the 256 bytes of
    /// `transactions` were copied for each read.
    @inline(__always)
    private mutating func remembered(_ key: UInt64) -> Int? {
        withUnsafeMutablePointer(to: &transactions) { ring in
            let words = UnsafeRawPointer(ring)
            for i in 0..<Self.pendingSlots where words.load(fromByteOffset: i &* 16, as: UInt64.self) == key { return i }
            return nil
        }
    }

    /// The remembered transaction a response with this key answers: the newest request first
    /// (a response most often follows its request), then `remembered` if the filter lets it.
    /// Mutating (it changes nothing): non-mutating, its read of the newest key copied the whole
    /// state first.
    @inline(__always)
    private mutating func answering(_ key: UInt64) -> Int? {
        let newest = (started &- 1) & (Self.pendingSlots &- 1)
        if transactions[newest &* 2] == key { return newest }
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

    /// The slot the next new transaction is remembered in (0-15).
    @inline(__always) var pendingNext: Int { started & (Self.pendingSlots &- 1) }

    /// RTT samples taken: one for each transaction answered.
    @inline(__always) var rttCount: Int { matched }

    /// Transactions never answered (still pending at the end, or pushed out of the table): each
    /// started one is answered once or never, and only while remembered.
    @inline(__always) var unanswered: Int { started &- matched }

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

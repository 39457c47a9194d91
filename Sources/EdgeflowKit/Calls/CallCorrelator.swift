/// Ties the RTP streams of ended flows into calls (runs as flows end; nothing per packet).
///
/// The same SSRC on two flows whose spans overlap is one stream relayed twice; flows tied that
/// way, with every stream they carry, are one call. A flow's streams wait for partners until
/// the capture clock (the last packet of the latest flow handed in) is more than `window` +
/// `lag` past the last packet of every flow of their group (`lag`: how long after its last
/// packet a flow may end and be handed in, so a UDP leg that ends by idle timeout still finds
/// its partner); the group is then finished: a call when some stream of it crossed two flows or
/// two of its flows carried the checks of one ICE session (a USERNAME ufrag pair), or a
/// plaintext SIP flow's SDP named the address and port of one of its flows; dropped otherwise. At most `capacity` streams wait; the streams of a flow beyond that are
/// not correlated and counted in `overflow`.
struct CallCorrelator {
    /// How long a group waits after its last packet (capture time): relayed legs of one stream
    /// end within moments of each other.
    static let defaultWindow: Int64 = 60_000_000_000
    static let defaultCapacity = 65_536
    /// A flow's part: its uid, span and confirmed RTP streams with their quality; its two ends,
    /// the TURN allocation it made and the ICE ufrag pairs of its checks, when any.
    struct Flow {
        var uid: String
        var first: Int64
        var last: Int64
        /// The confirmed RTP streams and each one's quality, as the flow's report part holds them
        /// (the arrays shared, not copied): its call legs (`legs`) are made of them only when it
        /// is in a call, not for every flow handed in (an array of legs allocated and each
        /// stream copied into it, 1,400 instructions a flow of the 5M capture, which has no call).
        var streams: [AppReport.RTPStream]
        var quality: [RTPStreamQuality]
        var ends: (Call.Endpoint, Call.Endpoint)? = nil
        var allocation: Call.Allocation? = nil
        /// Normalised "a:b" ufrag pairs (`ICEPairs`).
        var ice: [String] = []
        /// A SIP flow's SDP media sections.
        var sdp: [SDPMedia] = []

        /// What it costs against `capacity`: its streams, or one for a flow without any.
        var cost: Int { max(1, streams.count) }

        /// Its streams as the legs of a call.
        var legs: [Call.Leg] {
            streams.indices.map { Call.Leg(uid: uid, stream: streams[$0], quality: quality[$0], flowFirst: first) }
        }
    }

    private struct Group {
        var flows: [Int]
        var last: Int64
        /// A stream of it crossed two flows, two of its flows share an ICE session, or SDP named
        /// one of its flows: a call.
        var relayed = false
    }

    let window: Int64
    /// How long after its last packet a flow may be handed in (`FlowSettings.longestEndDelay`).
    let lag: Int64
    let capacity: Int
    /// Streams not correlated because `capacity` streams were waiting.
    private(set) var overflow = 0
    private var flows: [Int: Flow] = [:]
    private var groupOf: [Int: Int] = [:]
    private var groups: [Int: Group] = [:]
    /// Waiting flows by the SSRCs of their streams (the latest `WaitingFlows.capacity` per key in each index).
    private var bySSRC: [UInt32: WaitingFlows] = [:]
    /// Waiting flows by each of their ends, and allocations by relayed address.
    private var byEnd: [Call.Endpoint: WaitingFlows] = [:]
    private var byRelayed: [Call.Endpoint: WaitingFlows] = [:]
    /// Waiting flows by the ICE ufrag pairs of their checks.
    private var byICE: [String: WaitingFlows] = [:]
    /// Waiting SIP flows by the address and port of each of their SDP media sections.
    private var bySDP: [Call.Endpoint: WaitingFlows] = [:]
    private var waiting = 0
    private var nextID = 0
    private var now = Int64.min
    /// When each group becomes due, earliest first; an entry is stale when its group is gone
    /// or has since seen a later packet (its `last` grew).
    private var dueTimes = DueHeap()

    init(window: Int64 = Self.defaultWindow, lag: Int64 = 0, capacity: Int = Self.defaultCapacity) {
        self.window = window
        self.lag = lag
        self.capacity = capacity
    }

    /// Makes room at once for about `count` more flows with streams (those still live when input
    /// ends: `ClassificationStage.expectMedia`), at most `capacity`: grown from empty as they come,
    /// the flows' table and the indexes were each rehashed a dozen times (12 M instructions for the
    /// 5M capture's 6,017 such flows). Nothing else changes: no index is iterated in an order a
    /// report shows.
    mutating func reserve(flows count: Int) {
        let n = min(count, capacity)
        guard n > 0 else { return }
        flows.reserveCapacity(flows.count &+ n)
        groupOf.reserveCapacity(groupOf.count &+ n)
        groups.reserveCapacity(groups.count &+ n)
        bySSRC.reserveCapacity(bySSRC.count &+ n)
        // A flow's two ends; an allocation's relayed address; an ICE session.
        byEnd.reserveCapacity(byEnd.count &+ 2 &* n)
        byRelayed.reserveCapacity(byRelayed.count &+ n)
        byICE.reserveCapacity(byICE.count &+ n)
    }

    /// When a group whose last packet was at `last` is finished.
    private func dueTime(_ last: Int64) -> Int64 { satAdd(satAdd(last, window), lag) }

    /// Takes an ended flow's streams (none: only the clock moves on): they join the waiting
    /// groups they tie to, then, when `advancing`, the clock moves on to the flow's last
    /// packet; calls it finishes go to `emit`. Flows handed in at the end of input do not
    /// advance it (they come in creation order, not end order).
    mutating func add(_ flow: Flow, advancing: Bool = true, _ emit: (Call) -> Void) {
        defer { if advancing { advance(to: flow.last, emit) } }
        guard !flow.streams.isEmpty || !flow.ice.isEmpty || !flow.sdp.isEmpty else { return }
        guard waiting + flow.cost <= capacity else { overflow += flow.streams.count; return }
        let id = nextID
        nextID += 1
        flows[id] = flow
        waiting += flow.cost
        groupOf[id] = id
        groups[id] = Group(flows: [id], last: flow.last)
        dueTimes.push(dueTime(flow.last), id)
        for stream in flow.streams {
            let ssrc = stream.ssrc
            for other in bySSRC[ssrc] ?? WaitingFlows() where other != id {
                guard let o = flows[other], o.first <= flow.last, flow.first <= o.last else { continue }
                merge(groupOf[other]!, groupOf[id]!)
                groups[groupOf[id]!]!.relayed = true
            }
            bySSRC[ssrc, default: WaitingFlows()].note(id)
        }
        tieAllocations(id, flow)
        tieICE(id, flow)
        tieSDP(id, flow)
    }

    /// Ties a SIP flow to the waiting flows with an end its SDP named, and a flow to the SIP
    /// flows whose SDP named one of its ends. Signalling and media need not overlap: each
    /// may end up to `window` before the other starts (UDP SIP flows end by idle timeout).
    private mutating func tieSDP(_ id: Int, _ flow: Flow) {
        func tie(_ other: Int) {
            guard other != id, let o = flows[other], o.first <= satAdd(flow.last, window), flow.first <= satAdd(o.last, window) else { return }
            merge(groupOf[other]!, groupOf[id]!)
            groups[groupOf[id]!]!.relayed = true
        }
        if let (a, b) = flow.ends {
            // Each end in turn (no array of the two made per flow).
            for other in bySDP[a] ?? WaitingFlows() { tie(other) }
            for other in bySDP[b] ?? WaitingFlows() { tie(other) }
        }
        for m in flow.sdp {
            let end = Call.Endpoint(ip: m.ip, port: m.port)
            for other in byEnd[end] ?? WaitingFlows() { tie(other) }
            bySDP[end, default: WaitingFlows()].note(id)
        }
    }

    /// Ties the flow to the waiting flows, overlapping it in time, that carried checks of one of
    /// its ICE sessions.
    private mutating func tieICE(_ id: Int, _ flow: Flow) {
        for pair in flow.ice {
            for other in byICE[pair] ?? WaitingFlows() where other != id {
                guard let o = flows[other], o.first <= flow.last, flow.first <= o.last else { continue }
                merge(groupOf[other]!, groupOf[id]!)
                groups[groupOf[id]!]!.relayed = true
            }
            byICE[pair, default: WaitingFlows()].note(id, again: true)
        }
    }

    /// Ties the flow to an allocation whose relayed address and peer are its ends, and an
    /// allocation it made to the flows between its relayed address and a peer.
    private mutating func tieAllocations(_ id: Int, _ flow: Flow) {
        func tie(_ other: Int) {
            guard let o = flows[other], o.first <= flow.last, flow.first <= o.last else { return }
            merge(groupOf[other]!, groupOf[id]!)
        }
        if let (a, b) = flow.ends {
            // Each end as a relayed address, the other as its peer (no array of the two pairs made per flow).
            for other in byRelayed[a] ?? WaitingFlows() where flows[other]?.allocation?.peers.contains(b) == true { tie(other) }
            for other in byRelayed[b] ?? WaitingFlows() where flows[other]?.allocation?.peers.contains(a) == true { tie(other) }
            byEnd[a, default: WaitingFlows()].note(id, again: true)
            byEnd[b, default: WaitingFlows()].note(id, again: true)
        }
        if let alloc = flow.allocation {
            for other in byEnd[alloc.relayed] ?? WaitingFlows() where other != id {
                guard let (a, b) = flows[other]?.ends else { continue }
                if alloc.peers.contains(a == alloc.relayed ? b : a) { tie(other) }
            }
            byRelayed[alloc.relayed, default: WaitingFlows()].note(id, again: true)
        }
    }

    /// Moves the capture clock to `t` (never back) and finishes the groups it leaves behind.
    mutating func advance(to t: Int64, _ emit: (Call) -> Void) {
        guard t > now else { return }
        now = t
        var ripe: [Int] = []
        while let (due, g) = dueTimes.first, due < now {
            dueTimes.removeFirst()
            // Stale: merged away, finished, or waiting longer since.
            guard let group = groups[g], dueTime(group.last) == due else { continue }
            ripe.append(g)
        }
        if !ripe.isEmpty { finish(ripe, emit) }
    }

    /// Input is over: every group is finished. Each is read where it is and the indexes are
    /// dropped whole, not emptied flow by flow (a dictionary access or two per index entry).
    mutating func finish(_ emit: (Call) -> Void) {
        var calls: [Call] = []
        for group in groups.values where group.relayed { calls.append(Self.call(group.flows.compactMap { flows[$0] })) }
        (flows, groupOf, groups, bySSRC) = ([:], [:], [:], [:])
        (byEnd, byRelayed, byICE, bySDP) = ([:], [:], [:], [:])
        waiting = 0
        dueTimes = DueHeap()
        Self.emit(calls, emit)
    }

    /// Joins two groups, the smaller into the larger.
    private mutating func merge(_ x: Int, _ y: Int) {
        guard x != y, let gx = groups[x], let gy = groups[y] else { return }
        let (a, b) = gx.flows.count >= gy.flows.count ? (x, y) : (y, x)
        guard var ga = groups[a], let gb = groups.removeValue(forKey: b) else { return }
        for f in gb.flows { groupOf[f] = a }
        ga.flows += gb.flows
        if gb.last > ga.last {
            ga.last = gb.last
            dueTimes.push(dueTime(ga.last), a)
        }
        ga.relayed = ga.relayed || gb.relayed
        groups[a] = ga
    }

    /// Removes the groups `ids` (and their flows from every index) and emits the calls among them, earliest first.
    private mutating func finish(_ ids: [Int], _ emit: (Call) -> Void) {
        var calls: [Call] = []
        for g in ids {
            guard let group = groups.removeValue(forKey: g) else { continue }
            var members: [Flow] = []
            for f in group.flows {
                guard let flow = flows.removeValue(forKey: f) else { continue }
                groupOf[f] = nil
                waiting -= flow.cost
                for pair in flow.ice {
                    byICE[pair]?.remove(f)
                    if byICE[pair]?.isEmpty == true { byICE[pair] = nil }
                }
                for m in flow.sdp {
                    let end = Call.Endpoint(ip: m.ip, port: m.port)
                    bySDP[end]?.remove(f)
                    if bySDP[end]?.isEmpty == true { bySDP[end] = nil }
                }
                for stream in flow.streams {
                    bySSRC[stream.ssrc]?.remove(f)
                    if bySSRC[stream.ssrc]?.isEmpty == true { bySSRC[stream.ssrc] = nil }
                }
                if let (a, b) = flow.ends {
                    for end in [a, b] {
                        byEnd[end]?.remove(f)
                        if byEnd[end]?.isEmpty == true { byEnd[end] = nil }
                    }
                }
                if let r = flow.allocation?.relayed {
                    byRelayed[r]?.remove(f)
                    if byRelayed[r]?.isEmpty == true { byRelayed[r] = nil }
                }
                members.append(flow)
            }
            if group.relayed { calls.append(Self.call(members)) }
        }
        Self.emit(calls, emit)
    }

    /// Emits finished calls, earliest first.
    private static func emit(_ calls: [Call], _ emit: (Call) -> Void) {
        for c in calls.sorted(by: { ($0.firstTimestamp, $0.id) < ($1.firstTimestamp, $1.id) }) { emit(c) }
    }

    /// The call of a finished group's flows: their legs grouped by SSRC, each stream's legs
    /// upstream first.
    static func call(_ members: [Flow]) -> Call {
        let ordered = members.sorted { ($0.first, $0.uid) < ($1.first, $1.uid) }
        var streams: [Call.Stream] = []
        for flow in ordered {
            for leg in flow.legs {
                if let i = streams.firstIndex(where: { $0.ssrc == leg.stream.ssrc }) {
                    streams[i].legs.append(leg)
                } else {
                    streams.append(Call.Stream(ssrc: leg.stream.ssrc, payloadType: leg.stream.payloadType, codec: leg.stream.codec, legs: [leg]))
                }
            }
        }
        // SDP media sections naming an end of one of the call's flows: the SIP ties, and the
        // rtpmaps of the flows they name.
        var sip: [Call.SIPTie] = []
        var mapsOf: [String: [SDPMedia]] = [:]
        for flow in ordered {
            for m in flow.sdp {
                let end = Call.Endpoint(ip: m.ip, port: m.port)
                let named = ordered.filter { f in f.ends.map { $0.0 == end || $0.1 == end } ?? false }
                guard !named.isEmpty else { continue }
                if !sip.contains(where: { $0.callID == m.callID && $0.uid == flow.uid }) { sip.append(Call.SIPTie(callID: m.callID, uid: flow.uid, fingerprint: m.fingerprint)) }
                for f in named { mapsOf[f.uid, default: []].append(m) }
            }
        }
        for i in streams.indices {
            streams[i].legs = upstreamFirst(streams[i].legs)
            if let up = streams[i].legs.first { (streams[i].payloadType, streams[i].codec) = (up.stream.payloadType, up.stream.codec) }
            // A dynamic payload type (RFC 3551 §3) takes its encoding and clock from the SDP.
            let pt = streams[i].payloadType
            if pt >= 96, pt <= 127 {
                streams[i].rtpmap = streams[i].legs.lazy.compactMap { leg in mapsOf[leg.uid]?.lazy.compactMap { $0.rtpmap(pt) }.first }.first
            }
        }
        var allocations: [Call.Allocation] = []
        for flow in ordered {
            guard var alloc = flow.allocation else { continue }
            alloc.peerFlows = ordered.filter { f in
                guard let (a, b) = f.ends else { return false }
                return (a == alloc.relayed && alloc.peers.contains(b)) || (b == alloc.relayed && alloc.peers.contains(a))
            }.map(\.uid)
            allocations.append(alloc)
        }
        var ice: [Call.ICESession] = []
        for flow in ordered {
            for pair in flow.ice {
                if let i = ice.firstIndex(where: { $0.ufrags == pair }) { ice[i].flows.append(flow.uid) } else { ice.append(Call.ICESession(ufrags: pair, flows: [flow.uid])) }
            }
        }
        let first = ordered.first!
        return Call(id: "V" + first.uid.dropFirst(), firstTimestamp: first.first,
                    lastTimestamp: members.map(\.last).max() ?? first.last, streams: streams, allocations: allocations, ice: ice, sip: sip)
    }

    /// A stream's legs in the order its packets cross them. The packet each leg saw last is
    /// placed by its RTP timestamp: the leg whose arrivals lag their media time least is
    /// upstream (a packet lost on one leg does not matter). Without a common clock rate, the
    /// leg whose flow began first is taken as upstream.
    static func upstreamFirst(_ legs: [Call.Leg]) -> [Call.Leg] {
        guard legs.count > 1 else { return legs }
        let clock = legs[0].stream.stats.lastClockRate
        let tie = { (a: Call.Leg, b: Call.Leg) in (a.flowFirst, a.uid) < (b.flowFirst, b.uid) }
        guard clock > 0, legs.allSatisfy({ $0.stream.stats.lastClockRate == clock }) else { return legs.sorted(by: tie) }
        let base = legs[0].stream.stats
        let baseRTP = lastRTPTimestamp(base)
        func lag(_ s: RTPStreamStats) -> Double {
            let media = Double(Int32(bitPattern: lastRTPTimestamp(s) &- baseRTP)) / Double(clock)
            return Double(s.previousArrival &- base.previousArrival) / 1e9 - media
        }
        return legs.map { ($0, lag($0.stream.stats)) }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : tie($0.0, $1.0) }.map(\.0)
    }

    /// The RTP timestamp of the last in-order packet with a clock (from the stream's nominal time).
    private static func lastRTPTimestamp(_ s: RTPStreamStats) -> UInt32 {
        let ticks = (s.previousNominal * Double(s.lastClockRate)).rounded()
        return s.firstTimestamp &+ UInt32(truncatingIfNeeded: Int64(ticks.isFinite ? min(max(ticks, -4e9), 4e9) : 0))
    }

    private func satAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (s, o) = a.addingReportingOverflow(b)
        return o ? .max : s
    }
}

/// A binary min-heap of (due time, group id): the groups the clock will finish next.
private struct DueHeap {
    private var items: [(Int64, Int)] = []

    var first: (Int64, Int)? { items.first }

    mutating func push(_ due: Int64, _ id: Int) {
        items.append((due, id))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func removeFirst() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && items[l] < items[m] { m = l }
            if r < items.count && items[r] < items[m] { m = r }
            guard m != i else { return }
            items.swapAt(i, m)
            i = m
        }
    }
}

/// Which shard tracks a packet, and when every shard sweeps its idle flows: decided by the
/// calling thread of a sharded run, which reads every packet, for all shards; the workers'
/// packets (and sweeps, SIP to note, ICMP errors to attribute) go into their batches.
struct ShardRouting {
    /// Which shard owns each of 64 hash buckets.
    let owner: [UInt8]
    /// Shards, the calling thread's included.
    let shards: Int
    /// When the next packet sweeps every shard (`sweep`).
    private(set) var sweepClock: SweepClock

    init(owner: [UInt8], sweepInterval: Int64) {
        self.owner = owner
        shards = Int(owner.max() ?? 0) + 1
        sweepClock = SweepClock(interval: sweepInterval)
    }

    /// The 64 buckets shared out so that the threads are busy alike while the capture is read
    /// (the live flows are classified at its end on the calling thread): the calling thread
    /// also reads every packet, finds its shard, hands it over and replays the shards' events
    /// (on the 5-million-packet capture of `Benchmarks/README.md` about 0.4 of one thread's CPU
    /// while reading, its read loop included), so it takes what is left of an even share after
    /// that: with 2 threads 21 of 64 buckets (where the two threads' CPU came out even,
    /// `Benchmarks/thread_cpu.py`), with 3 or more 1; the workers the rest in turn.
    static func owners(shards n: Int) -> [UInt8] {
        let own = n == 1 ? 64 : n == 2 ? 21 : 1
        return (0..<64).map { b in b < own ? 0 : UInt8(1 + (b - own) % max(1, n - 1)) }
    }

    /// The bucket (0..<64) of a decoded packet's flow: a hash of its 5-tuple that is the same
    /// both ways because the two ends' words are added (no ordering of the ends, no
    /// `FlowKey`). ICMP goes by its addresses and protocol only, as its `FlowKey` does.
    @inline(__always)
    static func bucket(of d: DecodedPacket) -> Int {
        let icmp = IPProtocol.isICMP(d.proto)
        return bucket(d.src, icmp ? 0 : d.srcPort, d.dst, icmp ? 0 : d.dstPort, proto: d.proto)
    }

    /// One multiply of the sum of the ends' words, its top 6 bits: every bit of either end
    /// reaches them. An IPv4 end's word is its `address << 16 | port` (the high word and the
    /// rotated-in bits of a mapped address are constants, folded away), so that a plain frame's
    /// bucket costs a dozen instructions (the calling thread finds one for every packet). Not
    /// seeded, so a sharded run splits its flows alike in every run.
    @inline(__always)
    private static func bucket(_ src: IPAddress, _ srcPort: UInt16, _ dst: IPAddress, _ dstPort: UInt16, proto: UInt8) -> Int {
        @inline(__always) func end(_ a: IPAddress, _ port: UInt16) -> UInt64 {
            (a.lo << 16 | a.lo >> 48) ^ UInt64(port) ^ (a.hi &* 0x9E37_79B9_7F4A_7C15)
        }
        let h = ((end(src, srcPort) &+ end(dst, dstPort)) ^ UInt64(proto)) &* 0xD6E8_FEB8_6659_FD93
        return Int(truncatingIfNeeded: h >> 58)
    }

    @inline(__always)
    private func shard(ofBucket b: Int) -> Int {
        Int(owner.withUnsafeBufferPointer { $0[b] })
    }

    /// The shard of a plain datagram's flow: the one `bucket(of:)` gives once it is decoded.
    @inline(__always)
    func shard(of u: PlainDatagram) -> Int {
        shard(ofBucket: Self.bucket(IPAddress(ipv4: u.src), u.srcPort, IPAddress(ipv4: u.dst), u.dstPort, proto: IPProtocol.udp))
    }

    /// Packet `index` (its captured `bytes`, time and `frame`), read by the calling thread (shard
    /// 0, whose flow table is `t` and whose events `w` notes), when it is not a plain datagram
    /// that cannot carry SIP (those `OwnShard.take` routes in place). Another frame of a
    /// worker's flow that cannot carry SIP (`PacketDecoder.plainTuple`) goes to the worker,
    /// which decodes it (or reads it as a `PlainSegment`); such a TCP frame of shard 0's is
    /// tracked here from its `PlainSegment`; any other packet is decoded here, and counted in `counts`
    /// (`CaptureSummary.countDecoded`) when its flow is shard 0's or it belongs to no flow. Then
    /// as `route`. It takes the packet's fields, not the `Packet`, which the reading loop would
    /// otherwise store for it at every packet.
    @inline(never)
    mutating func other(_ bytes: UnsafeRawBufferPointer, timestamp: Int64, frame: ShardItem.Frame, index: Int,
                        _ counts: inout CaptureSummary, _ w: ShardWorker, _ t: inout FlowTracker, _ out: ShardOutbox) {
        // The shard of any other plain frame, which is the one `bucket(of:)` gives once it is decoded.
        var known = -1
        if let p = PacketDecoder.plainTuple(bytes, linkType: frame.linkType) {
            known = shard(ofBucket: Self.bucket(IPAddress(ipv4: p.src), p.srcPort, IPAddress(ipv4: p.dst), p.dstPort, proto: p.proto))
            if !p.maybeSIP && known != 0 {
                out.put(known, ShardItem(.track(frame), bytes: bytes, timestamp: timestamp, index: index))
                if sweepClock.isDue(timestamp) { sweep(now: timestamp, bytes: bytes, index: index, w, &t, out) }
                return
            }
            // A plain TCP segment of shard 0's that cannot carry SIP: tracked here as one thread
            // tracks it (`FlowTracker.trackSegment`), with nothing to route but the sweep.
            if !p.maybeSIP && p.proto == IPProtocol.tcp, let s = PacketDecoder.plainSegment(bytes, linkType: frame.linkType) {
                w.track(s, timestamp: timestamp, bytes: bytes, index: index, &counts, &t)
                if sweepClock.isDue(timestamp) { sweep(now: timestamp, bytes: bytes, index: index, w, &t, out) }
                return
            }
        }
        var d = DecodedPacket()
        PacketDecoder.decode(bytes, originalLength: frame.originalLength, linkType: frame.linkType, into: &d)
        guard d.kind == .transport else {
            _ = counts.countDecoded(d)
            return
        }
        let s = known >= 0 ? known : shard(ofBucket: Self.bucket(of: d))
        if s == 0 {
            _ = counts.countDecoded(d)
            w.track(d, timestamp: timestamp, bytes: bytes, index: index, &t)
        } else {
            t.noteSIP(d, bytes: bytes)
            out.put(s, ShardItem(.track(frame), bytes: bytes, timestamp: timestamp, index: index))
        }
        route(bytes, timestamp: timestamp, frame: frame, d, index: index, of: s, w, &t, out)
    }

    /// Packet `index` (decoded as `d`, a flow's, of shard `s`), tracked by its shard: its SIP
    /// noted by every other shard (for the SDP book each keeps), an ICMP error attributed by the
    /// shard of the flow it quotes (when not the error's own), and a sweep of every shard where
    /// one thread would sweep.
    @inline(__always)
    private mutating func route(_ bytes: UnsafeRawBufferPointer, timestamp: Int64, frame: ShardItem.Frame, _ d: DecodedPacket,
                                index: Int, of s: Int, _ w: ShardWorker, _ t: inout FlowTracker, _ out: ShardOutbox) {
        if (s == 0 || shards > 2) && Self.maybeSIP(d, bytes) {
            for v in 1..<shards where v != s { out.put(v, ShardItem(.noteSIP(frame), bytes: bytes, timestamp: timestamp, index: index)) }
        }
        if IPProtocol.isICMP(d.proto), ICMPError.isError(proto: d.proto, type: d.srcPort),
           let q = try? ICMPError.quoted(in: bytes, d) {
            let quoted = shard(ofBucket: Self.bucket(of: q))
            if quoted != s {
                if quoted == 0 {
                    w.attributeICMPError(d, bytes: bytes, index: index, &t)
                } else {
                    out.put(quoted, ShardItem(.icmpError(frame), bytes: bytes, timestamp: timestamp, index: index))
                }
            }
        }
        if sweepClock.isDue(timestamp) { sweep(now: timestamp, bytes: bytes, index: index, w, &t, out) }
    }

    /// Whether `FlowTracker.noteSIP` may find SIP in a flow's packet (its cheap tests, or
    /// fewer): only such packets are handed to the shards that do not own the flow.
    @inline(__always)
    private static func maybeSIP(_ d: DecodedPacket, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard d.payloadLength > 0 else { return false }
        if d.proto == IPProtocol.udp {
            let p = d.capturedPayload(in: bytes)
            return p.count >= 8 && p.u8(0) &- 0x41 < 26
        }
        return d.proto == IPProtocol.tcp && (d.srcPort == 5060 || d.dstPort == 5060)
    }

    /// Whether a plain datagram may carry SIP (`FlowTracker.noteSIP`): a payload that begins with
    /// an upper-case letter (more packets than `maybeSIP(_:_:)` passes, never fewer).
    @inline(__always)
    static func maybeSIP(_ u: PlainDatagram, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let at = Int(u.payloadOffset)
        return u.payloadLength > 0 && at < bytes.count && bytes.u8(at) &- 0x41 < 26
    }

    /// Every shard sweeps at a packet where `sweepClock` is due and allows it (where one thread
    /// would sweep; when the clock went back, the live flows are estimated as the calling
    /// thread's times the shards): packet `index`, at `now`, whose `bytes` the sweep items carry.
    @inline(never)
    mutating func sweep(now: Int64, bytes: UnsafeRawBufferPointer, index: Int, _ w: ShardWorker, _ t: inout FlowTracker, _ out: ShardOutbox) {
        guard sweepClock.allows(now, index: index, liveFlows: t.liveFlows &* shards) else { return }
        sweepClock.swept(at: now)
        w.sweep(now: now, index: index, &t)
        for v in 1..<shards { out.put(v, ShardItem(.sweep, bytes: bytes, timestamp: now, index: index)) }
    }
}

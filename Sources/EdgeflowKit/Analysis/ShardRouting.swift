/// Which shard tracks a packet, and when every shard sweeps its idle flows: decided by each
/// shard's thread of a sharded run for itself, from the packet's bytes alone, so alike in all.
struct ShardRouting {
    /// Which shard owns each of 64 hash buckets.
    let owner: [UInt8]
    /// The shard whose thread this copy walks for.
    let me: Int
    let sweepInterval: Int64
    private var nextSweep = Int64.min

    init(owner: [UInt8], me: Int, sweepInterval: Int64) {
        self.owner = owner
        self.me = me
        self.sweepInterval = sweepInterval
    }

    /// The 64 buckets shared out so that the threads are busy alike while the capture is read
    /// (the live flows are classified at its end on a thread per table): every thread walks
    /// every packet, and the calling thread also replays the shards' events and adds the ended
    /// flows to the report (on the 5-million-packet capture of `Benchmarks/README.md` about the
    /// work of 15 buckets' flows), so it takes that much less than an even share: with 2
    /// threads 24 of 64 buckets, with 3 threads 11, with 4 threads 4, with more 1; the workers
    /// the rest in turn.
    static func owners(shards n: Int) -> [UInt8] {
        let own = n == 1 ? 64 : max(1, (64 - 15 * (n - 1)) / n)
        return (0..<64).map { b in b < own ? 0 : UInt8(1 + (b - own) % max(1, n - 1)) }
    }

    /// The bucket (0..<64) of a decoded packet's flow: a hash of its 5-tuple that is the same
    /// both ways because the two ends' hashes are added (no ordering of the ends, no
    /// `FlowKey`). ICMP goes by its addresses and protocol only, as its `FlowKey` does.
    @inline(__always)
    static func bucket(of d: DecodedPacket) -> Int {
        let icmp = IPProtocol.isICMP(d.proto)
        return bucket(d.src, icmp ? 0 : d.srcPort, d.dst, icmp ? 0 : d.dstPort, proto: d.proto)
    }

    @inline(__always)
    private static func bucket(_ src: IPAddress, _ srcPort: UInt16, _ dst: IPAddress, _ dstPort: UInt16, proto: UInt8) -> Int {
        @inline(__always) func end(_ a: IPAddress, _ port: UInt16) -> UInt64 {
            (a.lo ^ (a.hi &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(port) << 48)) &* 0xD6E8_FEB8_6659_FD93
        }
        var h = (end(src, srcPort) &+ end(dst, dstPort)) ^ UInt64(proto)
        h = (h ^ (h >> 32)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: h >> 58)
    }

    @inline(__always)
    private func shard(ofBucket b: Int) -> Int {
        Int(owner.withUnsafeBufferPointer { $0[b] })
    }

    /// Packet `index`, met by shard `me`'s thread (which walks every packet of the run, as every
    /// shard's does, and decides from its bytes alone what every other shard's decides: who
    /// owns it, where to sweep), whose flow table is `t` and whose events `w` notes. A plain
    /// frame that cannot carry SIP costs only `PacketDecoder.plainTuple` unless it is this
    /// shard's (tracked as one thread tracks it); any other packet is decoded. This shard
    /// tracks and counts its own flows' packets in `counts` (`CaptureSummary.countDecoded`;
    /// shard 0 also those of no flow), notes the SIP of other shards' flows (for the SDP book
    /// each keeps), attributes ICMP errors quoting its flows, and sweeps where one thread would.
    @inline(__always)
    mutating func walk(_ packet: Packet, index: Int, _ counts: inout CaptureSummary, _ w: ShardWorker, _ t: inout FlowTracker) {
        // The shard of a plain frame, which is the one `bucket(of:)` gives once it is decoded.
        guard let p = PacketDecoder.plainTuple(packet.bytes, linkType: packet.linkType) else {
            return walkDecoded(packet, index: index, known: -1, plain: false, &counts, w, &t)
        }
        let known = shard(ofBucket: Self.bucket(IPAddress(ipv4: p.src), p.srcPort, IPAddress(ipv4: p.dst), p.dstPort, proto: p.proto))
        // Another shard's plain frame: inlined in the walking loop, nothing but the sweep to decide.
        if known != me && !p.maybeSIP { return sweepIfDue(packet, index: index, w, &t) }
        walkDecoded(packet, index: index, known: known, plain: !p.maybeSIP, &counts, w, &t)
    }

    /// `walk` for any packet but another shard's plain frame that cannot carry SIP: `known` is
    /// the shard a plain frame's tuple names (-1 for another frame), `plain` whether it is one
    /// that cannot carry SIP. Not inlined, so that the loop of `walk` stays small.
    @inline(never)
    private mutating func walkDecoded(_ packet: Packet, index: Int, known: Int, plain: Bool, _ counts: inout CaptureSummary,
                                      _ w: ShardWorker, _ t: inout FlowTracker) {
        // This shard's datagram, as one thread tracks it (nothing to hand on: no SIP, no ICMP).
        if plain, let u = PacketDecoder.plainDatagram(packet.bytes, linkType: packet.linkType) {
            w.track(u, timestamp: packet.timestamp, bytes: packet.bytes, index: index, &counts, &t)
            return sweepIfDue(packet, index: index, w, &t)
        }
        var d = DecodedPacket()
        PacketDecoder.decode(packet.bytes, originalLength: packet.originalLength, linkType: packet.linkType, into: &d)
        guard d.kind == .transport else {
            // Counted once: by the shard a plain frame's tuple named, else by shard 0; swept
            // where the other shards, which did not decode it, swept.
            if known == me || (known < 0 && me == 0) { _ = counts.countDecoded(d) }
            if plain { sweepIfDue(packet, index: index, w, &t) }
            return
        }
        let s = known >= 0 ? known : shard(ofBucket: Self.bucket(of: d))
        if s == me {
            _ = counts.countDecoded(d)
            w.track(d, timestamp: packet.timestamp, bytes: packet.bytes, index: index, &t)
        } else if Self.maybeSIP(d, packet.bytes) {
            t.noteSIP(d, bytes: packet.bytes)
        }
        if IPProtocol.isICMP(d.proto), ICMPError.isError(proto: d.proto, type: d.srcPort),
           let q = try? ICMPError.quoted(in: packet.bytes, d), s != me, shard(ofBucket: Self.bucket(of: q)) == me {
            w.attributeICMPError(d, bytes: packet.bytes, index: index, &t)
        }
        sweepIfDue(packet, index: index, w, &t)
    }

    /// Whether `FlowTracker.noteSIP` may find SIP in a flow's packet (its cheap tests, or
    /// fewer): only such packets are noted by the shards that do not own the flow.
    @inline(__always)
    private static func maybeSIP(_ d: DecodedPacket, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard d.payloadLength > 0 else { return false }
        if d.proto == IPProtocol.udp {
            let p = d.capturedPayload(in: bytes)
            return p.count >= 8 && p.u8(0) &- 0x41 < 26
        }
        return d.proto == IPProtocol.tcp && (d.srcPort == 5060 || d.dstPort == 5060)
    }

    /// Every shard sweeps at a flow's packet where one thread would sweep (decided by timestamps
    /// alone, so at the same packet in every shard).
    @inline(__always)
    private mutating func sweepIfDue(_ packet: Packet, index: Int, _ w: ShardWorker, _ t: inout FlowTracker) {
        if packet.timestamp >= nextSweep { sweep(packet.timestamp, index: index, w, &t) }
    }

    @inline(never)
    private mutating func sweep(_ now: Int64, index: Int, _ w: ShardWorker, _ t: inout FlowTracker) {
        nextSweep = now &+ sweepInterval
        w.sweep(now: now, index: index, &t)
    }
}

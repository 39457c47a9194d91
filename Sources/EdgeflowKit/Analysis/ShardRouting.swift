/// Which shard tracks a packet, and when every shard sweeps its idle flows: decided alike
/// by every thread of a sharded run on the packets it reads itself, so that no packet is
/// handed between threads.
struct ShardRouting: Sendable {
    /// Which shard owns each of 64 hash buckets.
    let owner: [UInt8]
    let sweepInterval: Int64
    private var nextSweep = Int64.min

    init(owner: [UInt8], sweepInterval: Int64) {
        self.owner = owner
        self.sweepInterval = sweepInterval
    }

    /// The 64 buckets shared out: the calling thread, which also counts every packet's record,
    /// replays the shards' events and classifies the flows (work worth about a third of what
    /// tracking every flow costs, measured on the 5-million-packet capture of
    /// `Benchmarks/README.md`), takes what is left of an even share after that: with 2 threads
    /// 21 of 64 buckets, with 3 threads 7, with 4 or more 1; the workers the rest in turn.
    static func owners(shards n: Int) -> [UInt8] {
        let own = n == 1 ? 64 : max(1, 64 * (4 - n) / (3 * n))
        return (0..<64).map { b in b < own ? 0 : UInt8(1 + (b - own) % max(1, n - 1)) }
    }

    /// The bucket (0..<64) of a decoded packet's flow: a hash of its 5-tuple that is the same
    /// both ways because the two ends' hashes are added (no ordering of the ends, no
    /// `FlowKey`: every thread computes it for every packet). ICMP goes by its addresses and
    /// protocol only, as its `FlowKey` does.
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

    /// Packet `index` as shard `me` sees it. A packet of another shard's flow costs only
    /// `PacketDecoder.plainTuple` when it is a plain frame that cannot carry SIP; any other
    /// packet is decoded, and counted in `counts` (`CaptureSummary.countDecoded`) when its flow
    /// is this shard's, or by shard 0 when it belongs to no flow. Then as `route`.
    @inline(__always)
    mutating func take(_ packet: Packet, index: Int, shard me: Int, _ counts: inout CaptureSummary, _ w: ShardWorker, _ t: inout FlowTracker) {
        // The shard of a plain frame, which is the one `bucket(of:)` gives once it is decoded.
        var known = -1
        if let p = PacketDecoder.plainTuple(packet.bytes, linkType: packet.linkType) {
            known = shard(ofBucket: Self.bucket(IPAddress(ipv4: p.src), p.srcPort, IPAddress(ipv4: p.dst), p.dstPort, proto: p.proto))
            if known != me && !p.maybeSIP {
                sweepIfDue(packet.timestamp, index: index, w, &t)
                return
            }
        }
        var d = DecodedPacket()
        PacketDecoder.decode(packet.bytes, originalLength: packet.originalLength, linkType: packet.linkType, into: &d)
        guard d.kind == .transport else {
            if me == 0 { _ = counts.countDecoded(d) }
            return
        }
        route(packet, d, index: index, shard: me, of: known >= 0 ? known : shard(ofBucket: Self.bucket(of: d)), &counts, w, &t)
    }

    /// Packet `index` (decoded as `d`, a flow's, of shard `s`) as shard `me` sees it: counted
    /// and tracked when its flow is this shard's (else only its SIP read, for the SDP book every
    /// shard keeps), an ICMP error attributed when the flow it quotes is this shard's (and not
    /// the error's own), and a sweep where one thread would sweep.
    @inline(__always)
    private mutating func route(_ packet: Packet, _ d: DecodedPacket, index: Int, shard me: Int, of s: Int, _ counts: inout CaptureSummary,
                                _ w: ShardWorker, _ t: inout FlowTracker) {
        if s == me {
            _ = counts.countDecoded(d)
            w.track(d, timestamp: packet.timestamp, bytes: packet.bytes, index: index, &t)
        } else {
            t.noteSIP(d, bytes: packet.bytes)
        }
        if IPProtocol.isICMP(d.proto), ICMPError.isError(proto: d.proto, type: d.srcPort),
           let q = try? ICMPError.quoted(in: packet.bytes, d), shard(ofBucket: Self.bucket(of: q)) == me, s != me {
            w.attributeICMPError(d, bytes: packet.bytes, index: index, &t)
        }
        sweepIfDue(packet.timestamp, index: index, w, &t)
    }

    /// Sweeps at a flow's packet where one thread would sweep.
    @inline(__always)
    private mutating func sweepIfDue(_ now: Int64, index: Int, _ w: ShardWorker, _ t: inout FlowTracker) {
        if now >= nextSweep {
            nextSweep = now &+ sweepInterval
            w.sweep(now: now, index: index, &t)
        }
    }
}

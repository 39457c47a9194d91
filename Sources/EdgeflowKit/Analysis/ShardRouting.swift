/// Which shard tracks a packet, and when every shard sweeps its idle flows: decided alike
/// by every thread of a sharded run on the packets it reads itself, so that no packet is
/// handed between threads.
struct ShardRouting: Sendable {
    /// Which shard owns each of 64 hash buckets.
    let owner: [UInt8]
    let sweepInterval: Int64
    private var nextSweep = Int64.min

    static let hashSeed: UInt64 = 0x5AA5_D1CE_F00D_1234

    init(owner: [UInt8], sweepInterval: Int64) {
        self.owner = owner
        self.sweepInterval = sweepInterval
    }

    /// The 64 buckets shared out evenly, in turn (every thread reads and decodes every
    /// packet; the calling thread's extra work, counting packets and replaying, is small).
    static func owners(shards n: Int) -> [UInt8] {
        (0..<64).map { b in UInt8(b % n) }
    }

    @inline(__always)
    private func shard(of key: FlowKey) -> Int {
        Int(owner[Int(truncatingIfNeeded: key.hash(seed: Self.hashSeed) & 63)])
    }

    /// Packet `index` (decoded as `d`) as shard `me` sees it: tracked when its flow is this
    /// shard's, an ICMP error attributed when the flow it quotes is this shard's (and not the
    /// error's own), and a sweep where one thread would sweep.
    @inline(__always)
    mutating func route(_ packet: Packet, _ d: DecodedPacket, index: Int, shard me: Int, _ w: ShardWorker, _ t: inout FlowTracker) {
        let s = shard(of: FlowKey.of(d).key)
        if s == me { w.track(d, timestamp: packet.timestamp, bytes: packet.bytes, index: index, &t) }
        if IPProtocol.isICMP(d.proto), ICMPError.isError(proto: d.proto, type: d.srcPort),
           let q = try? ICMPError.quoted(in: packet.bytes, d), shard(of: FlowKey.of(q).key) == me, s != me {
            w.attributeICMPError(d, bytes: packet.bytes, index: index, &t)
        }
        if packet.timestamp >= nextSweep {
            nextSweep = packet.timestamp &+ sweepInterval
            w.sweep(now: packet.timestamp, index: index, &t)
        }
    }
}

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

    /// The 64 buckets shared out: the calling thread, which also counts every packet for the
    /// summary, replays the shards' events and classifies the flows, takes three eighths of
    /// an even share (with 2 threads, 12 of 64 buckets), the workers the rest in turn.
    static func owners(shards n: Int) -> [UInt8] {
        let own = n == 1 ? 64 : max(1, 64 * 3 / (8 * n))
        return (0..<64).map { b in b < own ? 0 : UInt8(1 + (b - own) % max(1, n - 1)) }
    }

    @inline(__always)
    private func shard(of key: FlowKey) -> Int {
        Int(owner[Int(truncatingIfNeeded: key.hash(seed: Self.hashSeed) & 63)])
    }

    /// Packet `index` (decoded as `d`) as shard `me` sees it: tracked when its flow is this
    /// shard's (else only its SIP read, for the SDP book every shard keeps), an ICMP error
    /// attributed when the flow it quotes is this shard's (and not the error's own), and a
    /// sweep where one thread would sweep.
    @inline(__always)
    mutating func route(_ packet: Packet, _ d: DecodedPacket, index: Int, shard me: Int, _ w: ShardWorker, _ t: inout FlowTracker) {
        let s = shard(of: FlowKey.of(d).key)
        if s == me { w.track(d, timestamp: packet.timestamp, bytes: packet.bytes, index: index, &t) } else { t.noteSIP(d, bytes: packet.bytes) }
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

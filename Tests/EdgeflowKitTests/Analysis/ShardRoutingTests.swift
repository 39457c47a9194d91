import Testing
@testable import EdgeflowKit

/// The buckets a sharded run splits its flows by (`ShardRouting.bucket(of:)`): the same both
/// ways, and spread evenly over the 64 buckets, whether flows differ in their addresses or only
/// in their ports (one client's many sockets to one relay port), so that each thread's share of
/// the flows is its share of the buckets.
@Suite("Shard routing")
struct ShardRoutingTests {
    /// A UDP or TCP packet's decoded 5-tuple.
    static func packet(_ src: UInt32, _ srcPort: UInt16, _ dst: UInt32, _ dstPort: UInt16, proto: UInt8 = IPProtocol.udp) -> DecodedPacket {
        var d = DecodedPacket()
        d.kind = .transport
        d.ipVersion = 4
        d.proto = proto
        d.src = IPAddress(ipv4: src)
        d.dst = IPAddress(ipv4: dst)
        d.srcPort = srcPort
        d.dstPort = dstPort
        return d
    }

    /// Per bucket, how many of `flows` fall in it.
    static func counts(_ flows: [DecodedPacket]) -> [Int] {
        var n = [Int](repeating: 0, count: 64)
        for d in flows { n[ShardRouting.bucket(of: d)] += 1 }
        return n
    }

    /// 12,800 flows: 200 a bucket on average; a uniform spread keeps every bucket within
    /// 200 ± 60 (4 standard deviations, about 14).
    static func even(_ n: [Int]) -> Bool { n.allSatisfy { (140...260).contains($0) } }

    @Test("flows between random ends, and one client's ports to one relay port, fill the 64 buckets evenly")
    func spread() {
        var state: UInt64 = 0x1234_5678
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let random = (0..<12_800).map { _ in
            Self.packet(UInt32(truncatingIfNeeded: next()), UInt16(truncatingIfNeeded: next()),
                        UInt32(truncatingIfNeeded: next()), UInt16(truncatingIfNeeded: next()))
        }
        #expect(Self.even(Self.counts(random)), "\(Self.counts(random))")
        // 10.0.0.1, ports 40000 on, to 52.112.0.1:3478; and 128 clients of a /24-like range with 100 ports each, to 443 over TCP.
        let ports = (0..<12_800).map { Self.packet(0x0A00_0001, UInt16(40_000 + $0), 0x3470_0001, 3478) }
        #expect(Self.even(Self.counts(ports)), "\(Self.counts(ports))")
        let clients = (0..<12_800).map { Self.packet(0xC0A8_0000 | UInt32($0 / 100), UInt16(50_000 + $0 % 100), 0x3470_0002, 443, proto: IPProtocol.tcp) }
        #expect(Self.even(Self.counts(clients)), "\(Self.counts(clients))")
    }

    /// The owners of the 64 buckets, written out from the rule of `ShardRouting.owners(shards:)`'s
    /// doc comment: one thread has them all; with 2 threads the calling thread (0) takes 21 of 64
    /// buckets (0..<21) and the worker (1) the other 43; with 3 or more the calling thread takes
    /// bucket 0 and the workers the rest in turn (1, 2, 1, 2, ... with 3; 1, 2, 3, 1, ... with 4).
    @Test("the owners of the 64 buckets with 1, 2, 3 and 4 threads")
    func owners() {
        let one = [UInt8](repeating: 0, count: 64)
        let two = [UInt8](repeating: 0, count: 21) + [UInt8](repeating: 1, count: 43)
        let three: [UInt8] = [0,
                              1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1,
                              2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2,
                              1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
        let four: [UInt8] = [0,
                             1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3,
                             1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3,
                             1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]
        #expect(three.count == 64 && four.count == 64)
        #expect(ShardRouting.owners(shards: 1) == one)
        #expect(ShardRouting.owners(shards: 2) == two)
        #expect(ShardRouting.owners(shards: 3) == three)
        #expect(ShardRouting.owners(shards: 4) == four)
        // Bucket 11 (the SIP flow of `ShardPlainSegmentTests.craftedCounts`): the calling thread's with 2, worker 1's with 3.
        #expect(two[11] == 0 && three[11] == 1)
    }

    /// The bucket of one 5-tuple worked out apart, by a Python transcription of the formula of
    /// `ShardRouting.bucket` (an IPv4 end's word `(lo << 16 | lo >> 48) ^ port` with `lo` =
    /// `0xFFFF_0000_0000 | address`, `hi` = 0; the two words added, xor the protocol, times
    /// 0xD6E8_FEB8_6659_FD93, the top 6 bits):
    /// 10.0.0.1:40002 → 0xFFFF_0A00_0001_9C42, 10.0.0.9:5060 → 0xFFFF_0A00_0009_13C4; their sum
    /// 0xFFFE_1400_000A_B006, xor 6 (TCP) 0xFFFE_1400_000A_B000, times the constant
    /// 0x2EFC_41E1_C613_1000, whose top 6 bits (0x2E >> 2) are 11.
    @Test("the SIP flow of the crafted connections, 10.0.0.1:40002 to 10.0.0.9:5060 over TCP, is in bucket 11 both ways")
    func knownBucket() {
        let out = Self.packet(0x0A00_0001, 40_002, 0x0A00_0009, 5060, proto: IPProtocol.tcp)
        let back = Self.packet(0x0A00_0009, 5060, 0x0A00_0001, 40_002, proto: IPProtocol.tcp)
        #expect(ShardRouting.bucket(of: out) == 11 && ShardRouting.bucket(of: back) == 11)
    }

    @Test("a flow's two ways share a bucket; ICMP goes by its addresses alone")
    func bothWays() {
        let a = Self.packet(0x0A00_0001, 50_000, 0x3470_0001, 3478)
        let b = Self.packet(0x3470_0001, 3478, 0x0A00_0001, 50_000)
        #expect(ShardRouting.bucket(of: a) == ShardRouting.bucket(of: b))
        let echo = Self.packet(0x0A00_0001, 8, 0x3470_0001, 0, proto: IPProtocol.icmp)
        let reply = Self.packet(0x3470_0001, 0, 0x0A00_0001, 0, proto: IPProtocol.icmp)
        #expect(ShardRouting.bucket(of: echo) == ShardRouting.bucket(of: reply))
    }
}

/// A bidirectional 5-tuple in canonical order: the smaller (address, port) pair is `a`,
/// so both directions of a conversation give the same key.
public struct FlowKey: Hashable, Sendable, BitwiseCopyable {
    public var a: IPAddress
    public var b: IPAddress
    /// `aPort << 16 | bPort` and `proto << 8 | ipVersion`: a key is compared as four 64-bit
    /// words and two small ones, and stays 38 bytes (a `FlowRecord` fills the rest of its 40).
    private var ports: UInt32
    private var protoAndVersion: UInt16

    public var aPort: UInt16 {
        get { UInt16(truncatingIfNeeded: ports >> 16) }
        set { ports = UInt32(newValue) << 16 | ports & 0xFFFF }
    }
    public var bPort: UInt16 {
        get { UInt16(truncatingIfNeeded: ports) }
        set { ports = ports & 0xFFFF_0000 | UInt32(newValue) }
    }
    public var proto: UInt8 {
        get { UInt8(truncatingIfNeeded: protoAndVersion >> 8) }
        set { protoAndVersion = UInt16(newValue) << 8 | protoAndVersion & 0xFF }
    }
    public var ipVersion: UInt8 {
        get { UInt8(truncatingIfNeeded: protoAndVersion) }
        set { protoAndVersion = protoAndVersion & 0xFF00 | UInt16(newValue) }
    }

    /// The ports, protocol and IP version in one word, as both hashes take them.
    @inline(__always)
    private var rest: UInt64 { UInt64(ports) << 16 | UInt64(protoAndVersion) }

    /// A key from its parts; use `of(_:)` for a packet's canonical key.
    @inline(__always)
    public init(a: IPAddress, b: IPAddress, aPort: UInt16, bPort: UInt16, proto: UInt8, ipVersion: UInt8) {
        self.a = a
        self.b = b
        ports = UInt32(aPort) << 16 | UInt32(bPort)
        protoAndVersion = UInt16(proto) << 8 | UInt16(ipVersion)
    }

    /// The key of a decoded packet and whether its source is end `a`. ICMP packets are keyed
    /// by address pair only (their "ports" are type and code).
    @inline(__always)
    public static func of(_ d: DecodedPacket) -> (key: FlowKey, sourceIsA: Bool) {
        let icmp = IPProtocol.isICMP(d.proto)
        let sp = icmp ? 0 : d.srcPort, dp = icmp ? 0 : d.dstPort
        let srcFirst = d.src.hi != d.dst.hi ? d.src.hi < d.dst.hi
            : d.src.lo != d.dst.lo ? d.src.lo < d.dst.lo : sp <= dp
        if srcFirst {
            return (FlowKey(a: d.src, b: d.dst, aPort: sp, bPort: dp, proto: d.proto, ipVersion: d.ipVersion), true)
        }
        return (FlowKey(a: d.dst, b: d.src, aPort: dp, bPort: sp, proto: d.proto, ipVersion: d.ipVersion), false)
    }

    /// The flow table's hash of the key, under the table's secret words. An IPv4 key's: one
    /// folded 64 × 64 → 128-bit multiply of its ends as (address, port) words (`ipv4TableHash`),
    /// which a plain datagram's path computes from the frame's fields with no key built first.
    /// Any other key's: three folds (each end's address, then both with the ports and protocol),
    /// the ends' folds added back at the end. Every operand of every multiply carries a secret
    /// word, so without the secret no chosen key can zero an operand or make a word drop out of
    /// the product (a known operand lets a chosen other end cancel whole bits of the address).
    @inline(__always)
    public func tableHash(_ secret: TableSecret) -> UInt64 {
        if ipVersion == 4 {
            return Self.ipv4TableHash(a: UInt64(a.ipv4Value) << 16 | UInt64(aPort), b: UInt64(b.ipv4Value) << 16 | UInt64(bPort),
                                      proto: proto, secret)
        }
        let x = Self.fold(a.hi ^ secret.w0, a.lo ^ secret.w1)
        let y = Self.fold(b.hi ^ secret.w2, b.lo ^ secret.w3)
        return Self.fold(x ^ rest ^ secret.w4, y ^ secret.w5) ^ x ^ y
    }

    /// `tableHash` of an IPv4 key whose ends are `a` and `b` as `address << 16 | port` (48 bits
    /// each). Neither operand is ever zero (the secret words' top bits are set, and the ends
    /// have 48 bits), and both are unknown to whoever chose the ends.
    @inline(__always)
    static func ipv4TableHash(a: UInt64, b: UInt64, proto: UInt8, _ secret: TableSecret) -> UInt64 {
        fold(a ^ secret.w0, b ^ UInt64(proto) << 48 ^ secret.w1)
    }

    /// The words `tableHash` mixes into each operand: drawn from one seed (SplitMix64), each
    /// with its top bit set.
    public struct TableSecret: Sendable, BitwiseCopyable, Equatable {
        let w0, w1, w2, w3, w4, w5: UInt64

        public init(seed: UInt64) {
            var state = seed
            func next() -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return (z ^ (z >> 31)) | 1 << 63
            }
            w0 = next(); w1 = next(); w2 = next(); w3 = next(); w4 = next(); w5 = next()
        }
    }

    /// The high and low words of `x × y` folded into one.
    @inline(__always)
    private static func fold(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let p = x.multipliedFullWidth(by: y)
        return p.high ^ p.low
    }

    /// A seeded multiply-xorshift hash of the key's words (the flows' uid is made from it).
    @inline(__always)
    public func hash(seed: UInt64) -> UInt64 {
        var h = seed
        @inline(__always) func mix(_ w: UInt64) {
            h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
        }
        mix(a.hi); mix(a.lo); mix(b.hi); mix(b.lo)
        mix(rest)
        h = (h ^ (h >> 32)) &* 0xD6E8_FEB8_6659_FD93
        return h ^ (h >> 32)
    }

    @inline(__always)
    public static func == (l: FlowKey, r: FlowKey) -> Bool {
        l.a.lo == r.a.lo && l.b.lo == r.b.lo && l.a.hi == r.a.hi && l.b.hi == r.b.hi
            && l.ports == r.ports && l.protoAndVersion == r.protoAndVersion
    }
}

import CPcap
import Testing
@testable import EdgeflowKit

/// The fanout program (`FanoutGroup.program`) run by a classic BPF interpreter written here
/// from the BPF instruction set (bpf(4), Linux's Documentation/networking/filter.rst), on
/// network headers built here, against the flow rule the README states: the XOR of the
/// addresses and, for TCP and UDP (a first fragment too), of the ports, times 0x9E3779B1,
/// its upper 16 bits; VXLAN and later fragments by the addresses alone.
@Suite("Fanout program")
struct FanoutProgramTests {
    /// Runs `program` on a packet whose network header starts at `net[0]` (SKF_NET_OFF loads);
    /// nil when the program reads past the packet (the kernel then returns 0) or uses an opcode
    /// this interpreter does not know.
    static func run(_ program: [bpf_insn], _ net: [UInt8]) -> UInt32? {
        let base: UInt32 = 0xFFF0_0000
        var a: UInt32 = 0, x: UInt32 = 0
        var m = [UInt32](repeating: 0, count: 16)
        var pc = 0
        func load(_ at: UInt32, _ size: Int) -> UInt32? {
            guard at >= base else { return nil }
            let o = Int(at - base)
            guard o + size <= net.count else { return nil }
            return net[o..<(o + size)].reduce(0) { $0 << 8 | UInt32($1) }
        }
        while pc < program.count {
            let i = program[pc]
            pc += 1
            switch i.code {
            case 0x20: guard let v = load(i.k, 4) else { return nil }; a = v
            case 0x28: guard let v = load(i.k, 2) else { return nil }; a = v
            case 0x30: guard let v = load(i.k, 1) else { return nil }; a = v
            case 0x40: guard let v = load(x &+ i.k, 4) else { return nil }; a = v
            case 0x02: m[Int(i.k)] = a
            case 0x60: a = m[Int(i.k)]
            case 0x07: x = a
            case 0x24: a = a &* i.k
            case 0x54: a &= i.k
            case 0x64: a <<= i.k
            case 0x74: a >>= i.k
            case 0xAC: a ^= x
            case 0x05: pc += Int(i.k)
            case 0x15: pc += Int(a == i.k ? i.jt : i.jf)
            case 0x45: pc += Int(a & i.k != 0 ? i.jt : i.jf)
            case 0x06: return i.k
            case 0x16: return a
            default: return nil
            }
        }
        return nil
    }

    /// The README's rule, computed here.
    static func expected(_ words: [UInt32]) -> UInt32 {
        (words.reduce(0, ^) &* 0x9E37_79B1) >> 16
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }

    /// An IPv4 header (`ihl` words) with `proto`, the fragment field, then 8 bytes of transport.
    static func ipv4(_ src: UInt32, _ dst: UInt32, proto: UInt8, sport: UInt16, dport: UInt16, fragment: UInt16 = 0, ihl: UInt8 = 5) -> [UInt8] {
        var h: [UInt8] = [0x40 | ihl, 0] + be16(28) + [0, 1] + be16(fragment) + [64, proto, 0, 0] + be32(src) + be32(dst)
        h += [UInt8](repeating: 0, count: Int(ihl - 5) * 4)
        return h + be16(sport) + be16(dport) + [0, 8, 0, 0]
    }

    static func ipv6(_ src: [UInt32], _ dst: [UInt32], next: UInt8, sport: UInt16, dport: UInt16, fragmentOffset: UInt16? = nil) -> [UInt8] {
        var h: [UInt8] = [0x60, 0, 0, 0] + be16(16) + [fragmentOffset == nil ? next : 44, 64]
        h += src.flatMap(be32) + dst.flatMap(be32)
        if let off = fragmentOffset { h += [next, 0] + be16(off << 3 | 1) + be32(0x1234) }
        return h + be16(sport) + be16(dport) + [0, 8, 0, 0]
    }

    let program = FanoutGroup.program

    @Test("IPv4 TCP and UDP, with and without IP options: the rule's value, the same both ways")
    func ipv4Symmetric() throws {
        for proto: UInt8 in [6, 17] {
            for ihl: UInt8 in [5, 7] {
                let ab = try #require(Self.run(program, Self.ipv4(0x0A00_0001, 0x3470_0010, proto: proto, sport: 50_123, dport: 3478, ihl: ihl)))
                let ba = try #require(Self.run(program, Self.ipv4(0x3470_0010, 0x0A00_0001, proto: proto, sport: 3478, dport: 50_123, ihl: ihl)))
                #expect(ab == ba)
                #expect(ab == Self.expected([0x0A00_0001, 0x3470_0010, 50_123, 3478]))
            }
        }
    }

    @Test("an IPv4 first fragment goes with its flow; a later fragment by its addresses alone")
    func ipv4Fragments() throws {
        let whole = try #require(Self.run(program, Self.ipv4(0xC0A8_0001, 0xC0A8_0002, proto: 17, sport: 53, dport: 40_000)))
        let first = try #require(Self.run(program, Self.ipv4(0xC0A8_0001, 0xC0A8_0002, proto: 17, sport: 53, dport: 40_000, fragment: 0x2000)))
        let later = try #require(Self.run(program, Self.ipv4(0xC0A8_0001, 0xC0A8_0002, proto: 17, sport: 1, dport: 2, fragment: 0x00B9)))
        #expect(first == whole)
        #expect(later == Self.expected([0xC0A8_0001, 0xC0A8_0002]))
    }

    @Test("VXLAN (UDP 4789) either way and ICMP: by the addresses alone")
    func tunnelsAndOthers() throws {
        let out = try #require(Self.run(program, Self.ipv4(0x0A00_0001, 0x0A00_0002, proto: 17, sport: 61_000, dport: 4789)))
        let back = try #require(Self.run(program, Self.ipv4(0x0A00_0002, 0x0A00_0001, proto: 17, sport: 4789, dport: 55_555)))
        let icmp = try #require(Self.run(program, Self.ipv4(0x0A00_0001, 0x0A00_0002, proto: 1, sport: 0x0800, dport: 7)))
        #expect(out == Self.expected([0x0A00_0001, 0x0A00_0002]))
        #expect(back == out && icmp == out)
    }

    @Test("IPv6 TCP and UDP, and a first fragment (fragment header): the rule's value both ways; a later fragment by addresses")
    func ipv6() throws {
        let a: [UInt32] = [0x2001_0DB8, 0, 0, 1], b: [UInt32] = [0x2603_1063, 0, 0x10, 0x20]
        let addresses = Self.expected(a + b)
        for next: UInt8 in [6, 17] {
            let ab = try #require(Self.run(program, Self.ipv6(a, b, next: next, sport: 50_001, dport: 5061)))
            let ba = try #require(Self.run(program, Self.ipv6(b, a, next: next, sport: 5061, dport: 50_001)))
            let first = try #require(Self.run(program, Self.ipv6(a, b, next: next, sport: 50_001, dport: 5061, fragmentOffset: 0)))
            #expect(ab == ba && first == ab)
            #expect(ab == Self.expected(a + b + [50_001, 5061]))
        }
        let later = try #require(Self.run(program, Self.ipv6(a, b, next: 17, sport: 1, dport: 2, fragmentOffset: 100)))
        #expect(later == addresses)
    }

    @Test("not IP: the first socket")
    func notIP() {
        #expect(Self.run(program, [0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01]) == 0)
    }
}

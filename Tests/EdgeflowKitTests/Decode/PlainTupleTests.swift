import Foundation
import Testing
@testable import EdgeflowKit

@Suite("Plain tuple: a sharded run's routing without decoding")
struct PlainTupleTests {
    static func tuple(_ frame: [UInt8], linkType: LinkType = .ethernet) -> PlainTuple? {
        frame.withUnsafeBytes { PacketDecoder.plainTuple($0, linkType: linkType) }
    }

    @Test("Ethernet, IPv4, UDP and TCP: the addresses and ports written into the frame")
    func plainFrames() throws {
        let u = try #require(Self.tuple(Frames.udp4("10.1.2.3", 50000, "52.112.7.9", 3478, payload: [0, 1, 0, 0])))
        #expect(u.src == 0x0A01_0203 && u.dst == 0x3470_0709 && u.srcPort == 50000 && u.dstPort == 3478)
        #expect(u.proto == 17 && !u.maybeSIP)
        let t = try #require(Self.tuple(Frames.tcp4("192.0.2.1", 443, "198.51.100.2", 61000, flags: 0x18, payload: [0x17, 3, 3])))
        #expect(t.src == 0xC000_0201 && t.dst == 0xC633_6402 && t.srcPort == 443 && t.dstPort == 61000 && t.proto == 6 && !t.maybeSIP)
    }

    @Test("SIP perhaps: a UDP payload from 'A' to 'Z', or TCP to or from 5060")
    func maybeSIP() {
        #expect(Self.tuple(Frames.udp4("10.0.0.1", 5062, "10.0.0.2", 5062, payload: Array("INVITE sip:a@b SIP/2.0\r\n".utf8)))?.maybeSIP == true)
        #expect(Self.tuple(Frames.udp4("10.0.0.1", 5062, "10.0.0.2", 5062, payload: Array("ZZ".utf8)))?.maybeSIP == true)
        #expect(Self.tuple(Frames.udp4("10.0.0.1", 5062, "10.0.0.2", 5062, payload: Array("@[".utf8)))?.maybeSIP == false)
        #expect(Self.tuple(Frames.udp4("10.0.0.1", 5062, "10.0.0.2", 5062, payload: []))?.maybeSIP == false)
        #expect(Self.tuple(Frames.tcp4("10.0.0.1", 40000, "10.0.0.2", 5060, flags: 0x10))?.maybeSIP == true)
    }

    @Test("one 802.1Q tag: the same tuple, 4 bytes on, for UDP and TCP")
    func oneTag() throws {
        let u = Frames.udp(sport: 50000, dport: 3478, payload: Array("Z".utf8))
        let ip = Frames.ipv4Header(src: "10.1.2.3", dst: "52.112.7.9", proto: 17, payloadLength: u.count)
        let tagged = try #require(Self.tuple(Frames.ethernet(type: 0x0800, vlans: [(0x8100, 7)]) + ip + u))
        #expect(tagged.src == 0x0A01_0203 && tagged.dst == 0x3470_0709 && tagged.srcPort == 50000 && tagged.dstPort == 3478)
        #expect(tagged.proto == 17 && tagged.maybeSIP)
        let t = Frames.tcp(sport: 40000, dport: 5060, seq: 1, ack: 0, flags: 0x18, payload: [1])
        let tip = Frames.ipv4Header(src: "192.0.2.1", dst: "198.51.100.2", proto: 6, payloadLength: t.count)
        let segment = try #require(Self.tuple(Frames.ethernet(type: 0x0800, vlans: [(0x8100, 100)]) + tip + t))
        #expect(segment.src == 0xC000_0201 && segment.dst == 0xC633_6402 && segment.srcPort == 40000 && segment.dstPort == 5060)
        #expect(segment.proto == 6 && segment.maybeSIP)
        // Cut inside the tagged IPv4 header: none.
        #expect(Self.tuple(Array((Frames.ethernet(type: 0x0800, vlans: [(0x8100, 7)]) + ip + u).prefix(37))) == nil)
    }

    @Test("every other frame is left to the decoder: two VLAN tags or an 802.1ad one, fragments, a length beyond the frame or 0, VXLAN, ICMP, IPv6, another link type")
    func otherFrames() {
        let u = Frames.udp(sport: 1000, dport: 2000, payload: [1, 2, 3, 4])
        let ip = Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count)
        #expect(Self.tuple(Frames.ethernet(type: 0x0800) + ip + u) != nil)
        #expect(Self.tuple(Frames.ethernet(type: 0x0800, vlans: [(0x8100, 7), (0x8100, 8)]) + ip + u) == nil)
        #expect(Self.tuple(Frames.ethernet(type: 0x0800, vlans: [(0x88A8, 7)]) + ip + u) == nil)
        #expect(Self.tuple(Frames.ethernet(type: 0x0800) + ip + u, linkType: .linuxSLL) == nil)
        #expect(Self.tuple(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count, moreFragments: true) + u) == nil)
        #expect(Self.tuple(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count, fragmentOffset: 8) + u) == nil)
        #expect(Self.tuple(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count, totalLengthOverride: 200) + u) == nil)
        #expect(Self.tuple(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count, totalLengthOverride: 0) + u) == nil)
        #expect(Self.tuple(Frames.udp4("10.0.0.1", 1000, "10.0.0.2", 4789, payload: [8, 0, 0, 0, 0, 0, 1, 0])) == nil)
        #expect(Self.tuple(Frames.ethernet(type: 0x0800) + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 1, payloadLength: 8)
            + [3, 3, 0, 0, 0, 0, 0, 0]) == nil)
        #expect(Self.tuple(Frames.ethernet(type: 0x86DD) + Frames.ipv6Header(src: "2001:db8::1", dst: "2001:db8::2", next: 17, payloadLength: u.count) + u) == nil)
    }

    /// Every packet of every bundled capture: where a tuple is read, the decoder gives a flow
    /// packet with the same 5-tuple, no anomaly and no tunnel, and the bucket of both ways is one.
    @Test("on every bundled capture the tuple is what the decoder finds, and a flow's two ways share a bucket")
    func agreesWithTheDecoder() throws {
        let captures = try FileManager.default.subpathsOfDirectory(atPath: repositoryRoot + "/Captures")
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }
        var plain = 0
        for name in captures {
            guard var reader = try? MappedCaptureReader(path: repositoryRoot + "/Captures/" + name) else { continue }
            while let p = reader.next() {
                let d = PacketDecoder.decode(p.bytes, originalLength: p.originalLength, linkType: p.linkType)
                guard let t = PacketDecoder.plainTuple(p.bytes, linkType: p.linkType) else { continue }
                plain += 1
                #expect(d.kind == .transport && d.anomaly == nil && d.tunnel == .none && !d.isFragment && d.ipVersion == 4, "\(name) #\(p.number)")
                #expect(d.src == IPAddress(ipv4: t.src) && d.dst == IPAddress(ipv4: t.dst) && d.srcPort == t.srcPort
                        && d.dstPort == t.dstPort && d.proto == t.proto, "\(name) #\(p.number)")
                var back = d
                (back.src, back.dst, back.srcPort, back.dstPort) = (d.dst, d.src, d.dstPort, d.srcPort)
                #expect(ShardRouting.bucket(of: back) == ShardRouting.bucket(of: d), "\(name) #\(p.number)")
            }
        }
        #expect(plain > 1000)
    }
}

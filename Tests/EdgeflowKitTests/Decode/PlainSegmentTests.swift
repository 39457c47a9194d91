import Foundation
import Testing
@testable import EdgeflowKit

@Suite("Plain segment: one thread's Ethernet/IPv4/TCP frames without the general decode")
struct PlainSegmentTests {
    static func segment(_ frame: [UInt8], linkType: LinkType = .ethernet) -> PlainSegment? {
        frame.withUnsafeBytes { PacketDecoder.plainSegment($0, linkType: linkType) }
    }

    @Test("the addresses, ports, header fields and lengths written into the frame")
    func plainFrame() throws {
        let s = try #require(Self.segment(Frames.tcp4("192.0.2.1", 443, "198.51.100.2", 61000, flags: 0x18, seq: 0x8000_0001,
                                                      ack: 0x1234_5678, window: 0, payload: [0x03, 0x00, 0x00, 0x02, 0xAA, 0xBB])))
        #expect(s.src == 0xC000_0201 && s.dst == 0xC633_6402 && s.srcPort == 443 && s.dstPort == 61000)
        #expect(s.seq == 0x8000_0001 && s.flags == 0x18 && s.window == 0)
        // 14 bytes of Ethernet, 20 of IPv4, 20 of TCP, then 6 of payload: 46 at the IP layer.
        #expect(s.ipLength == 46 && s.payloadOffset == 54 && s.payloadLength == 6)
        // 12 bytes of TCP options (data offset 8): the payload starts 12 bytes later.
        let t = Frames.tcp(sport: 5061, dport: 40000, seq: 7, ack: 0, flags: 0x02, options: [UInt8](repeating: 1, count: 12))
        let o = try #require(Self.segment(Frames.ethernet(type: 0x0800) + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 6,
                                                                                              payloadLength: t.count) + t))
        #expect(o.payloadOffset == 66 && o.payloadLength == 0 && o.ipLength == 52 && o.flags == 0x02 && o.seq == 7)
        // IPv4 options (4 bytes) move the TCP header.
        let opt = try #require(Self.segment(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 6, payloadLength: t.count, options: [1, 1, 1, 0]) + t))
        #expect(opt.srcPort == 5061 && opt.dstPort == 40000 && opt.payloadOffset == 70 && opt.ipLength == 56)
        // One 802.1Q tag: the same fields, 4 bytes on.
        let v = try #require(Self.segment(Frames.ethernet(type: 0x0800, vlans: [(0x8100, 7)])
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 6, payloadLength: t.count) + t))
        #expect(v.src == 0x0A00_0001 && v.dst == 0x0A00_0002 && v.srcPort == 5061 && v.dstPort == 40000 && v.seq == 7 && v.flags == 0x02)
        #expect(v.payloadOffset == 70 && v.payloadLength == 0 && v.ipLength == 52)
    }

    @Test("every other frame is left to the decoder: UDP, two VLAN tags or an 802.1ad one, fragments, lengths beyond the frame or 0, a TCP header cut or in padding, a data offset below 20 or past the datagram, IPv6, another link type")
    func otherFrames() {
        let t = Frames.tcp(sport: 1000, dport: 443, seq: 1, ack: 0, flags: 0x18, payload: [1, 2, 3, 4])
        let ip = Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 6, payloadLength: t.count)
        #expect(Self.segment(Frames.ethernet(type: 0x0800) + ip + t) != nil)
        #expect(Self.segment(Frames.udp4("10.0.0.1", 1000, "10.0.0.2", 2000)) == nil)
        #expect(Self.segment(Frames.ethernet(type: 0x0800, vlans: [(0x8100, 7)]) + ip + t) != nil)
        #expect(Self.segment(Frames.ethernet(type: 0x0800, vlans: [(0x88A8, 7), (0x8100, 8)]) + ip + t) == nil)
        #expect(Self.segment(Frames.ethernet(type: 0x0800, vlans: [(0x88A8, 7)]) + ip + t) == nil)
        #expect(Self.segment(Frames.ethernet(type: 0x0800, vlans: [(0x8100, 7)]) + ip + t, linkType: .linuxSLL) == nil)
        // Tagged, cut inside the TCP header (57 of 58 bytes before the payload).
        #expect(Self.segment(Array((Frames.ethernet(type: 0x0800, vlans: [(0x8100, 7)]) + ip + t).prefix(57))) == nil)
        #expect(Self.segment(Frames.ethernet(type: 0x0800) + ip + t, linkType: .linuxSLL) == nil)
        #expect(Self.segment(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 6, payloadLength: t.count, moreFragments: true) + t) == nil)
        #expect(Self.segment(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 6, payloadLength: t.count, fragmentOffset: 8) + t) == nil)
        #expect(Self.segment(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 6, payloadLength: t.count, totalLengthOverride: 200) + t) == nil)
        #expect(Self.segment(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 6, payloadLength: t.count, totalLengthOverride: 0) + t) == nil)
        // The IP length holds 19 bytes of the TCP header: the rest lies in the frame's padding.
        #expect(Self.segment(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 6, payloadLength: t.count, totalLengthOverride: 39) + t) == nil)
        // Cut inside the TCP header (53 of 54 bytes before the payload).
        #expect(Self.segment(Array((Frames.ethernet(type: 0x0800) + ip + t).prefix(53))) == nil)
        var low = t, past = t
        low[12] = 4 << 4    // 16 bytes
        past[12] = 7 << 4   // 28 bytes, past the 24-byte datagram
        #expect(Self.segment(Frames.ethernet(type: 0x0800) + ip + low) == nil)
        #expect(Self.segment(Frames.ethernet(type: 0x0800) + ip + past) == nil)
        #expect(Self.segment(Frames.ethernet(type: 0x86DD) + Frames.ipv6Header(src: "2001:db8::1", dst: "2001:db8::2", next: 6, payloadLength: t.count) + t) == nil)
    }

    /// Every packet of every bundled capture: where a plain segment is read, its fields are what
    /// the decoder gives.
    @Test("on every bundled capture the segment is what the decoder finds")
    func agreesWithTheDecoder() throws {
        let captures = try FileManager.default.subpathsOfDirectory(atPath: repositoryRoot + "/Captures")
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }
        var plain = 0, withPayload = 0
        for name in captures {
            guard var reader = try? MappedCaptureReader(path: repositoryRoot + "/Captures/" + name) else { continue }
            while let p = reader.next() {
                let d = PacketDecoder.decode(p.bytes, originalLength: p.originalLength, linkType: p.linkType)
                guard let s = PacketDecoder.plainSegment(p.bytes, linkType: p.linkType) else {
                    // What is left to the decoder is not an untagged (or once 802.1Q-tagged),
                    // unfragmented IPv4 TCP frame, captured whole, with a total length (not 0 as
                    // offloading leaves it).
                    let l = Int(d.l3Offset)
                    let whole = p.linkType == .ethernet && d.kind == .transport && d.proto == IPProtocol.tcp && d.ipVersion == 4
                        && (l == 14 || l == 18 && p.bytes.be16(12) == 0x8100) && d.anomaly == nil && d.tunnel == .none
                        && Int(d.ipLength) <= p.bytes.count - l && p.bytes.be16(l + 2) != 0 && p.bytes.be16(l + 6) & 0x3FFF == 0
                    #expect(!whole, "\(name) #\(p.number)")
                    continue
                }
                plain += 1
                if s.payloadLength > 0 { withPayload += 1 }
                #expect(d.kind == .transport && d.anomaly == nil && d.tunnel == .none && d.tunnelDepth == 0 && !d.isFragment, "\(name) #\(p.number)")
                #expect(d.ipVersion == 4 && d.proto == IPProtocol.tcp && d.l3Offset == (p.bytes.be16(12) == 0x8100 ? 18 : 14) && d.src == IPAddress(ipv4: s.src)
                        && d.dst == IPAddress(ipv4: s.dst) && d.srcPort == s.srcPort && d.dstPort == s.dstPort && d.ipLength == s.ipLength
                        && d.payloadOffset == s.payloadOffset && d.payloadLength == s.payloadLength, "\(name) #\(p.number)")
                #expect(d.tcpFlags == s.flags && d.tcpWindow == s.window && d.seq == s.seq, "\(name) #\(p.number)")
                // The payload is all captured.
                #expect(d.capturedPayload(in: p.bytes).count == Int(s.payloadLength), "\(name) #\(p.number)")
            }
        }
        #expect(plain > 1000 && withPayload > 500)
    }
}

import Testing
@testable import EdgeflowKit

@Suite("Packet decoder")
struct PacketDecoderTests {
    @Test("Ethernet, IPv4 with options, TCP with options")
    func ipv4TCP() {
        let mss: [UInt8] = [2, 4, 0x05, 0xB4, 1, 1, 4, 2]
        let t = Frames.tcp(sport: 50123, dport: 5061, seq: 7, ack: 9, flags: 0x18, options: mss, payload: [0x16, 3, 3, 0, 5])
        let ip = Frames.ipv4Header(src: "203.0.113.10", dst: "52.112.1.5", proto: 6, payloadLength: t.count, options: [1, 1, 1, 0])
        let d = decode(Frames.ethernet(type: 0x0800) + ip + t)
        #expect(d.kind == .transport)
        #expect(d.src == IPAddress("203.0.113.10") && d.dst == IPAddress("52.112.1.5"))
        #expect(d.srcPort == 50123 && d.dstPort == 5061 && d.seq == 7 && d.ack == 9 && d.tcpFlags == 0x18)
        #expect(d.l3Offset == 14)
        #expect(d.payloadOffset == 14 + 24 + 28 && d.payloadLength == 5)
        #expect(d.ipLength == Int32(24 + t.count))
    }

    @Test("802.1ad and 802.1Q stacks are walked; too deep a stack is an error")
    func vlanStacks() {
        let u = Frames.udp(sport: 1, dport: 2, payload: [9])
        let ip = Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count)
        let qinq = Frames.ethernet(type: 0x0800, vlans: [(0x88A8, 100), (0x8100, 200), (0x8100, 300)]) + ip + u
        let d = decode(qinq)
        #expect(d.kind == .transport && d.l3Offset == 26 && d.payloadLength == 1)
        let deep = Frames.ethernet(type: 0x0800, vlans: Array(repeating: (0x8100, 1), count: 9)) + ip + u
        #expect(decode(deep).kind == .error && decode(deep).error == .vlanTooDeep)
    }

    @Test("malformed IPv4 and transport headers are named")
    func malformed() {
        let u = Frames.udp(sport: 1, dport: 2, payload: [1, 2])
        var ip = Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count)
        ip[0] = 0x44
        #expect(decode(Frames.ethernet(type: 0x0800) + ip + u).error == .ipv4BadHeaderLength)
        #expect(decode(Frames.ethernet(type: 0x0800) + [0x45, 0, 0]).error == .ipv4Truncated)
        #expect(decode([0, 1, 2]).error == .linkTruncated)

        let badTCP = Frames.tcp(sport: 1, dport: 2, seq: 0, ack: 0, flags: 2)
        var t = badTCP
        t[12] = 0x40
        let tip = Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 6, payloadLength: t.count)
        #expect(decode(Frames.ethernet(type: 0x0800) + tip + t).error == .tcpBadDataOffset)

        let shortUDP = Frames.udp(sport: 1, dport: 2, payload: [1], lengthOverride: 4)
        let uip = Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: shortUDP.count)
        #expect(decode(Frames.ethernet(type: 0x0800) + uip + shortUDP).error == .udpBadLength)
    }

    @Test("a transport header the IP length leaves out, in the Ethernet padding of a 60-byte frame, is truncated (tshark shows no UDP/TCP layer)")
    func headerInPadding() {
        let pad = { (f: [UInt8]) in f + [UInt8](repeating: 0, count: max(0, 60 - f.count)) }
        let u = Frames.udp(sport: 5000, dport: 3478, payload: [])
        for ipPayload in [0, 4] {
            // IPv4 total length 20 or 24: the 8-byte UDP header lies past it, in the padding.
            let ip = Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: ipPayload)
            let frame = pad(Frames.ethernet(type: 0x0800) + ip + u)
            #expect(frame.count == 60)
            #expect(decode(frame).error == .udpTruncated, "IP payload \(ipPayload)")
            #expect(frame.withUnsafeBytes { PacketDecoder.plainDatagram($0, linkType: .ethernet) } == nil)
            let t = Frames.tcp(sport: 5000, dport: 443, seq: 0, ack: 0, flags: 2)
            let tip = Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 6, payloadLength: ipPayload)
            #expect(decode(pad(Frames.ethernet(type: 0x0800) + tip + t)).error == .tcpTruncated)
        }
        // IPv6 payload length 4 (0 would be a jumbogram's, the frame's length).
        let ip6 = Frames.ipv6Header(src: "2001:db8::1", dst: "2001:db8::2", next: 17, payloadLength: 4)
        #expect(decode(Frames.ethernet(type: 0x86DD) + ip6 + u + [0, 0, 0, 0]).error == .udpTruncated)
        // A header the IP length holds still decodes.
        let whole = Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: 8)
        #expect(decode(pad(Frames.ethernet(type: 0x0800) + whole + u)).dstPort == 3478)
    }

    @Test("an IPv4 total length beyond the frame is counted but the packet still decodes")
    func totalLengthBeyondFrame() {
        let u = Frames.udp(sport: 53, dport: 4000, payload: [UInt8](repeating: 0, count: 20))
        let ip = Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count, totalLengthOverride: 1500)
        let d = decode(Frames.ethernet(type: 0x0800) + ip + u)
        #expect(d.kind == .transport && d.anomaly == .ipv4BadTotalLength && d.srcPort == 53)
    }

    @Test("IPv4 fragments: the first carries the ports, the rest are tails")
    func ipv4Fragments() {
        let u = Frames.udp(sport: 3478, dport: 3478, payload: [UInt8](repeating: 7, count: 32))
        let first = Frames.ethernet(type: 0x0800) + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: 24, moreFragments: true) + Array(u[0..<24])
        let tail = Frames.ethernet(type: 0x0800) + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: 16, fragmentOffset: 3) + Array(u[24...])
        let d1 = decode(first)
        #expect(d1.kind == .transport && d1.isFragment && d1.srcPort == 3478)
        #expect(decode(tail).kind == .fragmentTail)
    }

    @Test("IPv6 extension header chain and fragment header")
    func ipv6Chain() {
        let u = Frames.udp(sport: 5060, dport: 5061, payload: [1, 2, 3])
        let hopByHop: [UInt8] = [60, 0, 1, 4, 0, 0, 0, 0]
        let destOpts: [UInt8] = [44, 1, 1, 12] + [UInt8](repeating: 0, count: 12)
        let fragFirst: [UInt8] = [17, 0, 0x00, 0x00, 0, 0, 0, 1]
        let payload = hopByHop + destOpts + fragFirst + u
        let frame = Frames.ethernet(type: 0x86DD) + Frames.ipv6Header(src: "2001:db8::1", dst: "2603:1063::5", next: 0, payloadLength: payload.count) + payload
        let d = decode(frame)
        #expect(d.kind == .transport && d.proto == 17 && d.srcPort == 5060 && d.dstPort == 5061)
        #expect(d.ipVersion == 6 && d.dst == IPAddress("2603:1063::5"))
        #expect(d.payloadLength == 3)
        let fragTail: [UInt8] = [17, 0, 0x00, 0x08, 0, 0, 0, 1]
        let tail = Frames.ethernet(type: 0x86DD) + Frames.ipv6Header(src: "2001:db8::1", dst: "2603:1063::5", next: 44, payloadLength: 8 + 4) + fragTail + [1, 2, 3, 4]
        #expect(decode(tail).kind == .fragmentTail)
        let loop = [UInt8](repeating: 0, count: 8)
        var chain: [UInt8] = []
        for _ in 0..<9 { chain += loop }
        let deep = Frames.ipv6Header(src: "::1", dst: "::2", next: 0, payloadLength: chain.count) + chain
        #expect(decode(deep, linkType: .raw).error == .ipv6TooManyExtensionHeaders)
    }

    @Test("Linux cooked v1 and v2, BSD NULL and LOOP, raw IP link types")
    func linkTypes() {
        let u = Frames.udp(sport: 1000, dport: 2000, payload: [1])
        let ip4 = Frames.ipv4Header(src: "10.1.1.1", dst: "10.1.1.2", proto: 17, payloadLength: u.count) + u
        let ip6 = Frames.ipv6Header(src: "2001:db8::1", dst: "2001:db8::2", next: 17, payloadLength: u.count) + u
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0] + [0x08, 0x00]
        #expect(decode(sll + ip4, linkType: .linuxSLL).srcPort == 1000)
        let sll2: [UInt8] = [0x86, 0xDD, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6] + [1, 2, 3, 4, 5, 6, 0, 0]
        #expect(decode(sll2 + ip6, linkType: .linuxSLL2).dstPort == 2000)
        #expect(decode(Frames.le32(2) + ip4, linkType: .null).kind == .transport)
        #expect(decode(Frames.be32(2) + ip4, linkType: .null).kind == .transport)
        #expect(decode(Frames.le32(30) + ip6, linkType: .null).ipVersion == 6)
        #expect(decode(Frames.be32(24) + ip6, linkType: .loop).ipVersion == 6)
        #expect(decode(Frames.le32(99) + ip4, linkType: .null).error == .nullUnknownFamily)
        for t in [LinkType.raw, .rawDLT12, .rawDLT14] { #expect(decode(ip6, linkType: t).ipVersion == 6) }
        #expect(decode(ip4, linkType: .ipv4).ipVersion == 4)
        #expect(decode(ip6, linkType: .ipv6).ipVersion == 6)
        #expect(decode(ip4, linkType: LinkType(rawValue: 147)).error == .unsupportedLinkType)
    }

    @Test("non-IP frames are counted apart from errors")
    func nonIP() {
        #expect(decode(Frames.ethernet(type: 0x0806) + [UInt8](repeating: 0, count: 28)).kind == .nonIP)
        #expect(decode(Frames.ethernet(type: 0x0026) + [UInt8](repeating: 0, count: 38)).kind == .nonIP)
    }
}

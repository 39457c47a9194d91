import Foundation
import Testing
@testable import EdgeflowKit

@Suite("Plain datagram: one thread's Ethernet/IPv4/UDP frames without the general decode")
struct PlainDatagramTests {
    static func datagram(_ frame: [UInt8], linkType: LinkType = .ethernet) -> PlainDatagram? {
        frame.withUnsafeBytes { PacketDecoder.plainDatagram($0, linkType: linkType) }
    }

    @Test("the addresses, ports and lengths written into the frame")
    func plainFrame() throws {
        let u = try #require(Self.datagram(Frames.udp4("10.1.2.3", 50000, "52.112.7.9", 3478, payload: [0, 1, 0, 0])))
        #expect(u.src == 0x0A01_0203 && u.dst == 0x3470_0709 && u.srcPort == 50000 && u.dstPort == 3478)
        // 14 bytes of Ethernet, 20 of IPv4, 8 of UDP, then 4 of payload: 32 at the IP layer.
        #expect(u.ipLength == 32 && u.payloadOffset == 42 && u.payloadLength == 4)
        // A UDP length of 10 keeps 2 bytes of the 4; one of 100 is cut to what IP carries (4).
        for (udpLength, payload) in [(UInt16(10), Int32(2)), (100, 4)] {
            let d = Frames.udp(sport: 1000, dport: 2000, payload: [1, 2, 3, 4], lengthOverride: udpLength)
            let frame = Frames.ethernet(type: 0x0800) + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: d.count) + d
            #expect(Self.datagram(frame)?.payloadLength == payload, "UDP length \(udpLength)")
        }
    }

    @Test("every other frame is left to the decoder: TCP, a UDP length below 8, VLAN, fragments, a bad total length, VXLAN, IPv6, another link type")
    func otherFrames() {
        let u = Frames.udp(sport: 1000, dport: 2000, payload: [1, 2, 3, 4])
        let ip = Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count)
        #expect(Self.datagram(Frames.ethernet(type: 0x0800) + ip + u) != nil)
        #expect(Self.datagram(Frames.tcp4("10.0.0.1", 443, "10.0.0.2", 50000, flags: 0x18, payload: [0x17, 3, 3, 0, 1, 0])) == nil)
        let short = Frames.udp(sport: 1000, dport: 2000, payload: [1, 2, 3, 4], lengthOverride: 7)
        #expect(Self.datagram(Frames.ethernet(type: 0x0800) + ip + short) == nil)
        #expect(Self.datagram(Frames.ethernet(type: 0x0800, vlans: [(0x8100, 7)]) + ip + u) == nil)
        #expect(Self.datagram(Frames.ethernet(type: 0x0800) + ip + u, linkType: .linuxSLL) == nil)
        #expect(Self.datagram(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count, moreFragments: true) + u) == nil)
        #expect(Self.datagram(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count, fragmentOffset: 8) + u) == nil)
        #expect(Self.datagram(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count, totalLengthOverride: 200) + u) == nil)
        #expect(Self.datagram(Frames.ethernet(type: 0x0800)
            + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count, totalLengthOverride: 0) + u) == nil)
        #expect(Self.datagram(Frames.udp4("10.0.0.1", 1000, "10.0.0.2", 4789, payload: [8, 0, 0, 0, 0, 0, 1, 0])) == nil)
        #expect(Self.datagram(Frames.ethernet(type: 0x86DD) + Frames.ipv6Header(src: "2001:db8::1", dst: "2001:db8::2", next: 17, payloadLength: u.count) + u) == nil)
        // Cut inside the UDP header (41 of 42 bytes).
        #expect(Self.datagram(Array((Frames.ethernet(type: 0x0800) + ip + u).prefix(41))) == nil)
    }

    /// Every packet of every bundled capture: where a plain datagram is read, `decoded` is what
    /// the decoder gives, field by field.
    @Test("on every bundled capture the datagram is what the decoder finds")
    func agreesWithTheDecoder() throws {
        let captures = try FileManager.default.subpathsOfDirectory(atPath: repositoryRoot + "/Captures")
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }
        var plain = 0
        for name in captures {
            guard var reader = try? MappedCaptureReader(path: repositoryRoot + "/Captures/" + name) else { continue }
            while let p = reader.next() {
                let d = PacketDecoder.decode(p.bytes, originalLength: p.originalLength, linkType: p.linkType)
                guard let u = PacketDecoder.plainDatagram(p.bytes, linkType: p.linkType) else { continue }
                plain += 1
                let e = u.decoded
                #expect(d.kind == .transport && d.anomaly == nil && d.tunnel == .none && d.tunnelDepth == 0 && !d.isFragment, "\(name) #\(p.number)")
                #expect(d.kind == e.kind && d.ipVersion == e.ipVersion && d.proto == e.proto && d.src == e.src && d.dst == e.dst
                        && d.srcPort == e.srcPort && d.dstPort == e.dstPort && d.l3Offset == e.l3Offset && d.ipLength == e.ipLength
                        && d.payloadOffset == e.payloadOffset && d.payloadLength == e.payloadLength, "\(name) #\(p.number)")
                #expect(d.tcpFlags == e.tcpFlags && d.tcpWindow == e.tcpWindow && d.seq == e.seq && d.ack == e.ack, "\(name) #\(p.number)")
            }
        }
        #expect(plain > 1000)
    }

    /// An RTP call's packets as plain frames (the one-thread datagram path, RTP straight to the
    /// dispatcher from the second packet on) and the same packets under a VLAN tag (the general
    /// decode, `track` and `Dispatcher.udp`): the flow and its RTP streams come out the same.
    @Test("an RTP flow on the datagram path equals the same flow decoded in full")
    func sameFlowBothPaths() throws {
        func run(vlan: Bool) throws -> (FlowRecord, RTPFlowStats) {
            var engine = Engine(settings: FlowSettings())
            for seq in UInt16(1)...40 where seq != 17 {
                for (ssrc, from, to) in [(UInt32(0xA1), ("10.0.0.1", UInt16(50_000)), ("10.0.0.2", UInt16(50_002))),
                                         (0xB2, ("10.0.0.2", 50_002), ("10.0.0.1", 50_000))] {
                    var frame = RTPClockSourceTests.rtp(0, seq, step: 160, ssrc: ssrc, from: from, to: to)
                    // 20 ms apart, every third packet 3 ms late: jitter to compare.
                    let arrival = Int64(seq) * 20_000_000 + (seq % 3 == 0 ? 3_000_000 : 0) + Int64(ssrc)
                    if vlan { frame = Frames.ethernet(type: 0x8100) + [0, 7, 0x08, 0x00] + frame.dropFirst(14) }
                    frame.withUnsafeBytes { b in
                        engine.ingest(Packet(timestamp: arrival, linkType: .ethernet, interface: 0, originalLength: b.count,
                                             bytes: b, number: Int(seq), fileOffset: -1))
                    }
                }
            }
            #expect(engine.liveFlows == 1)
            let e = engine.tracker.endedFlow(at: 0)
            return (e.record, try #require(e.inspection?.rtp?.value))
        }
        let (plain, plainRTP) = try run(vlan: false)
        let (tagged, taggedRTP) = try run(vlan: true)
        // 39 packets each way of 12 + 40 bytes (RTP header and payload), 80 at the IP layer.
        #expect(plain.origPackets == 39 && plain.respPackets == 39 && plain.origBytes == 39 * 52 && plain.respIPBytes == 39 * 80)
        #expect(plain.origPackets == tagged.origPackets && plain.respPackets == tagged.respPackets
                && plain.origBytes == tagged.origBytes && plain.respBytes == tagged.respBytes
                && plain.origIPBytes == tagged.origIPBytes && plain.respIPBytes == tagged.respIPBytes)
        #expect(plain.firstTimestamp == tagged.firstTimestamp && plain.lastTimestamp == tagged.lastTimestamp)
        #expect(plain.services == tagged.services && plain.services.contains(.rtp))
        #expect(plain.history.text == tagged.history.text)
        #expect(plainRTP.streams == 2 && taggedRTP.streams == 2)
        for i in 0..<2 {
            let a = plainRTP.stats[i], b = taggedRTP.stats[i]
            #expect(plainRTP.ssrc[i] == taggedRTP.ssrc[i] && plainRTP.confirmed[i] && taggedRTP.confirmed[i])
            // Sequence 17 missing: 39 received of 40 expected.
            #expect(a.packets == 39 && a.received == 39 && a.lost == 1 && b.lost == 1)
            #expect(a.jitterSeconds > 0 && a.jitterSeconds == b.jitterSeconds && a.maxJitterSeconds == b.maxJitterSeconds)
        }
    }

    /// A STUN/TURN flow's datagrams as plain frames (the one-thread datagram path: from the
    /// second on, STUN straight to the dispatcher, `FlowTracker.stunDatagram`) and under a VLAN
    /// tag (the general decode, `track` and `Dispatcher.udp`): answered and retransmitted
    /// requests, an Allocate challenged then granted, a Refresh releasing it, a legacy RFC 3489
    /// request (allowed on port 3478), a cookie with a Length that does not fill the datagram,
    /// an attribute that overruns the message, a header cut short after the cookie and bytes of
    /// STUN's first byte that are none (too short, or 20 with a Length that disagrees). On
    /// 3478 the client is the flow key's lower end; off the STUN ports (50001 to 50000) its higher
    /// end, and the legacy request, without a cookie, is malformed there.
    @Test("a STUN/TURN flow on the datagram path equals the same flow decoded in full", arguments: [true, false])
    func sameSTUNFlowBothPaths(onSTUNPort: Bool) throws {
        typealias M = TURNSDPClockTests
        let client = onSTUNPort ? ("10.0.0.1", UInt16(50_000)) : ("10.0.0.9", UInt16(50_001))
        let server = ("10.0.0.2", onSTUNPort ? UInt16(3478) : 50_000)
        let username = M.attribute(0x0006, Array("abcd:efgh".utf8))
        let legacy: [UInt8] = [0, 1, 0, 0] + [UInt8](repeating: 7, count: 16)
        let messages: [(fromClient: Bool, payload: [UInt8])] = [
            (true, M.stun(0x0001, 1, [username])),                                                 // Binding request
            (false, M.stun(0x0101, 1, [M.attribute(0x0020, M.xorAddress(client))])),              // its success response
            (true, M.stun(0x0001, 1, [username])),                                                 // retransmitted
            (true, M.stun(0x0003, 2, [])),                                                         // Allocate request
            (false, M.stun(0x0113, 2, [M.attribute(0x0009, [0, 0, 4, 1] + Array("Unauthorized".utf8))])), // 401
            (true, M.stun(0x0003, 3, [])),
            (false, M.stun(0x0103, 3, [M.attribute(0x0016, M.xorAddress(("10.0.0.2", 50_100))),
                                       M.attribute(0x000D, Frames.be32(600))])),                  // granted for 600 s
            (true, legacy),                                                                        // RFC 3489, no cookie
            (true, M.stun(0x0001, 4, []) + [0, 0, 0, 0]),                                          // Length short of the datagram
            (true, M.stun(0x0001, 5, [Frames.be16(0x0006) + Frames.be16(40) + [1, 2, 3, 4]])),     // attribute overruns
            (false, [2, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8]),                                         // first byte 2, no STUN
            (false, [0, 1, 0, 8] + [UInt8](repeating: 7, count: 16)),                              // Length disagrees, no cookie: no STUN
            (true, [0, 1, 0, 0] + Frames.be32(0x2112_A442) + [1, 2, 3, 4]),                        // short of a header, cookie: malformed
            (true, M.stun(0x0004, 6, [M.attribute(0x000D, Frames.be32(0))])),                     // Refresh, lifetime 0
            (false, M.stun(0x0104, 6, [M.attribute(0x000D, Frames.be32(0))])),
        ]
        func run(vlan: Bool) throws -> (EndedFlow, STUNFlowStats, Int) {
            var engine = Engine(settings: FlowSettings())
            for (k, m) in messages.enumerated() {
                let (from, to) = m.fromClient ? (client, server) : (server, client)
                var frame = Frames.udp4(from.0, from.1, to.0, to.1, payload: m.payload)
                if vlan { frame = Frames.ethernet(type: 0x8100) + [0, 7, 0x08, 0x00] + frame.dropFirst(14) }
                frame.withUnsafeBytes { b in
                    engine.ingest(Packet(timestamp: Int64(k + 1) * 10_000_000, linkType: .ethernet, interface: 0, originalLength: b.count,
                                         bytes: b, number: k + 1, fileOffset: -1))
                }
            }
            #expect(engine.liveFlows == 1)
            let tracked = engine.tracker.stunDatagramsTracked
            let e = engine.tracker.endedFlow(at: 0)
            return (e, try #require(e.inspection?.stun?.value), tracked)
        }
        let (plain, plainSTUN, plainTracked) = try run(vlan: false)
        let (tagged, taggedSTUN, taggedTracked) = try run(vlan: true)
        // Every datagram but the flow's first took the STUN path; none of the tagged ones could.
        #expect(plainTracked == messages.count - 1 && taggedTracked == 0)
        let a = plain.record, b = tagged.record
        #expect(a.origPackets == 9 && a.respPackets == 6 && a.origPackets == b.origPackets && a.respPackets == b.respPackets)
        #expect(a.origBytes == b.origBytes && a.respBytes == b.respBytes && a.origIPBytes == b.origIPBytes && a.respIPBytes == b.respIPBytes)
        #expect(a.lastTimestamp == b.lastTimestamp && a.history.text == b.history.text)
        #expect(a.services == b.services && a.services.contains(.stun))
        // Ten messages decode on 3478 (the legacy one included), nine off it; the short Length, the
        // overrun and the short header with a cookie are malformed, and off 3478 the legacy request
        // too (on 3478 it stays unanswered).
        #expect(plainSTUN.messages == (onSTUNPort ? 10 : 9) && plainSTUN.malformed == (onSTUNPort ? 3 : 4))
        #expect(plainSTUN.messages == taggedSTUN.messages && plainSTUN.malformed == taggedSTUN.malformed)
        #expect(plainSTUN.matched == 4 && plainSTUN.retransmissions == 1 && plainSTUN.unanswered == (onSTUNPort ? 1 : 0))
        #expect(plainSTUN.matched == taggedSTUN.matched && plainSTUN.retransmissions == taggedSTUN.retransmissions
                && plainSTUN.unanswered == taggedSTUN.unanswered)
        #expect(plainSTUN.rttCount == taggedSTUN.rttCount && plainSTUN.rttMin == taggedSTUN.rttMin && plainSTUN.rttMax == taggedSTUN.rttMax)
        for method in STUNMethod.allCases {
            for cls in STUNClass.allCases { #expect(plainSTUN.count(method, cls) == taggedSTUN.count(method, cls), "\(method) \(cls)") }
        }
        #expect(plainSTUN.allocateChallenges == 1 && plainSTUN.allocateSuccesses == 1 && plainSTUN.released)
        #expect(plainSTUN.allocateChallenges == taggedSTUN.allocateChallenges && plainSTUN.allocateSuccesses == taggedSTUN.allocateSuccesses
                && plainSTUN.released == taggedSTUN.released && plainSTUN.lifetime == taggedSTUN.lifetime)
        #expect(plainSTUN.mapped?.port == client.1 && plainSTUN.mapped == taggedSTUN.mapped && plainSTUN.relayed == taggedSTUN.relayed)
        #expect(plainSTUN.ice.count == 1 && taggedSTUN.ice.pairs == plainSTUN.ice.pairs)
    }

    /// A TURN flow's ChannelData (RFC 8656 §12) as plain frames (the one-thread datagram path:
    /// ChannelData straight to the dispatcher, `FlowTracker.channelDataDatagram`) and under a
    /// VLAN tag (the general decode, `track` and `Dispatcher.udp`): an allocation, a channel
    /// bound to a peer, RTP both ways on it, RTP on an unbound channel, a message padded to 4
    /// bytes, one whose Length runs past the datagram (not ChannelData: the general path on both)
    /// and a first byte of 0x41. On 3478 the server is the key's higher end; off the STUN ports
    /// the flow's STUN messages make its ChannelData count.
    @Test("a TURN flow's ChannelData on the datagram path equals the same flow decoded in full", arguments: [true, false])
    func sameChannelDataBothPaths(onSTUNPort: Bool) throws {
        typealias M = TURNSDPClockTests
        let client = ("10.0.0.1", UInt16(50_000))
        let server = ("10.0.0.2", onSTUNPort ? UInt16(3478) : 50_010)
        let peer = ("203.0.113.7", UInt16(50_100))
        func channelData(_ channel: UInt16, _ data: [UInt8], pad: Int = 0) -> [UInt8] {
            Frames.be16(channel) + Frames.be16(UInt16(data.count)) + data + [UInt8](repeating: 0, count: pad)
        }
        var messages: [(fromClient: Bool, payload: [UInt8])] = [
            (true, M.stun(0x0003, 1, [])),                                                              // Allocate request
            (false, M.stun(0x0103, 1, [M.attribute(0x0016, M.xorAddress(("10.0.0.2", 50_200)))])),    // relayed address
            (true, M.stun(0x0009, 2, [M.attribute(0x000C, [0x40, 0, 0, 0]), M.attribute(0x0012, M.xorAddress(peer))])),
            (false, M.stun(0x0109, 2, [])),                                                             // ChannelBind success
        ]
        for seq in UInt16(1)...6 {
            messages.append((true, channelData(0x4000, M.rtp(seq, ssrc: 0xA))))
            messages.append((false, channelData(0x4000, M.rtp(seq, ssrc: 0xB))))
        }
        messages += [
            (true, channelData(0x4001, M.rtp(7, ssrc: 0xA))),                                          // unbound channel
            (true, channelData(0x4000, Array(M.rtp(8, ssrc: 0xA).dropLast(2)), pad: 2)),               // padded to 4 bytes
            (false, Frames.be16(0x4000) + Frames.be16(200) + M.rtp(7, ssrc: 0xB)),                     // Length past the end
            (false, channelData(0x4100, [1, 2, 3, 4, 5])),                                             // first byte 0x41
        ]
        func run(vlan: Bool) throws -> (EndedFlow, STUNFlowStats, RTPFlowStats, Int) {
            var engine = Engine(settings: FlowSettings())
            for (k, m) in messages.enumerated() {
                let (from, to) = m.fromClient ? (client, server) : (server, client)
                var frame = Frames.udp4(from.0, from.1, to.0, to.1, payload: m.payload)
                if vlan { frame = Frames.ethernet(type: 0x8100) + [0, 7, 0x08, 0x00] + frame.dropFirst(14) }
                frame.withUnsafeBytes { b in
                    engine.ingest(Packet(timestamp: Int64(k + 1) * 20_000_000, linkType: .ethernet, interface: 0, originalLength: b.count,
                                         bytes: b, number: k + 1, fileOffset: -1))
                }
            }
            #expect(engine.liveFlows == 1)
            let tracked = engine.tracker.stunDatagramsTracked
            let e = engine.tracker.endedFlow(at: 0)
            return (e, try #require(e.inspection?.stun?.value), try #require(e.inspection?.rtp?.value), tracked)
        }
        let (plain, plainSTUN, plainRTP, plainTracked) = try run(vlan: false)
        let (tagged, taggedSTUN, taggedRTP, taggedTracked) = try run(vlan: true)
        // The three STUN messages after the first, and the 15 ChannelData messages, took the paths.
        #expect(plainTracked == 3 + 15 && taggedTracked == 0)
        let a = plain.record, b = tagged.record
        #expect(a.origPackets == 2 + 8 && a.respPackets == 2 + 8 && a.origPackets == b.origPackets && a.respPackets == b.respPackets)
        #expect(a.origBytes == b.origBytes && a.respBytes == b.respBytes && a.origIPBytes == b.origIPBytes && a.respIPBytes == b.respIPBytes)
        #expect(a.lastTimestamp == b.lastTimestamp && a.history.text == b.history.text)
        #expect(a.services == b.services && a.services.contains(.stun))
        // 6 + 6 + the unbound one + the padded one + 0x41's: 15 ChannelData messages, 13 on channel 0x4000.
        #expect(plainSTUN.channelDataPackets == 15 && plainSTUN.channelDataPackets == taggedSTUN.channelDataPackets)
        #expect(plainSTUN.channelDataBytes == 13 * 52 + 50 + 5 && plainSTUN.channelDataBytes == taggedSTUN.channelDataBytes)
        #expect(plainSTUN.channels == 1 && plainSTUN.channelPackets[0] == 13 && taggedSTUN.channelPackets[0] == 13)
        #expect(plainSTUN.messages == 4 && plainSTUN.messages == taggedSTUN.messages)
        // The RTP inside: 0xA's 8 packets and 0xB's 6.
        #expect(plainRTP.streams == 2 && plainRTP.streams == taggedRTP.streams)
        for i in 0..<2 {
            #expect(plainRTP.ssrc[i] == taggedRTP.ssrc[i] && plainRTP.stats[i].packets == taggedRTP.stats[i].packets)
            #expect(plainRTP.stats[i].packets == (plainRTP.ssrc[i] == 0xA ? 8 : 6))
        }
    }

    /// Datagrams that look like RTP on a DNS port (53) of a flow inspected for `dns.log` (Zeek
    /// logs on) never take the RTP fast path: the flow is worked out once to be on a DNS port
    /// (`FlowRecord.dnsPorts` 2) and goes the general way, where the port names it DNS, as the
    /// same frames under a VLAN tag (decoded in full) do.
    @Test("RTP-looking datagrams on a DNS port stay off the RTP fast path")
    func dnsPortNotFastPath() throws {
        func run(vlan: Bool) throws -> EndedFlow {
            var settings = FlowSettings()
            settings.transactionLogs = true
            var engine = Engine(settings: settings)
            for seq in UInt16(1)...10 {
                var frame = RTPClockSourceTests.rtp(0, seq, step: 160, ssrc: 0xA1, from: ("10.0.0.1", 53), to: ("10.0.0.2", 50_002))
                if vlan { frame = Frames.ethernet(type: 0x8100) + [0, 7, 0x08, 0x00] + frame.dropFirst(14) }
                frame.withUnsafeBytes { b in
                    engine.ingest(Packet(timestamp: Int64(seq) * 20_000_000, linkType: .ethernet, interface: 0, originalLength: b.count,
                                         bytes: b, number: Int(seq), fileOffset: -1))
                }
            }
            #expect(engine.liveFlows == 1)
            #expect(engine.tracker.table[0].inspection >= 0)
            if !vlan { #expect(engine.tracker.table[0].dnsPorts == 2) }
            return engine.tracker.endedFlow(at: 0)
        }
        let plain = try run(vlan: false), tagged = try run(vlan: true)
        #expect(plain.record.origPackets == 10 && plain.record.services == tagged.record.services)
        #expect(plain.record.services.contains(.dns) && !plain.record.services.contains(.rtp))
        #expect(plain.inspection?.rtp == nil && tagged.inspection?.rtp == nil)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// One thread tracks a plain Ethernet/IPv4/TCP frame of a live flow from the frame's fields
/// (`FlowTracker.trackSegment`), as it does one under a single 802.1Q tag; the same frame under
/// two VLAN tags goes the general way (the full decode, `track`). All must give the same report,
/// to the byte.
@Suite("Plain segments: TCP frames of live flows tracked without the general decode")
struct PlainSegmentPathTests {
    static let client = "10.0.0.1", relay = "52.114.50.7", edge = "10.0.0.9"

    /// Two VLAN tags (802.1ad VLAN 7, then 802.1Q VLAN 8): the decoder skips them and finds the
    /// same packet, which no plain path reads.
    static let twoTags: [UInt8] = [0x88, 0xA8, 0x00, 0x07, 0x81, 0x00, 0x00, 0x08]
    /// One 802.1Q tag (VLAN 7): a TCP frame under it is still a plain segment.
    static let oneTag: [UInt8] = [0x81, 0x00, 0x00, 0x07]

    /// The frame with `tags` after its addresses.
    static func tagged(_ frame: [UInt8], _ tags: [UInt8] = twoTags) -> [UInt8] {
        frame.count < 14 ? frame : Array(frame[0..<12]) + tags + Array(frame[12...])
    }

    static func frame(_ type: UInt8, _ m: [UInt8]) -> [UInt8] { [type, 0x00, UInt8(m.count >> 8), UInt8(m.count & 0xFF)] + m }

    static func rtp(_ seq: UInt16, ssrc: UInt32) -> [UInt8] {
        let ts = UInt32(seq) &* 160
        return [0x80, 0x00, UInt8(seq >> 8), UInt8(seq & 0xFF)] + Frames.be32(ts) + Frames.be32(ssrc) + [UInt8](repeating: 0xD5, count: 20)
    }

    /// Crafted TCP connections, as (time in ns, frame):
    /// - MS-TURN on 443: handshake; a control frame (RFC 5769's request) cut over two segments;
    ///   RTP data frames, one segment ahead of a hole, a retransmission, an overlap; the relay's
    ///   response and RTP; a zero window; FIN both ways; then the same ports reused by a new SYN
    ///   (a new flow), answered by a RST; a SYN+FIN and a FIN+RST on it.
    /// - A connection on 5061 seen from its SYN-ACK (the originator flipped), then data.
    /// - A connection on 443 seen mid-stream (no SYN): a segment of bytes, then a TLS record header.
    /// - Plaintext SIP on 5060 (the SDP book reads it).
    /// - A connection idle 400 s (past the 300 s TCP timeout) between two segments: two flows.
    static func sessions() -> [(Int64, [UInt8])] {
        var out: [(Int64, [UInt8])] = []
        var t: Int64 = 1_700_000_000_000_000_000
        func add(_ f: [UInt8], after ms: Int64 = 1) { t += ms * 1_000_000; out.append((t, f)) }
        let c = client, r = relay
        // MS-TURN: client ISN 1000, relay ISN 5000.
        add(Frames.tcp4(c, 50_000, r, 443, flags: TCPFlag.syn, seq: 1000))
        add(Frames.tcp4(r, 443, c, 50_000, flags: TCPFlag.syn | TCPFlag.ack, seq: 5000, ack: 1001))
        add(Frames.tcp4(c, 50_000, r, 443, flags: TCPFlag.ack, seq: 1001, ack: 5001))
        let control = frame(0x02, RFC5769.request)
        var stream = control
        for n in UInt16(1)...6 { stream += frame(0x03, rtp(n, ssrc: 0xCAFE)) }
        // Segment boundaries in the client's stream: the control frame cut after 30 bytes.
        let cuts = [0, 30, control.count + 10, control.count + 36 * 2, control.count + 36 * 3 + 5, control.count + 36 * 4, stream.count]
        func seg(_ k: Int) -> [UInt8] {
            Frames.tcp4(c, 50_000, r, 443, flags: TCPFlag.ack | TCPFlag.psh, seq: 1001 + UInt32(cuts[k]), ack: 5001,
                        payload: Array(stream[cuts[k]..<cuts[k + 1]]))
        }
        add(seg(0)); add(seg(1))
        add(seg(3))          // ahead of a hole
        add(seg(2))          // fills it
        add(seg(2))          // retransmitted
        // Overlapping: the last 8 bytes of segment 3 and all of segment 4.
        add(Frames.tcp4(c, 50_000, r, 443, flags: TCPFlag.ack | TCPFlag.psh, seq: 1001 + UInt32(cuts[4] - 8), ack: 5001,
                        payload: Array(stream[(cuts[4] - 8)..<cuts[5]])))
        add(seg(5))
        var reply = frame(0x02, RFC5769.ipv4Response)
        for n in UInt16(7)...9 { reply += frame(0x03, rtp(n, ssrc: 0xBEEF)) }
        add(Frames.tcp4(r, 443, c, 50_000, flags: TCPFlag.ack | TCPFlag.psh, seq: 5001, ack: 1001 + UInt32(stream.count),
                        payload: Array(reply[0..<50])), after: 20)
        add(Frames.tcp4(r, 443, c, 50_000, flags: TCPFlag.ack | TCPFlag.psh, seq: 5051, ack: 1001 + UInt32(stream.count),
                        payload: Array(reply[50...])))
        add(Frames.tcp4(r, 443, c, 50_000, flags: TCPFlag.ack, seq: 5001 + UInt32(reply.count), ack: 1001 + UInt32(stream.count), window: 0))
        add(Frames.tcp4(c, 50_000, r, 443, flags: TCPFlag.fin | TCPFlag.ack, seq: 1001 + UInt32(stream.count), ack: 5001 + UInt32(reply.count)))
        add(Frames.tcp4(r, 443, c, 50_000, flags: TCPFlag.fin | TCPFlag.ack, seq: 5001 + UInt32(reply.count), ack: 1002 + UInt32(stream.count)))
        add(Frames.tcp4(c, 50_000, r, 443, flags: TCPFlag.ack, seq: 1002 + UInt32(stream.count), ack: 5002 + UInt32(reply.count)))
        // The ports reused: a new SYN (another ISN) on the closed connection is a new flow.
        add(Frames.tcp4(c, 50_000, r, 443, flags: TCPFlag.syn, seq: 90_000), after: 1_000)
        add(Frames.tcp4(c, 50_000, r, 443, flags: TCPFlag.syn, seq: 90_000))      // its retransmission: the same flow
        add(Frames.tcp4(r, 443, c, 50_000, flags: TCPFlag.rst | TCPFlag.ack, seq: 0, ack: 90_001, window: 0))
        add(Frames.tcp4(c, 50_000, r, 443, flags: TCPFlag.syn | TCPFlag.fin, seq: 90_000))
        add(Frames.tcp4(r, 443, c, 50_000, flags: TCPFlag.fin | TCPFlag.rst, seq: 0))
        // Seen from its SYN-ACK: the edge answered a SYN the capture missed.
        add(Frames.tcp4(edge, 5061, c, 40_000, flags: TCPFlag.syn | TCPFlag.ack, seq: 7000, ack: 3001))
        add(Frames.tcp4(c, 40_000, edge, 5061, flags: TCPFlag.ack, seq: 3001, ack: 7001))
        add(Frames.tcp4(c, 40_000, edge, 5061, flags: TCPFlag.ack | TCPFlag.psh, seq: 3001, ack: 7001,
                        payload: [0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00]))
        add(Frames.tcp4(edge, 5061, c, 40_000, flags: TCPFlag.ack | TCPFlag.psh, seq: 7001, ack: 3010, payload: [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))
        // Mid-stream on 443: bytes, then a TLS record header names the stream.
        add(Frames.tcp4(c, 40_001, r, 443, flags: TCPFlag.ack | TCPFlag.psh, seq: 77_000, ack: 1, payload: [UInt8](repeating: 0x41, count: 40)))
        add(Frames.tcp4(c, 40_001, r, 443, flags: TCPFlag.ack | TCPFlag.psh, seq: 77_040, ack: 1,
                        payload: [0x17, 0x03, 0x03, 0x00, 0x03, 1, 2, 3, 0x17, 0x03, 0x03, 0x00]))
        add(Frames.tcp4(c, 40_001, r, 443, flags: TCPFlag.ack | TCPFlag.psh, seq: 77_052, ack: 1, payload: [0x02, 9, 9]))
        add(Frames.tcp4(r, 443, c, 40_001, flags: TCPFlag.ack, seq: 1, ack: 77_055))
        // Plaintext SIP over TCP.
        let sip = Array("OPTIONS sip:edge@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1:40002\r\nContent-Length: 0\r\n\r\n".utf8)
        add(Frames.tcp4(c, 40_002, edge, 5060, flags: TCPFlag.syn, seq: 500))
        add(Frames.tcp4(edge, 5060, c, 40_002, flags: TCPFlag.syn | TCPFlag.ack, seq: 800, ack: 501))
        add(Frames.tcp4(c, 40_002, edge, 5060, flags: TCPFlag.ack | TCPFlag.psh, seq: 501, ack: 801, payload: sip))
        add(Frames.tcp4(edge, 5060, c, 40_002, flags: TCPFlag.ack, seq: 801, ack: 501 + UInt32(sip.count)))
        // Idle past the TCP timeout: the second segment ends the first flow and makes another.
        add(Frames.tcp4(c, 40_003, edge, 443, flags: TCPFlag.ack | TCPFlag.psh, seq: 1, ack: 1, payload: [0x17, 0x03, 0x03, 0x00, 0x01, 0]))
        add(Frames.tcp4(c, 40_003, edge, 443, flags: TCPFlag.ack | TCPFlag.psh, seq: 7, ack: 1, payload: [0x17, 0x03, 0x03, 0x00, 0x01, 0]),
            after: 400_000)
        add(Frames.tcp4(edge, 443, c, 40_003, flags: TCPFlag.ack, seq: 1, ack: 13))
        return out
    }

    static func report(_ packets: [(Int64, [UInt8])], tags: [UInt8]) throws -> [String: Any] {
        let records = packets.map { t, f in
            TestRecord(seconds: UInt32(t / 1_000_000_000), fraction: UInt32(t % 1_000_000_000), data: tagged(f, tags))
        }
        let path = CaptureFile.temporary(CaptureFile.pcap(records, nanoseconds: true, snaplen: 262_144))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try analyzeJSON([path])
    }

    /// The report without what the tag itself changes: the frames' bytes and the file's name.
    static func comparable(_ report: [String: Any]) -> NSDictionary {
        var r = report, capture = report.capture
        for key in ["files", "bytes", "wire_bytes"] { capture.removeValue(forKey: key) }
        r["capture"] = capture
        return r as NSDictionary
    }

    @Test("crafted connections: out of order, retransmitted, overlapping, SYN/FIN/RST, zero window, frames cut over segments, reuse, idle")
    func craftedSessions() throws {
        let packets = Self.sessions()
        let plain = try Self.report(packets, tags: []), tagged = try Self.report(packets, tags: Self.twoTags)
        #expect(Self.comparable(plain) == Self.comparable(tagged))
        #expect(Self.comparable(plain) == Self.comparable(try Self.report(packets, tags: Self.oneTag)))
        // Seven flows: the MS-TURN connection and its reuse, the flipped one, the mid-stream one,
        // SIP, and the idle connection's two.
        let flows = plain.flows
        #expect(flows.count == 7)
        let turn = try #require(flows.first)
        // SYN, SYN-ACK, ACK, the client's data, a retransmission (the segment that fills the hole
        // lies before the highest sequence seen, then its repeat), the relay's data, its zero
        // window (a bare ACK), FIN each way.
        #expect(turn["history"] as? String == "ShADTdwaFf")
        #expect(turn["end_reason"] as? String == "reused" && turn["conn_state"] as? String == "SF")
        let stun = try #require(turn["stun"] as? [String: Any])
        // RFC 5769's request and its response (one transaction); six RTP data frames from the
        // client, three from the relay.
        #expect(stun["messages"] as? Int == 2 && stun["transactions_matched"] as? Int == 1)
        #expect((stun["channel_data"] as? [String: Any])?["packets"] as? Int == 9)
        let reused = flows[1]
        #expect(reused["orig_p"] as? Int == 50_000 && reused["resp_p"] as? Int == 443 && reused["history"] as? String == "SrQFfi")
        let idle = flows.filter { $0["orig_p"] as? Int == 40_003 }
        #expect(idle.count == 2 && idle.first?["end_reason"] as? String == "idle")
        // Seen from its SYN-ACK: the client, which the SYN-ACK answered, is the originator.
        #expect(flows.first { $0["orig_p"] as? Int == 40_000 }?["history"] as? String == "^hADd")
    }

    /// All three ways over every bundled capture of Ethernet frames, each frame tagged twice for
    /// the general path and once for the plain one: TLS (handshakes cut over segments, certificates, alerts), MS-TURN and TURN over TCP,
    /// SIP, and every UDP flow (which the tag takes off the datagram path too).
    /// The bundled captures whose every packet is an Ethernet frame (the tag needs one).
    static let ethernetCaptures: [String] = BundledCaptures.all.filter { path in
        guard var reader = try? MappedCaptureReader(path: path) else { return false }
        while let p = reader.next() { if p.linkType != .ethernet { return false } }
        return true
    }

    @Test("every bundled Ethernet capture gives the same report with its frames tagged", arguments: ethernetCaptures)
    func bundledCaptures(path: String) throws {
        var reader = try MappedCaptureReader(path: path)
        var packets: [(Int64, [UInt8], Int)] = []
        while let p = reader.next() { packets.append((p.timestamp, Array(p.bytes), p.originalLength)) }
        func report(tags: [UInt8]) throws -> [String: Any] {
            let records = packets.map { t, f, n in
                TestRecord(seconds: UInt32(t / 1_000_000_000), fraction: UInt32(t % 1_000_000_000), data: Self.tagged(f, tags),
                           originalLength: f.count >= 14 ? n + tags.count : n)
            }
            let file = CaptureFile.temporary(CaptureFile.pcap(records, nanoseconds: true, snaplen: 262_144))
            defer { try? FileManager.default.removeItem(atPath: file) }
            return try analyzeJSON([file])
        }
        let plain = try report(tags: [])
        #expect(Self.comparable(plain) == Self.comparable(try report(tags: Self.twoTags)))
        #expect(Self.comparable(plain) == Self.comparable(try report(tags: Self.oneTag)))
    }

    @Test("the frames of live flows take the plain path, under one 802.1Q tag too; under two tags they do not")
    func plainPathRuns() {
        func run(tags: [UInt8]) -> (tracked: Int, flows: Int) {
            var engine = Engine(settings: FlowSettings())
            for (k, (t, f)) in Self.sessions().enumerated() {
                let frame = Self.tagged(f, tags)
                frame.withUnsafeBytes { b in
                    engine.ingest(Packet(timestamp: t, linkType: .ethernet, interface: 0, originalLength: b.count, bytes: b,
                                         number: k + 1, fileOffset: -1))
                }
            }
            let tracked = engine.tracker.plainSegmentsTracked
            return (tracked, Int(engine.finish().flows))
        }
        let plain = run(tags: []), one = run(tags: Self.oneTag), two = run(tags: Self.twoTags)
        // 36 segments, of which 7 make a flow (each connection's first, the reusing SYN, the
        // segment after the idle pause): 29 on the plain path.
        #expect(Self.sessions().count == 36)
        #expect(plain.tracked == 29 && one.tracked == 29 && two.tracked == 0)
        #expect(plain.flows == 7 && one.flows == 7 && two.flows == 7)
    }
}

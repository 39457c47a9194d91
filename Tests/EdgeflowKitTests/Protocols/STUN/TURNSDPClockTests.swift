import Foundation
import Testing
@testable import EdgeflowKit

/// Which SDP a stream inside TURN takes its clock from: its receiver's real end, else its
/// sender's (RFC 8656: the client's packets go to the peer its channel is bound to, or that its
/// Send indication's XOR-PEER-ADDRESS names; the peer's arrive at the client's relayed address).
/// The offer names the relayed address with SILK/16000 on 96, the answer the peer with
/// opus/48000 on 96, so the codec shows which end was looked up.
@Suite("TURN streams: the receiver's SDP, else the sender's")
struct TURNSDPClockTests {
    static let client = ("198.51.100.10", UInt16(50_040)), server = ("203.0.113.20", UInt16(3478))
    static let relayed = ("203.0.113.20", UInt16(50_000)), peer = ("52.112.0.10", UInt16(50_010))

    static func sip(_ start: String, from: (String, UInt16), to: (String, UInt16), media: (String, UInt16), rtpmap: String) -> [UInt8] {
        let body = "v=0\r\no=- 1 1 IN IP4 \(media.0)\r\ns=-\r\nc=IN IP4 \(media.0)\r\nt=0 0\r\nm=audio \(media.1) RTP/AVP 96\r\na=rtpmap:96 \(rtpmap)\r\n"
        let head = "\(start)\r\nVia: SIP/2.0/UDP \(from.0):5060\r\nCall-ID: turn\r\nCSeq: 1 INVITE\r\n"
            + "Content-Type: application/sdp\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        return Frames.udp4(from.0, from.1, to.0, to.1, payload: Array((head + body).utf8))
    }

    /// A STUN attribute (RFC 8489 §14), padded to 4 bytes.
    static func attribute(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
        Frames.be16(type) + Frames.be16(UInt16(value.count)) + value + [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
    }

    /// An XOR-*-ADDRESS value for IPv4 (RFC 8489 §14.2: port XOR the cookie's top 16 bits, address XOR the cookie).
    static func xorAddress(_ end: (String, UInt16)) -> [UInt8] {
        let o = end.0.split(separator: ".").map { UInt32($0)! }
        let ip = o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3]
        return [0, 1] + Frames.be16(end.1 ^ 0x2112) + Frames.be32(ip ^ 0x2112_A442)
    }

    /// A STUN message of TYPE with ATTRIBUTES, transaction id from K.
    static func stun(_ type: UInt16, _ k: UInt8, _ attributes: [[UInt8]]) -> [UInt8] {
        let body = attributes.flatMap { $0 }
        return Frames.be16(type) + Frames.be16(UInt16(body.count)) + Frames.be32(0x2112_A442) + [UInt8](repeating: k, count: 12) + body
    }

    /// RTP of payload type 96, 20 ms apart (960 ticks at 48 kHz).
    static func rtp(_ seq: UInt16, ssrc: UInt32) -> [UInt8] {
        [0x80, 96] + Frames.be16(seq) + Frames.be32(UInt32(seq) * 960) + Frames.be32(ssrc) + [UInt8](repeating: 0xF8, count: 40)
    }

    static func codecs(_ records: [TestRecord]) throws -> [String: String] {
        let path = CaptureFile.temporary(CaptureFile.pcap(records))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try analyzeJSON([path])
        var out: [String: String] = [:]
        for f in report.flows where f["resp_p"] as? Int == 3478 {
            for s in f["rtp"] as? [[String: Any]] ?? [] {
                out["\(s["ssrc"] as? String ?? "") \(s["dir"] as? String ?? "")"] = "\(s["codec"] as? String ?? "none") \(s["clock_source"] as? String ?? "none")"
            }
        }
        return out
    }

    static func signalling() -> [TestRecord] {
        [TestRecord(seconds: 1_000, fraction: 0, data: sip("INVITE sip:o365@203.0.113.20 SIP/2.0", from: (client.0, 5060), to: (server.0, 5060),
                                                          media: relayed, rtpmap: "SILK/16000")),
         TestRecord(seconds: 1_000, fraction: 1, data: sip("SIP/2.0 200 OK", from: (server.0, 5060), to: (client.0, 5060),
                                                          media: peer, rtpmap: "opus/48000/2"))]
    }

    @Test("ChannelData: the client's stream takes the peer's SDP (opus), the peer's stream the relayed address's (SILK)")
    func channelData() throws {
        var records = Self.signalling()
        let turn: [[UInt8]] = [
            Self.stun(0x0003, 1, []),                                                        // Allocate request
            Self.stun(0x0103, 1, [Self.attribute(0x0016, Self.xorAddress(Self.relayed))]),   // success: XOR-RELAYED-ADDRESS
            Self.stun(0x0009, 2, [Self.attribute(0x000C, [0x40, 0, 0, 0]), Self.attribute(0x0012, Self.xorAddress(Self.peer))]),
        ]
        for (k, m) in turn.enumerated() {
            let (from, to) = k == 1 ? (Self.server, Self.client) : (Self.client, Self.server)
            records.append(TestRecord(seconds: 1_001, fraction: UInt32(k), data: Frames.udp4(from.0, from.1, to.0, to.1, payload: m)))
        }
        for seq in UInt16(1)...4 {
            let t = 1_000 + UInt32(seq) * 20_000
            let up = Self.rtp(seq, ssrc: 0xA), down = Self.rtp(seq, ssrc: 0xB)
            records.append(TestRecord(seconds: 1_001, fraction: t, data: Frames.udp4(Self.client.0, Self.client.1, Self.server.0, Self.server.1,
                                                                                     payload: [0x40, 0] + Frames.be16(UInt16(up.count)) + up)))
            records.append(TestRecord(seconds: 1_001, fraction: t + 1, data: Frames.udp4(Self.server.0, Self.server.1, Self.client.0, Self.client.1,
                                                                                         payload: [0x40, 0] + Frames.be16(UInt16(down.count)) + down)))
        }
        #expect(try Self.codecs(records) == ["0xa orig": "opus sdp", "0xb resp": "SILK sdp"])
    }

    @Test("Send and Data indications: XOR-PEER-ADDRESS is the peer; an allocation whose relayed address no SDP named falls back to the peer's")
    func indications() throws {
        var records = Self.signalling()
        let other = ("203.0.113.20", UInt16(50_002))
        records.append(TestRecord(seconds: 1_001, fraction: 0, data: Frames.udp4(Self.client.0, Self.client.1, Self.server.0, Self.server.1,
                                                                                 payload: Self.stun(0x0003, 1, []))))
        records.append(TestRecord(seconds: 1_001, fraction: 1, data: Frames.udp4(Self.server.0, Self.server.1, Self.client.0, Self.client.1,
                                                                                 payload: Self.stun(0x0103, 1, [Self.attribute(0x0016, Self.xorAddress(other))]))))
        for seq in UInt16(1)...4 {
            let t = 1_000 + UInt32(seq) * 20_000
            let send = Self.stun(0x0016, UInt8(seq), [Self.attribute(0x0012, Self.xorAddress(Self.peer)), Self.attribute(0x0013, Self.rtp(seq, ssrc: 0xC))])
            let data = Self.stun(0x0017, UInt8(seq), [Self.attribute(0x0012, Self.xorAddress(Self.peer)), Self.attribute(0x0013, Self.rtp(seq, ssrc: 0xD))])
            records.append(TestRecord(seconds: 1_001, fraction: t, data: Frames.udp4(Self.client.0, Self.client.1, Self.server.0, Self.server.1, payload: send)))
            records.append(TestRecord(seconds: 1_001, fraction: t + 1, data: Frames.udp4(Self.server.0, Self.server.1, Self.client.0, Self.client.1, payload: data)))
        }
        #expect(try Self.codecs(records) == ["0xc orig": "opus sdp", "0xd resp": "opus sdp"])
    }
}

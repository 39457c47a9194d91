import Testing
@testable import EdgeflowKit

func next(_ b: [UInt8], _ mode: TCPFramingMode = .auto) -> TCPPDU { b.withUnsafeBytes { TCPFraming.next($0, mode: mode) } }

@Suite("TCP framing, ChannelData and the first-byte demux")
struct FramingTests {
    /// Constructed frames around the RFC 5769 §2.2 message (protocols.md §4.4, §6).
    @Test func msTURNAndRFC4571Frames() throws {
        let msg = RFC5769.ipv4Response
        let ms = [0x02, 0x00, 0x00, 0x50] + msg
        #expect(next(ms) == TCPPDU(.msTURNControl, length: 84, payloadOffset: 4, payloadLength: 80))
        #expect(next(ms, .msTURN) == TCPPDU(.msTURNControl, length: 84, payloadOffset: 4, payloadLength: 80))
        #expect(next(ms).kind.impliedMode == .msTURN)
        let inner = try #require(stun(Array(ms[4..<84])))
        #expect(inner.attributes.xorMappedAddress?.text == "192.0.2.1:32853")

        let data: [UInt8] = [0x03, 0x00, 0x00, 0x05, 0x80, 0x00, 0x00, 0x01, 0xAA]
        #expect(next(data) == TCPPDU(.msTURNData, length: 9, payloadOffset: 4, payloadLength: 5))
        #expect(next(data, .msTURN).kind == .msTURNData)
        #expect(next(Array(data[0..<6]), .msTURN) == TCPPDU(.needMore, length: 9))
        #expect(next([0x04, 0x00, 0x00, 0x01, 0x00], .msTURN).kind == .unrecognised)

        let r4571 = [0x00, 0x50] + msg
        #expect(next(r4571) == TCPPDU(.rfc4571, length: 82, payloadOffset: 2, payloadLength: 80))
        #expect(next(r4571, .rfc4571) == TCPPDU(.rfc4571, length: 82, payloadOffset: 2, payloadLength: 80))
        #expect(next(Array(r4571[0..<40])) == TCPPDU(.needMore, length: 82))

        #expect(next(msg) == TCPPDU(.stun, length: 80, payloadOffset: 0, payloadLength: 80))
        #expect(next(msg, .plain).kind == .stun)
        // Two back to back, then a cut third.
        let stream = ms + ms + Array(ms[0..<10])
        var off = 0, kinds: [TCPPDUKind] = []
        while true {
            let p = next(Array(stream[off...]), .msTURN)
            kinds.append(p.kind)
            guard p.kind != .needMore, p.kind != .unrecognised else { break }
            off += p.length
        }
        #expect(kinds == [.msTURNControl, .msTURNControl, .needMore])
    }

    /// MS-TURN pseudo-TLS opening, bytes as in protocols.md §4.4 (random and session id arbitrary).
    @Test func pseudoTLS() {
        let client: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x2d, 0x01, 0x00, 0x00, 0x29, 0x03, 0x01]
            + [UInt8](repeating: 0xc1, count: 32) + [0x00, 0x00, 0x02, 0x00, 0x18, 0x01, 0x00]
        #expect(client.count == 50)
        #expect(next(client) == TCPPDU(.pseudoTLSClientHello, length: 50, payloadOffset: 5, payloadLength: 45))
        #expect(next(client).kind.impliedMode == .msTURN)
        #expect(next(Array(client[0..<20])) == TCPPDU(.needMore, length: 50))
        let server: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x4e, 0x02, 0x00, 0x00, 0x46, 0x03, 0x01]
            + [UInt8](repeating: 0x11, count: 32) + [0x20] + [UInt8](repeating: 0x22, count: 32)
            + [0x00, 0x18, 0x00, 0x0e, 0x00, 0x00, 0x00]
        #expect(server.count == 83)
        #expect(next(server + [0x02, 0x00]) == TCPPDU(.pseudoTLSServerHello, length: 83, payloadOffset: 5, payloadLength: 78))
        // A real TLS ClientHello (other length, extensions) is not pseudo-TLS.
        var real = client
        real[4] = 0x30
        #expect(next(real).kind == .unrecognised)
        #expect(next(client, .rfc4571) == TCPPDU(.needMore, length: 0x1603 + 2))
    }

    /// ChannelData examples of protocols.md §2.3.
    @Test func channelDataPadding() throws {
        let udp: [UInt8] = [0x40, 0x00, 0x00, 0x03, 0x61, 0x62, 0x63]
        let tcp = udp + [0x00]
        for b in [udp, tcp] {
            let c = try b.withUnsafeBytes { p throws(ChannelDataFailure) in try ChannelData.decode(p) }
            #expect(c.channel == 0x4000 && c.length == 3 && c.data == ByteRange(offset: 4, length: 3))
            #expect(c.wireLength == b.count && !c.outsideRFC8656Range)
            #expect(classify(b) == .channelData)
        }
        #expect(next(tcp + tcp) == TCPPDU(.channelData, length: 8, payloadOffset: 0, payloadLength: 8))
        #expect(next(udp, .plain) == TCPPDU(.needMore, length: 8))
        let tooLong = tcp + [0x00]
        #expect(throws: ChannelDataFailure.lengthMismatch) { try tooLong.withUnsafeBytes { p throws(ChannelDataFailure) in try ChannelData.decode(p) } }
        let tcpDecoded = try (tcp + [0x99]).withUnsafeBytes { p throws(ChannelDataFailure) in try ChannelData.decode(p, overTCP: true) }
        #expect(tcpDecoded.wireLength == 8)
        let reserved: [UInt8] = [0x50, 0x00, 0x00, 0x00]
        let r = try reserved.withUnsafeBytes { p throws(ChannelDataFailure) in try ChannelData.decode(p) }
        #expect(r.outsideRFC8656Range)
        let bad: [UInt8] = [0x80, 0x00, 0x00, 0x00]
        #expect(throws: ChannelDataFailure.badChannel) { try bad.withUnsafeBytes { p throws(ChannelDataFailure) in try ChannelData.decode(p) } }
    }

    /// MS-TURN multiplexed TURN 0xFF10 (MS-TURN §2.2.3).
    @Test func multiplexedTURN() throws {
        let b: [UInt8] = [0xFF, 0x10, 0x00, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 0x80, 0x00, 0x00, 0x01]
        #expect(classify(b) == .msMultiplexedTURN)
        let m = try b.withUnsafeBytes { p throws(ChannelDataFailure) in try MultiplexedTURN.decode(p) }
        #expect(m.sessionID == 0x0102030405060708 && m.data == ByteRange(offset: 12, length: 4) && m.wireLength == 16)
        #expect(next(b) == TCPPDU(.msMultiplexedTURN, length: 16, payloadOffset: 0, payloadLength: 16))
        let short: [UInt8] = [0xFF, 0x10, 0x00, 0x04, 1, 2, 3, 4, 0, 0, 0, 0]
        #expect(throws: ChannelDataFailure.lengthMismatch) { try short.withUnsafeBytes { p throws(ChannelDataFailure) in try MultiplexedTURN.decode(p) } }
    }

    /// RFC 7983 first-byte demux.
    @Test func demux() {
        #expect(classify(RFC5769.request) == .stun)
        // Cut short: the cookie says STUN, the Length (88) does not fit the 80 bytes left.
        #expect(classify(Array(RFC5769.request[0..<100])) == .stunMalformed)
        #expect(classify([0x00, 0x01, 0x00, 0x58] + [UInt8](repeating: 0, count: 96)) == .unknown)
        #expect(classify([0x16, 0xfe, 0xfd] + [UInt8](repeating: 0, count: 20)) == .dtls)
        #expect(classify([0x16, 0x03, 0x01] + [UInt8](repeating: 0, count: 20)) == .unknown)
        // RFC 9147 §4 unified header (0 0 1 C S L E E): 32-63 without a DTLS version, 12+ bytes.
        #expect(classify([0x2F, 0x00, 0x01, 0x00, 0x08] + [UInt8](repeating: 0, count: 8)) == .dtlsUnified)
        #expect(classify([0x2F, 0x00, 0x01, 0x00, 0x08, 0, 0]) == .unknown)
        #expect(classify([0x16, 0x00, 0x01] + [UInt8](repeating: 0, count: 20)) == .unknown)
        #expect(classify([0x10, 0x00, 0x00, 0x01, 0x5a, 0x52, 0x54, 0x50, 0, 0, 0, 0]) == .zrtp)
        #expect(classify(hex("80e6006567cf51910eaf0eaf20000373")) == .rtp)
        #expect(classify(hex("81c9000701932db400000000010000010000bec2000000010000000000000000")) == .rtcp)
        #expect(classify([0xFF, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == .unknown)
        #expect(classify([0x4F, 0, 0, 0]) == .channelData)
        #expect(classify([0x55, 0, 0, 0]) == .unknown)      // 80-127: needs flow context (RFC 7983)
        #expect(classify([0x50, 0, 0, 9]) == .unknown)
        #expect(classify([0xC0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == .unknown)
        #expect(classify([]) == .unknown)
        // Every kind has its own name.
        #expect(Set(UDPPayloadKind.allCases.map(\.name)).count == UDPPayloadKind.allCases.count)
    }
}

import Testing
@testable import EdgeflowKit

/// The SDP lines that tie signalling to media, on RFC 8866's own example and on hostile bodies.
@Suite("SDP: c=, m=, a=rtpmap, a=fingerprint")
struct SDPTests {
    /// RFC 8866 §5's example session description (session-level c=, a media section with its
    /// own IPv6 c= and an rtpmap), with LF line ends as the RFC allows parsers to accept.
    static let rfc8866Example = """
        v=0
        o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1
        s=Call to John Smith
        i=SDP Offer #1
        u=http://www.jdoe.example.com/home.html
        e=Jane Doe <jane@jdoe.example.com>
        p=+1 617 555-6011
        c=IN IP4 198.51.100.1
        t=0 0
        m=audio 49170 RTP/AVP 0
        m=audio 49180 RTP/AVP 0
        m=video 51372 RTP/AVP 99
        c=IN IP6 2001:db8::2
        a=rtpmap:99 h263-1998/90000

        """

    static func parse(_ text: String) -> (SDPDescription, [UInt8]) {
        let bytes = Array(text.utf8)
        return (bytes.withUnsafeBytes { SDPDescription.parse($0) }, bytes)
    }

    static func text(_ r: ByteRange?, _ bytes: [UInt8]) -> String? {
        r.map { r in bytes.withUnsafeBytes { String(decoding: r.slice(of: $0), as: UTF8.self) } }
    }

    @Test func rfc8866ExampleGivesItsThreeMediaSections() {
        let (d, bytes) = Self.parse(Self.rfc8866Example)
        #expect(d.mediaCount == 3)
        let media = (0..<d.mediaCount).map { d.media[$0] }
        #expect(media.map { Self.text($0.address, bytes) } == ["198.51.100.1", "198.51.100.1", "2001:db8::2"])
        #expect(media.map(\.port) == [49170, 49180, 51372])
        #expect(media.map { m in (0..<m.typeCount).map { m.payloadTypes[$0] } } == [[0], [0], [99]])
        #expect(media.map(\.rtpmapCount) == [0, 0, 1])
        #expect(media[2].rtpmapType[0] == 99 && media[2].rtpmapClock[0] == 90000)
        #expect(Self.text(media[2].rtpmapName[0], bytes) == "h263-1998")
        #expect(d.fingerprint == nil)
    }

    /// RFC 8122 §5's fingerprint attribute, CRLF line ends, a rejected stream (port 0, RFC 3264 §6)
    /// and RFC 3551's dynamic-type example (a=rtpmap with an encoding parameter).
    @Test func fingerprintRejectedStreamAndEncodingParameters() {
        let body = "v=0\r\nc=IN IP4 192.0.2.7\r\na=fingerprint:sha-256 4A:AD:B9\r\nm=video 0 RTP/AVP 31\r\n"
            + "m=audio 5004 RTP/SAVP 96 101\r\na=rtpmap:96 L16/16000/2\r\na=rtpmap:101 telephone-event/8000\r\n"
        let (d, bytes) = Self.parse(body)
        #expect(d.mediaCount == 1)
        #expect(Self.text(d.fingerprint, bytes) == "sha-256 4A:AD:B9")
        let m = d.media[0]
        #expect(Self.text(m.address, bytes) == "192.0.2.7" && m.port == 5004 && m.typeCount == 2)
        #expect(m.rtpmapCount == 2 && m.rtpmapType[0] == 96 && m.rtpmapClock[0] == 16000 && m.rtpmapClock[1] == 8000)
        #expect(Self.text(m.rtpmapName[0], bytes) == "L16" && Self.text(m.rtpmapName[1], bytes) == "telephone-event")
    }

    /// A c= after a media section beyond the slots is not taken for the session's.
    @Test func sectionsBeyondTheSlotsAreSkippedWithTheirLines() {
        var body = "c=IN IP4 192.0.2.1\n"
        for i in 0..<6 { body += "m=audio \(4000 + 2 * i) RTP/AVP 0\nc=IN IP4 198.51.100.\(i)\n" }
        body += "m=audio 5000 RTP/AVP 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 200\n"
        let (d, bytes) = Self.parse(body)
        #expect(d.mediaCount == SDPDescription.mediaSlots)
        #expect((0..<d.mediaCount).map { Self.text(d.media[$0].address, bytes) } == (0..<4).map { "198.51.100.\($0)" })
    }

    @Test func hostileBodiesNeverTrapAndStayBounded() {
        var rng = SplitMix64(seed: 0x5D9)
        let alphabet = Array("cmavo=IN IP4 6 :/0123456789.\r\nrtpmap:fingerprint:audio RTP/AVP ".utf8)
        for _ in 0..<3000 {
            let n = Int(rng.next() % 300)
            let bytes = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let d = bytes.withUnsafeBytes { SDPDescription.parse($0) }
            #expect(d.mediaCount <= SDPDescription.mediaSlots)
            for i in 0..<d.mediaCount {
                let m = d.media[i]
                #expect(m.typeCount <= SDPDescription.typeSlots && m.rtpmapCount <= SDPDescription.rtpmapSlots)
                if let a = m.address { #expect(a.end <= n) }
                for j in 0..<m.rtpmapCount { #expect(m.rtpmapName[j].end <= n) }
            }
        }
    }

    /// The SIP scanner marks an application/sdp body (long and compact Content-Type, RFC 3261
    /// §20.15 and §7.3.3), and SIPCounts keeps each (Call-ID, address, port) once.
    @Test func sipCountsKeepsEachSDPMediaSectionOnce() throws {
        let sdp = "v=0\r\nc=IN IP4 192.0.2.9\r\nm=audio 30000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
        func message(_ contentType: String) -> [UInt8] {
            Array(("INVITE sip:b@192.0.2.2 SIP/2.0\r\nCall-ID: abc@192.0.2.9\r\n\(contentType)\r\nContent-Length: \(sdp.utf8.count)\r\n\r\n" + sdp).utf8)
        }
        var counts = SIPCounts()
        for ct in ["Content-Type: application/sdp", "c: Application/SDP;charset=utf-8", "Content-Type: text/plain"] {
            let bytes = message(ct)
            try bytes.withUnsafeBytes { b in
                guard case .message(let head) = SIPMessageScanner.scan(b, datagram: true) else { Issue.record("not SIP: \(ct)"); return }
                #expect(head.bodyIsSDP == !ct.hasSuffix("plain"), "\(ct)")
                counts.record(head, in: b)
                _ = try #require(counts.media.first)
            }
        }
        #expect(counts.media.count == 1)
        let m = try #require(counts.media.first)
        #expect(m.callID == "abc@192.0.2.9" && m.ip == IPAddress("192.0.2.9") && m.port == 30000 && m.payloadTypes == [111])
        #expect(m.rtpmap(111) == SDPMedia.RTPMap(payloadType: 111, encoding: "opus", clock: 48000))
    }

    /// Hostile SIP datagrams carrying SDP: SIPCounts keeps at most `mediaLimit` sections, each
    /// with at most the parser's payload types and rtpmaps.
    @Test func hostileSIPWithSDPStaysBounded() {
        var rng = SplitMix64(seed: 0x51D)
        var counts = SIPCounts()
        for k in 0..<2000 {
            var sdp = "v=0\r\nc=IN IP4 192.0.2.\(rng.next() % 256)\r\n"
            for _ in 0..<Int(rng.next() % 6) {
                sdp += "m=audio \(rng.next() % 70000) RTP/AVP \(rng.next() % 300) 96\r\na=rtpmap:\(rng.next() % 130) x/\(rng.next() % 100000)\r\n"
            }
            let cut = sdp.utf8.count - Int(rng.next() % UInt64(sdp.utf8.count))
            let body = String(decoding: Array(sdp.utf8).prefix(cut), as: UTF8.self)
            let bytes = Array("INVITE sip:b@x SIP/2.0\r\nCall-ID: \(k % 40)\r\nContent-Type: application/sdp\r\n\r\n\(body)".utf8)
            bytes.withUnsafeBytes { b in
                if case .message(let head) = SIPMessageScanner.scan(b, datagram: true) { counts.record(head, in: b) }
            }
        }
        #expect(counts.media.count == SIPCounts.mediaLimit)
        #expect(counts.media.allSatisfy { $0.payloadTypes.count <= SDPDescription.typeSlots && $0.rtpmaps.count <= SDPDescription.rtpmapSlots && $0.port > 0 })
    }
}

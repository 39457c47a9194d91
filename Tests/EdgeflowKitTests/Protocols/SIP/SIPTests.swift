import Foundation
import Testing
@testable import EdgeflowKit

/// One scanned message, with its values copied out.
private struct Seen: Equatable {
    var method: String?
    var status: UInt16
    var callID: String?
    var contentLength: Int?
}

/// Scans every message in a byte stream (TCP) or datagram.
private func scanAll(_ bytes: [UInt8], datagram: Bool = false) -> (messages: [Seen], rest: Int) {
    var out: [Seen] = []
    var off = 0
    bytes.withUnsafeBytes { all in
        while off < all.count {
            let b = UnsafeRawBufferPointer(rebasing: all[off...])
            switch SIPMessageScanner.scan(b, datagram: datagram) {
            case .message(let h):
                out.append(Seen(method: h.methodName(in: b), status: h.statusCode, callID: h.callID(in: b), contentLength: h.contentLength))
                off += h.messageLength
            case .keepAlive(let n):
                off += n
            case .needMoreData, .notSIP:
                return
            }
        }
    }
    return (out, bytes.count - off)
}

/// Pushes segments through a reassembler and scans messages as they complete.
private func scanSegments(_ segments: [Fixtures.Segment], _ direction: StreamDirection) -> [Seen] {
    var r = StreamReassembler(budget: 4096)
    var out: [Seen] = []
    for seg in segments where seg.direction == direction {
        seg.payload.withUnsafeBytes { r.add(seq: seg.seq, payload: $0, syn: seg.syn) }
        var used = 0
        repeat {
            used = r.withContiguous { b -> Int in
                switch SIPMessageScanner.scan(b) {
                case .message(let h):
                    out.append(Seen(method: h.methodName(in: b), status: h.statusCode, callID: h.callID(in: b), contentLength: h.contentLength))
                    return h.messageLength
                case .keepAlive(let n): return n
                case .needMoreData, .notSIP: return 0
                }
            }
            r.consume(used)
        } while used > 0
    }
    return out
}

private func tsharkSeen(_ rows: [[String: String]]) -> [Seen] {
    rows.map { row in
        Seen(method: row["sip.Method"]!.isEmpty ? nil : row["sip.Method"], status: UInt16(row["sip.Status-Code"]!) ?? 0,
             callID: row["sip.Call-ID"], contentLength: Int(row["sip.Content-Length"]!))
    }
}

@Suite("Plaintext SIP")
struct SIPTests {
    /// sngrep-aaa.pcap: 81 SIP datagrams; tshark `-Y sip -e sip.Method -e sip.Status-Code
    /// -e sip.Call-ID -e sip.Content-Length`, frame by frame.
    @Test func sngrepUDPMatchesTshark() {
        let datagrams = Fixtures.datagrams("sngrep-aaa-sip")
        let expected = tsharkSeen(Fixtures.tshark("sngrep-aaa-sip"))
        var got: [Seen] = []
        for d in datagrams {
            let (m, rest) = scanAll(d.payload, datagram: true)
            #expect(m.count == 1 && rest == 0, "frame \(d.frame)")
            got += m
        }
        #expect(got == expected)
        #expect(got.filter { $0.method == "REGISTER" }.count == 18)
        #expect(got.filter { $0.method == "INVITE" }.count == 11)
        #expect(got.filter { $0.method == "CANCEL" }.count == 11)
        #expect(got.filter { $0.method == "ACK" }.count == 7)
        #expect(got.filter { $0.status == 401 }.count == 14)
        #expect(Set(got.compactMap(\.callID)).count == 6)
    }

    /// heplify-sip_ipv4_tcp.pcap, TCP stream 0: INVITE, 100, 180, 200, ACK, BYE, 200.
    @Test func heplifyTCPStreamMatchesTshark() {
        let segments = Fixtures.segments("heplify-sip-tcp")
        let follow = Fixtures.follow("heplify-sip-tcp")
        let expected = tsharkSeen(Fixtures.tshark("heplify-sip-tcp"))
        let orig = scanAll(follow.orig), resp = scanAll(follow.resp)
        #expect(orig.rest == 0 && resp.rest == 0)
        #expect(Set(orig.messages.map { $0.method ?? "\($0.status)" } + resp.messages.map { $0.method ?? "\($0.status)" })
                == Set(expected.map { $0.method ?? "\($0.status)" }))
        #expect(orig.messages.count + resp.messages.count == expected.count)
        #expect(orig.messages.allSatisfy { $0.callID == "158936656982201062716@10.33.6.100" })
        let invite = orig.messages.first { $0.method == "INVITE" }
        #expect(invite?.contentLength == 228)
        // The same through the reassembler, and with random segmentation.
        for seed in UInt64(0)...4 {
            let cut = seed == 0 ? segments : resegment(segments, seed: seed, isnShift: (UInt32(seed) << 30, 17))
            #expect(scanSegments(cut, .orig) == orig.messages, "seed \(seed)")
            #expect(scanSegments(cut, .resp) == resp.messages, "seed \(seed)")
        }
    }

    /// heplify-sip_ipv4_tcp_retrans.pcap, stream 2: the 200 OK is retransmitted; it is one
    /// message in the stream.
    @Test func retransmissionIsScannedOnce() {
        let segments = Fixtures.segments("heplify-sip-tcp-retrans")
        #expect(scanSegments(segments, .orig).map(\.method) == ["REGISTER", "REGISTER"])
        #expect(scanSegments(segments, .resp).map(\.status) == [401, 200])
        #expect(Set(scanSegments(segments, .orig).map(\.callID)) == ["1c35908a84584771bcc93bd496e0a852"])
    }

    @Test func edgeSampleOptionsAnswered403() {
        let follow = Fixtures.follow("edge-flow15-sip-tcp")
        #expect(scanAll(follow.orig).messages.map(\.method) == ["OPTIONS"])
        #expect(scanAll(follow.resp).messages.map(\.status) == [403])
        #expect(scanAll(follow.orig).messages.first?.callID == "6496164dc09f0805")
    }

    @Test func compactHeadersAndSeveralMessagesPerSegment() {
        let one = "MESSAGE sip:bob@contoso.com SIP/2.0\r\ni:  abc@host \r\nl: 5\r\nVia: SIP/2.0/TCP x\r\n\r\nhello"
        let two = "SIP/2.0 200 OK\r\nCALL-ID: xyz\r\nContent-Length: 0\r\n\r\n"
        let bytes = Array(("\r\n\r\n" + one + two).utf8)
        let (m, rest) = scanAll(bytes)
        #expect(rest == 0)
        #expect(m == [Seen(method: "MESSAGE", status: 0, callID: "abc@host", contentLength: 5),
                      Seen(method: nil, status: 200, callID: "xyz", contentLength: 0)])
        // Every prefix is either "need more" or a whole first message.
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[4..<max(4, cut)])
            let r = prefix.withUnsafeBytes { SIPMessageScanner.scan($0) }
            if prefix.count < one.utf8.count { #expect(r == .needMoreData, "cut \(cut)") }
        }
    }

    @Test func notSIP() {
        let cases: [(String, SIPFailure)] = [
            ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", SIPFailure(.badRequestLine, at: 6)),
            ("\u{16}\u{03}\u{01}\u{00}\u{05}hello\r\n", SIPFailure(.badMethod, at: 0)),
            ("SIP/2.0 99 Low\r\n\r\n", SIPFailure(.badStatusLine, at: 10)),
            ("SIP/2.0 099 Low\r\n\r\n", SIPFailure(.badStatusLine, at: 8)),
            ("INVITE sip:x SIP/3.0\r\n\r\n", SIPFailure(.badRequestLine, at: 12)),
            ("INVITE  sip:x SIP/2.0\r\n\r\n", SIPFailure(.badRequestLine, at: 7)),
        ]
        for (text, failure) in cases {
            let r = Array(text.utf8).withUnsafeBytes { SIPMessageScanner.scan($0) }
            #expect(r == .notSIP(failure), "\(text)")
        }
        let long = Array(repeating: UInt8(ascii: "A"), count: 8192)
        #expect(long.withUnsafeBytes { SIPMessageScanner.scan($0) } == .notSIP(SIPFailure(.badMethod, at: 32)))
        let noEnd = Array(("OPTIONS sip:x SIP/2.0\r\nX: " + String(repeating: "y", count: SIPMessageScanner.maxHeaderLength)).utf8)
        #expect(noEnd.withUnsafeBytes { SIPMessageScanner.scan($0) }
                == .notSIP(SIPFailure(.headersTooLong, at: SIPMessageScanner.maxHeaderLength)))
        #expect(Array("REGIS".utf8).withUnsafeBytes { SIPMessageScanner.scan($0) } == .needMoreData)
        #expect(Array("SIP/2".utf8).withUnsafeBytes { SIPMessageScanner.scan($0) } == .needMoreData)
    }

    /// sngrep-aaa.pcap frame 19 (tshark: REGISTER, Content-Length 0) with its start line broken:
    /// each scan names the reason and the offset in the datagram.
    @Test func brokenStartLineOfARealRegister() throws {
        let frame = try #require(Fixtures.datagrams("sngrep-aaa-sip").first { $0.frame == 19 })
        let line = Array("REGISTER sip:sip.cybercity.dk SIP/2.0\r\n".utf8)
        #expect(Array(frame.payload.prefix(line.count)) == line)
        func scan(_ b: [UInt8]) -> SIPScan { b.withUnsafeBytes { SIPMessageScanner.scan($0, datagram: true) } }
        guard case .message(let head) = scan(frame.payload) else { Issue.record("frame 19 is a message"); return }
        #expect(head.method == .register && head.contentLength == 0)

        var version = frame.payload
        version[35] = UInt8(ascii: "3")  // SIP/3.0: the version at 29 is not " SIP/2.0"
        #expect(scan(version) == .notSIP(SIPFailure(.badRequestLine, at: 29)))
        var tab = frame.payload
        tab[8] = 0x09  // the method is not followed by a space
        #expect(scan(tab) == .notSIP(SIPFailure(.badMethod, at: 8)))
        var noURI = frame.payload
        noURI.replaceSubrange(9..<29, with: [])  // "REGISTER  SIP/2.0": empty Request-URI
        #expect(scan(noURI) == .notSIP(SIPFailure(.badRequestLine, at: 9)))
        // A body announced past the datagram's end.
        let body = Array(String(decoding: frame.payload, as: UTF8.self)
            .replacingOccurrences(of: "Content-Length: 0\r\n", with: "Content-Length: 10\r\n").utf8)
        #expect(body.count == frame.payload.count + 1)
        #expect(scan(body) == .notSIP(SIPFailure(.bodyOverrun, at: body.count)))
    }
}

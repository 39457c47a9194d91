import Testing
@testable import EdgeflowKit

private func parse(_ bytes: [UInt8]) throws(DNSFailure) -> DNSMessage {
    let r: Result<DNSMessage, DNSFailure> = bytes.withUnsafeBytes { b in
        Result { () throws(DNSFailure) -> DNSMessage in try DNSMessage.parse(b) }
    }
    return try r.get()
}

private func allRecords(_ m: DNSMessage) -> [DNSResourceRecord] { m.answers + m.authorities + m.additionals }

/// Compares a parsed message with tshark's row for the same frame (dns.qry.name,
/// dns.qry.type, dns.flags.rcode, dns.count.answers, dns.a, dns.srv.target, dns.srv.port,
/// dns.cname; tshark lists A/SRV/CNAME values of every section).
private func check(_ m: DNSMessage, against row: [String: String], frame: Int) {
    #expect(m.header.isResponse == (row["dns.flags.response"] == "1"), "frame \(frame)")
    #expect(m.questions.first?.name == row["dns.qry.name"], "frame \(frame)")
    #expect(m.questions.first.map { String($0.type) } == row["dns.qry.type"], "frame \(frame)")
    if let rc = row["dns.flags.rcode"], !rc.isEmpty { #expect(String(m.rcode) == rc, "frame \(frame)") }
    #expect(String(m.header.answerCount) == row["dns.count.answers"], "frame \(frame)")
    let records = allRecords(m)
    let a = records.compactMap { r -> String? in if case .a = r.data { r.data.addressText } else { nil } }
    #expect(a.joined(separator: ",") == row["dns.a"], "frame \(frame)")
    let srv = records.compactMap { r -> DNSSRV? in if case .srv(let s) = r.data { s } else { nil } }
    #expect(srv.map(\.target).joined(separator: ",") == row["dns.srv.target"], "frame \(frame)")
    #expect(srv.map { String($0.port) }.joined(separator: ",") == row["dns.srv.port"], "frame \(frame)")
    let cname = records.compactMap { r -> String? in if case .cname(let c) = r.data { c } else { nil } }
    #expect(cname.joined(separator: ",") == row["dns.cname"], "frame \(frame)")
}

private func checkCapture(_ name: String) -> [DNSMessage] {
    let datagrams = Fixtures.datagrams(name)
    let rows = Fixtures.tshark(name)
    #expect(datagrams.count == rows.count)
    var out: [DNSMessage] = []
    for (d, row) in zip(datagrams, rows) {
        #expect(String(d.frame) == row["frame.number"])
        do {
            let m = try parse(d.payload)
            check(m, against: row, frame: d.frame)
            out.append(m)
        } catch {
            Issue.record("frame \(d.frame): \(error)")
        }
    }
    return out
}

@Suite("DNS")
struct DNSTests {
    /// suricata-verify dns-udp-eve-log-srv: `_sip._udp.sip.voice.google.com` SRV, answered
    /// 20 1 5060 sip-anycast-2 and 10 1 5060 sip-anycast-1.
    @Test func suricataSRVAnswers() throws {
        let messages = checkCapture("suricata-dns-srv")
        let answer = try #require(messages.last)
        #expect(answer.answers.map(\.data) == [
            .srv(DNSSRV(priority: 20, weight: 1, port: 5060, target: "sip-anycast-2.voice.google.com")),
            .srv(DNSSRV(priority: 10, weight: 1, port: 5060, target: "sip-anycast-1.voice.google.com")),
        ])
        #expect(answer.rcode == 0)
    }

    /// sngrep-aaa.pcap: 357 DNS datagrams, 237 of them SRV queries.
    @Test func sngrepMatchesTshark() {
        let messages = checkCapture("sngrep-aaa-dns")
        let srvQueries = messages.filter { !$0.header.isResponse && $0.questions.first?.type == DNSType.srv }
        #expect(srvQueries.count == 237)
        #expect(srvQueries.filter { $0.questions[0].name == "_sip._udp.sip.cybercity.dk" }.count == 227)
        #expect(srvQueries.filter { $0.questions[0].name == "_sip._udp.voip.brujula.net" }.count == 10)
    }

    /// The bundled sample: SRV → 0 0 5061 sip.contoso.com with an additional A, an A answer,
    /// NXDOMAIN, and an 8-answer TXT response that arrived in two IPv4 fragments.
    @Test func edgeSampleMatchesTshark() {
        let messages = checkCapture("edge-sample-dns")
        #expect(messages[1].answers.first?.data == .srv(DNSSRV(priority: 0, weight: 0, port: 5061, target: "sip.contoso.com")))
        #expect(messages[1].additionals.first?.data.addressText == "203.0.113.10")
        #expect(messages[5].rcode == 3)
        #expect(messages[5].authorities.first?.type == DNSType.soa)
        #expect(messages[7].answers.count == 8)
    }

    @Test func naptrIsKeptAsOther() throws {
        let d = Fixtures.datagrams("zeek-naptr-dns")
        let m = try parse(d[1].payload)
        #expect(m.questions.first?.name == "fp-de-carrier-vodafone.rcs.telephony.goog")
        #expect(m.questions.first?.type == DNSType.naptr)
        #expect(m.answers.count == 1)
        if case .other = m.answers[0].data {} else { Issue.record("NAPTR parsed as \(m.answers[0].data)") }
    }

    @Test func overTCPWithLengthPrefix() throws {
        let payload = Fixtures.datagrams("suricata-dns-srv")[1].payload
        let framed = [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload + [0x00]
        for cut in 0..<(framed.count - 1) {
            let r = Array(framed[0..<cut]).withUnsafeBytes { DNSMessage.parseTCP($0) }
            #expect(r == nil)
        }
        let whole = framed.withUnsafeBytes { DNSMessage.parseTCP($0) }
        #expect(whole?.length == payload.count + 2)
        let m = try #require(try whole?.result.get())
        #expect(m.answers.count == 2)
    }

    @Test func compressionLoopIsMalformed() {
        // Header: 1 question. The name at 12 is a pointer to itself.
        let selfLoop: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]
        // Loops end at the 129th jump, on the pointer at 12 (or 16 then 14).
        #expect(throws: DNSFailure(.malformedName, at: 12)) { try parse(selfLoop) }
        // Two pointers to each other, behind a label.
        let pingPong: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 0xC0, 16, 0xC0, 14, 0, 1, 0, 1]
        #expect(throws: DNSFailure(.malformedName, at: 14)) { try parse(pingPong) }
        // A pointer past the end of the message.
        let outside: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 200, 0, 1, 0, 1]
        #expect(throws: DNSFailure(.malformedName, at: 12)) { try parse(outside) }
        // A reserved label type (0x40).
        let reserved: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0x61, 0, 0, 1, 0, 1]
        #expect(throws: DNSFailure(.malformedName, at: 12)) { try parse(reserved) }
    }

    @Test func nameLongerThan255IsMalformed() {
        var msg: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for _ in 0..<5 { msg += [63] + Array(repeating: 0x61, count: 63) }  // 5 × 64 = 320 bytes
        msg += [0, 0, 1, 0, 1]
        // The fourth label (at 12 + 3 × 64) brings the name to 256 bytes.
        #expect(throws: DNSFailure(.malformedName, at: 12 + 3 * 64)) { try parse(msg) }
        // 3 × 64 + 1 = 193 bytes is fine.
        var ok: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for _ in 0..<3 { ok += [63] + Array(repeating: 0x62, count: 63) }
        ok += [0, 0, 1, 0, 1]
        #expect((try? parse(ok))?.questions.first?.name.count == 3 * 63 + 2)
    }

    @Test func truncatedMessages() {
        let payload = Fixtures.datagrams("suricata-dns-srv")[1].payload
        // Every cut is `.truncated` at a field that starts at or before the cut; a cut
        // header is reported at the cut itself.
        for cut in 0..<payload.count {
            do throws(DNSFailure) {
                _ = try parse(Array(payload[0..<cut]))
                Issue.record("cut \(cut) parsed")
            } catch {
                #expect(error.reason == .truncated && Int(error.offset) <= cut, "cut \(cut)")
                if cut < DNSHeader.size { #expect(Int(error.offset) == cut) }
            }
        }
    }

    @Test func ipv6Text() {
        #expect(DNSRecordData.aaaa(0x2603_1063_0000_0000, 0x0000_0000_0000_0005).addressText == "2603:1063::5")
        #expect(DNSRecordData.aaaa(0x2001_0db8_0001_0002, 0x0003_0004_0005_0006).addressText == "2001:db8:1:2:3:4:5:6")
    }

    /// suricata-dns-srv.pcap frame 2 (tshark: 2 SRV answers, targets sip-anycast-2/-1.voice.google.com):
    /// the first answer's name is at 48, its type at 50, RDLENGTH at 58, RDATA at 60 and the
    /// SRV target at 66. Altered, each failure names its reason and offset.
    @Test func failuresInARealSRVAnswer() throws {
        let payload = Fixtures.datagrams("suricata-dns-srv")[1].payload
        #expect(try parse(payload).answers.count == 2)
        func failure(_ change: (inout [UInt8]) -> Void) -> DNSFailure? {
            var b = payload
            change(&b)
            do throws(DNSFailure) { _ = try parse(b); return nil } catch { return error }
        }
        #expect(failure { $0[59] = 6 } == DNSFailure(.badRecordData, at: 60))      // SRV needs 7 bytes or more
        #expect(failure { $0[59] = 0x10 } == DNSFailure(.badRecordData, at: 60))   // the target runs past RDATA
        #expect(failure { $0[51] = 1 } == DNSFailure(.badRecordData, at: 60))      // an A record of 38 bytes
        #expect(failure { $0[58] = 0xFF } == DNSFailure(.truncated, at: 58))       // RDATA past the message
        #expect(failure { $0[66] = 0x80 } == DNSFailure(.malformedName, at: 66))   // label type 0b10
        #expect(failure { $0[49] = 0xF0 } == DNSFailure(.malformedName, at: 48))   // pointer past the end
    }
}

import Testing
@testable import EdgeflowKit

/// Application facts of the bundled sample against what tshark 4.0 shows for it
/// (`-Y stun -T fields -e stun.type`, `--enable-heuristic rtp_udp -qz rtp,streams`,
/// `-Y tls.handshake -T fields ...`, `-Y sip ...`), as listed in Captures/README.md.
@Suite("Bundled sample: STUN, RTP, TLS and SIP facts")
struct SampleInspectionTests {
    let report: [String: Any]

    init() throws {
        report = try analyzeJSON([repositoryRoot + "/Captures/edge-sample.pcap"])
    }

    private func flow(_ origH: String, _ origP: Int) throws -> [String: Any] {
        try #require(report.flows.first { $0["orig_h"] as? String == origH && $0["orig_p"] as? Int == origP })
    }

    private func stream(_ f: [String: Any], _ ssrc: String) throws -> [String: Any] {
        try #require((f["rtp"] as? [[String: Any]])?.first { $0["ssrc"] as? String == ssrc })
    }

    @Test("MS-TURN on UDP 3478: messages, transactions, allocation, addresses, relayed RTP")
    func msturnUDP() throws {
        let f = try flow("203.0.113.20", 3478)
        let stun = try #require(f["stun"] as? [String: Any])
        #expect(stun["messages"] as? Int == 11)
        let by = stun["by_method"] as! [String: [String: Int]]
        #expect(by["Binding"] == ["request": 3, "success": 2, "error": 0, "indication": 0])
        #expect(by["Allocate"] == ["request": 2, "success": 1, "error": 1, "indication": 0])
        #expect(by["Set Active Destination"] == ["request": 1, "success": 1, "error": 0, "indication": 0])
        #expect(stun["transactions_matched"] as? Int == 5 && stun["unanswered"] as? Int == 1)
        #expect(stun["ms_turn"] as? Bool == true && stun["ms_version"] as? Int == 2)
        #expect(stun["error_codes"] as? [String: Int] == ["401": 1])
        #expect(stun["mapped"] as? String == "203.0.113.20:3478")
        #expect((stun["relayed"] as? String)?.hasPrefix("52.114.50.7:") == true)
        let allocation = stun["allocation"] as! [String: Any]
        #expect(allocation["challenges"] as? Int == 1 && allocation["successes"] as? Int == 1 && allocation["lifetime_s"] as? Int == 480)
        let out = try stream(f, "0x102fca72"), back = try stream(f, "0xf23f739a")
        #expect(out["packets"] as? Int == 16 && out["lost"] as? Int == 0 && out["dir"] as? String == "orig")
        #expect(back["packets"] as? Int == 15 && back["lost"] as? Int == 1 && back["dir"] as? String == "resp")
        #expect(abs((out["max_jitter_ms"] as! Double) - 0.151) < 0.01)
        #expect(abs((back["max_jitter_ms"] as! Double) - 2.021) < 0.01)
    }

    @Test("RFC 5766 TURN from a remote client: 401 challenge, allocation and refresh")
    func turnUDP() throws {
        let stun = try #require(try flow("198.51.100.30", 50040)["stun"] as? [String: Any])
        let by = stun["by_method"] as! [String: [String: Int]]
        #expect(by["Allocate"] == ["request": 2, "success": 1, "error": 1, "indication": 0])
        #expect(by["Refresh"] == ["request": 1, "success": 1, "error": 0, "indication": 0])
        #expect(stun["ms_turn"] as? Bool == false)
        #expect((stun["allocation"] as! [String: Any])["refreshes"] as? Int == 1)
    }

    @Test("MS-TURN over TCP 443: pseudo-TLS, framed messages, data frames with RTP")
    func msturnTCP() throws {
        let f = try flow("203.0.113.20", 50123)
        #expect(f["service"] as? String == "turn-tcp")
        let stun = try #require(f["stun"] as? [String: Any])
        #expect(stun["messages"] as? Int == 6)
        #expect((stun["channel_data"] as! [String: Int])["packets"] == 4)
        #expect((f["rtp"] as? [[String: Any]])?.count == 2)
    }

    @Test("RTP with RTCP between the A/V Edge and a client: loss and jitter as tshark computes them")
    func media() throws {
        let f = try flow("203.0.113.20", 50010)
        let out = try stream(f, "0x65dccb40"), back = try stream(f, "0xdc9b834f")
        #expect(out["packets"] as? Int == 43 && out["lost"] as? Int == 1 && out["expected"] as? Int == 44)
        #expect(back["packets"] as? Int == 41 && back["lost"] as? Int == 3)
        #expect(abs((out["max_jitter_ms"] as! Double) - 0.233) < 0.01)
        #expect(abs((back["max_jitter_ms"] as! Double) - 2.087) < 0.01)
        #expect((f["rtcp"] as? [String: Any])?["sender_reports"] as? Int == 2)
    }

    @Test("mutual TLS on 5061: SNI, version, cipher, certificates both ways")
    func mtls() throws {
        let tls = try #require(try flow("203.0.113.10", 49710)["tls"] as? [String: Any])
        #expect(tls["sni"] as? String == "sipfed.online.lync.com")
        #expect(tls["version"] as? String == "TLS 1.2")
        #expect(tls["cipher"] as? String == "TLS_RSA_WITH_AES_256_GCM_SHA384")
        #expect(tls["client_cert_requested"] as? Bool == true && tls["client_cert"] as? String == "present")
        #expect(tls["handshake"] as? String == "complete")
        #expect(abs((tls["handshake_ms"] as! Double) - 45.995) < 0.01)
        let certs = tls["certificates"] as! [String: [[String: Any]]]
        let leaf = try #require(certs["server"]?.first)
        #expect(leaf["subject"] as? String == "CN=sipfed.online.lync.com,O=Edgeflow Test Cloud,C=US")
        #expect(leaf["san"] as? [String] == ["sipfed.online.lync.com", "*.online.lync.com"])
        #expect(leaf["not_after"] as? String == "2026-10-31T23:59:59.000000Z")
        #expect(leaf["expired_at_capture"] as? Bool == false)
        #expect(certs["server"]?.count == 3)
        #expect(certs["client"]?.first?["subject"] as? String == "CN=sip.contoso.com,O=Contoso Ltd,C=US")
    }

    @Test("an expired client certificate: flagged at capture time, fatal alert, failed handshake")
    func expiredClient() throws {
        let f = try flow("2001:db8:10::10", 49720)
        let tls = try #require(f["tls"] as? [String: Any])
        let client = (tls["certificates"] as! [String: [[String: Any]]])["client"]!
        #expect(client.first?["expired_at_capture"] as? Bool == true)
        #expect(client.first?["not_after"] as? String == "2026-02-14T23:59:59.000000Z")
        #expect(tls["alerts"] as? [[String: String]] == [["from": "resp", "level": "fatal", "description": "certificate_expired"]])
        #expect(tls["handshake"] as? String == "failed")
        let findings = report["findings"] as! [[String: Any]]
        let uid = f["uid"] as! String
        #expect(findings.contains { $0["code"] as? String == "tls_certificate_expired" && ($0["flows"] as? [String]) == [uid] })
        #expect(findings.contains { $0["code"] as? String == "tls_handshake_failed" && ($0["flows"] as? [String]) == [uid] })
    }

    @Test("TLS 1.3 on the Web Conferencing Edge, and plaintext SIP")
    func tls13AndSIP() throws {
        let tls = try #require(try flow("198.51.100.60", 51000)["tls"] as? [String: Any])
        #expect(tls["version"] as? String == "TLS 1.3" && tls["cipher"] as? String == "TLS_AES_256_GCM_SHA384")
        #expect(tls["sni"] as? String == "webcon.contoso.com")
        let sip = try #require(try flow("203.0.113.10", 49713)["sip"] as? [String: Any])
        #expect(sip["requests"] as? [String: Int] == ["OPTIONS": 1])
        #expect(sip["responses"] as? [String: Int] == ["403": 1])
        #expect(sip["call_ids"] as? [String] == ["6496164dc09f0805"])
    }
}

/// DNS answers label flow ends and show SRV lookups (tshark `-Y dns -T fields -e dns.qry.name
/// -e dns.srv.target -e dns.srv.port -e dns.flags.rcode -e dns.a`).
@Suite("DNS: SRV lookups and names")
struct DNSReportTests {
    @Test("the sample: federation SRV found and failed, names on flow ends")
    func sample() throws {
        let r = try analyzeJSON([repositoryRoot + "/Captures/edge-sample.pcap"])
        let dns = r["dns"] as! [String: Any]
        let srv = dns["srv"] as! [[String: Any]]
        #expect(srv.map { $0["name"] as! String } == ["_sipfederationtls._tcp.contoso.com", "_sipfederationtls._tcp.litwareinc.com"])
        #expect(srv[0]["targets"] as? [String] == ["sip.contoso.com:5061"] && srv[0]["failures"] as? Int == 0)
        #expect(srv[1]["rcode"] as? String == "NXDOMAIN" && srv[1]["failures"] as? Int == 1)
        let findings = r["findings"] as! [[String: Any]]
        #expect(findings.contains { $0["code"] as? String == "dns_srv_failed" && ($0["message"] as? String)?.contains("litwareinc.com failed with NXDOMAIN") == true })
        let sipfed = try #require(r.flows.first { $0["resp_h"] as? String == "52.112.1.5" && $0["resp_p"] as? Int == 5061 })
        #expect(sipfed["resp_name"] as? String == "sipfed.online.lync.com")
        #expect(dns["malformed"] as? Int == 0)
    }

    @Test("an SRV answer with two targets (raw IP link type)")
    func twoTargets() throws {
        let r = try analyzeJSON([repositoryRoot + "/Captures/public/suricata-verify-dns-udp-eve-log-srv.pcap"])
        let srv = (r["dns"] as! [String: Any])["srv"] as! [[String: Any]]
        #expect(srv.first?["name"] as? String == "_sip._udp.sip.voice.google.com")
        #expect(Set(srv.first?["targets"] as? [String] ?? []) == ["sip-anycast-1.voice.google.com:5060", "sip-anycast-2.voice.google.com:5060"])
    }
}

@Suite("RTP clock rates")
struct RTPClockTests {
    // RFC 3551 §6: PCMU 8000 Hz, G722 8000 Hz (RTP clock), H.261 90000 Hz; 96-127 dynamic.
    @Test("static payload types, and dynamic ones given with --rtp-clock")
    func clocks() {
        let clocks = RTPClocks(configured: [96: 48_000, 104: 16_000])
        #expect(clocks.rate(0) == 8000 && clocks.rate(9) == 8000 && clocks.rate(31) == 90_000)
        #expect(clocks.rate(96) == 48_000 && clocks.rate(104) == 16_000)
        #expect(clocks.rate(100) == nil)
    }
}

/// TURN allocation expiry from the last grant: tshark -r Captures/turn/turn-udp.pcap
/// -Y "stun.type==0x0103 || stun.type==0x0104" -T fields -e frame.time_epoch -e udp.dstport
/// -e stun.type -e stun.att.lifetime → on :38190 the Refresh success at 1795329025.619654 grants 777 s.
@Suite("TURN allocation expiry")
struct TURNExpiryTests {
    @Test("expires_at is the last grant plus its lifetime; a released allocation has none")
    func expiry() throws {
        let r = try analyzeJSON([repositoryRoot + "/Captures/turn/turn-udp.pcap"])
        let kept = try #require(r.flows.first { $0["orig_p"] as? Int == 38190 }?["stun"] as? [String: Any])
        let a = kept["allocation"] as! [String: Any]
        // 1795329025.619654 + 777 s = 1795329802.619654 (date -u -d @1795329802: 2026-11-22T06:43:22)
        #expect(a["expires_at"] as? String == "2026-11-22T06:43:22.619654Z")
        #expect(a["expired"] as? Bool == false)
        let released = try #require(r.flows.first { $0["orig_p"] as? Int == 44351 }?["stun"] as? [String: Any])
        #expect((released["allocation"] as! [String: Any])["expires_at"] == nil)
    }
}

/// SRTP media after ICE checks, recorded from aioice with pylibsrtp (Scripts/record_turn_captures.sh,
/// Captures/turn/ice-srtp.pcap). SRTP keeps the RTP header in clear, so loss and jitter come out
/// as for RTP: `tshark -r ice-srtp.pcap -d udp.port==40004,rtp -qz rtp,streams` gives
/// 0x11223344 40004→40006 28 packets, 2 lost, max jitter 0.762 ms; 0x55667788 29, 1 lost, 0.742 ms.
/// `tshark -Y stun -T fields -e stun.type` gives 2 × 0x0001 and 2 × 0x0101.
@Suite("ICE with SRTP media")
struct SRTPCaptureTests {
    @Test("connectivity checks and SRTP streams: packets, loss and jitter as tshark reports")
    func srtp() throws {
        let r = try analyzeJSON([repositoryRoot + "/Captures/turn/ice-srtp.pcap"])
        let f = try #require(r.flows.first { $0["orig_p"] as? Int == 40004 })
        let stun = try #require(f["stun"] as? [String: Any])
        #expect(stun["messages"] as? Int == 4 && stun["transactions_matched"] as? Int == 2)
        let rtp = try #require(f["rtp"] as? [[String: Any]])
        let out = try #require(rtp.first { $0["ssrc"] as? String == "0x11223344" })
        let back = try #require(rtp.first { $0["ssrc"] as? String == "0x55667788" })
        #expect(out["packets"] as? Int == 28 && out["lost"] as? Int == 2 && out["dir"] as? String == "orig")
        #expect(back["packets"] as? Int == 29 && back["lost"] as? Int == 1 && back["dir"] as? String == "resp")
        #expect(abs((out["max_jitter_ms"] as! Double) - 0.762) < 0.01)
        #expect(abs((back["max_jitter_ms"] as! Double) - 0.742) < 0.01)
    }
}

/// The Access Edge's configured name against its certificate (Captures/tls/mtls-in.pcap: the
/// Access Edge 127.0.0.10 serves CN=sip.contoso.com, SAN sip.contoso.com, per
/// `tshark -Y tls.handshake.certificate -T fields -e x509ce.dNSName`) and the federation SRV
/// target of the sample (_sipfederationtls._tcp.contoso.com → sip.contoso.com:5061).
@Suite("Access Edge name")
struct AccessEdgeNameTests {
    private func codes(_ path: String, names: [String]) throws -> [String: String] {
        let r = try analyzeJSON([repositoryRoot + path]) { o in
            o.accessEdgeNames = names
            o.edges[.accessEdge] = [Prefix("127.0.0.10")!, Prefix("203.0.113.10")!]
        }
        var out: [String: String] = [:]
        for f in r["findings"] as! [[String: Any]] { out[f["code"] as! String] = f["message"] as? String }
        return out
    }

    @Test("the certificate must cover the configured name")
    func certificate() throws {
        #expect(try codes("/Captures/tls/mtls-in.pcap", names: ["sip.contoso.com"])["tls_edge_name_mismatch"] == nil)
        let wrong = try codes("/Captures/tls/mtls-in.pcap", names: ["sip.fabrikam.com"])
        #expect(wrong["tls_edge_name_mismatch"]?.contains("covers none of its configured names (sip.fabrikam.com)") == true)
    }

    @Test("the federation SRV record of the Edge's own domain must point to it")
    func srv() throws {
        #expect(try codes("/Captures/edge-sample.pcap", names: ["sip.contoso.com"])["dns_srv_elsewhere"] == nil)
        let other = try codes("/Captures/edge-sample.pcap", names: ["edge.contoso.com"])
        #expect(other["dns_srv_elsewhere"] == "_sipfederationtls._tcp.contoso.com points to sip.contoso.com, not to the Access Edge (edge.contoso.com) nor to sipfed.online.lync.com")
    }
}

/// Records after the handshake are counted without buffering:
/// `tshark -r Captures/tls/mtls-out.pcap -T fields -e tls.record.content_type | tr , '\n' | sort | uniq -c`
/// → two alert records (21, the encrypted close_notify of each side) and one application-data record (23).
@Suite("TLS records after the handshake")
struct TLSRecordCountTests {
    @Test("encrypted alerts and application data are counted after the handshake", arguments: ["mtls-out", "mtls-in"])
    func counts(capture: String) throws {
        let r = try analyzeJSON([repositoryRoot + "/Captures/tls/\(capture).pcap"])
        let tls = try #require(r.flows.first?["tls"] as? [String: Any])
        #expect(tls["encrypted_alerts"] as? Int == 2)
        #expect(tls["application_data_records"] as? Int == 1)
        #expect(tls["handshake"] as? String == "complete")
    }

    /// tshark's application-data records per TCP stream it dissects as TLS, keyed by the stream's
    /// two ports (lower first).
    static func tsharkApplicationData(_ path: String) throws -> [[Int]: Int] {
        var counts: [[Int]: Int] = [:]
        for row in try tsharkFields(path, ["-Y", "tls", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tls.record.content_type"],
                                    occurrence: "a") {
            guard let a = Int(row[0]), let b = Int(row[1]) else { continue }
            let records = row[2].split(separator: ",").filter { $0 == "23" }.count
            counts[[min(a, b), max(a, b)], default: 0] += records
        }
        return counts.filter { $0.value > 0 }
    }

    /// A stopped direction's segments are counted where they lie (`Dispatcher.tcpInPlace`,
    /// `TLSRecordCounter`). edge-sample: the 5061 flows' TCP streams 0 and 3, 5 and 2 records;
    /// zeek-client-certificate: 4 (frames 23-30).
    @Test("several application-data records after the handshake: as many as tshark's records of type 23, per flow",
          arguments: ["edge-sample.pcap", "public/zeek-client-certificate.pcap"])
    func againstTshark(name: String) throws {
        let path = repositoryRoot + "/Captures/" + name
        let truth = try Self.tsharkApplicationData(path)
        #expect(truth.values.sorted() == (name.hasPrefix("edge") ? [2, 5] : [4]))
        let report = try analyzeJSON([path])
        for (ports, records) in truth {
            let flow = report.flows.first {
                guard let o = $0["orig_p"] as? Int, let r = $0["resp_p"] as? Int else { return false }
                return $0["proto"] as? String == "tcp" && [min(o, r), max(o, r)] == ports
            }
            let tls = try #require(flow?["tls"] as? [String: Any], "ports \(ports)")
            #expect(tls["handshake"] as? String == "complete", "ports \(ports)")
            #expect(tls["application_data_records"] as? Int == records, "ports \(ports)")
        }
        // The other way: every TCP flow edgeflow reports TLS on has tshark's count, 0 where
        // tshark found no application data. But TLS 1.3, whose encrypted records tshark lists
        // as `tls.record.opaque_type` 23 (not `content_type`), the encrypted handshake among
        // them: `tshark -r Captures/edge-sample.pcap -Y "tcp.port==51000 && tls" -T fields -E
        // occurrence=a -e frame.number -e tls.record.opaque_type -e tls.record.length` gives
        // frame 237 (the server's encrypted flight, 3 records), 238 (the client's Finished, 69
        // bytes), then 239 and 240: 2 after the handshake.
        let tls13: [[Int]: Int] = name.hasPrefix("edge") ? [[443, 51_000]: 2] : [:]
        var withTLS = 0, seen13 = 0
        for flow in report.flows where flow["proto"] as? String == "tcp" {
            guard let tls = flow["tls"] as? [String: Any], let o = flow["orig_p"] as? Int, let r = flow["resp_p"] as? Int else { continue }
            withTLS += 1
            let ports = [min(o, r), max(o, r)]
            let is13 = tls["version"] as? String == "TLS 1.3"
            if is13 { seen13 += 1 }
            #expect(is13 == (tls13[ports] != nil), "ports \(ports): \(tls)")
            #expect((tls["application_data_records"] as? Int ?? 0) == tls13[ports] ?? truth[ports] ?? 0, "ports \(ports): \(tls)")
        }
        #expect(withTLS >= truth.count + tls13.count && seen13 == tls13.count)
    }
}

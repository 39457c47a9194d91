import Foundation
import Testing
@testable import EdgeflowKit

/// The Zeek logs (`--format zeek`): Zeek's ASCII header and value forms, and rows that carry
/// tshark's values for the sample capture. Tests/Live/zeek_test.sh reads them with a
/// third-party Zeek log reader and checks every flow against tshark.
@Suite("Zeek logs")
struct ZeekLogTests {
    let sample = repositoryRoot + "/Captures/edge-sample.pcap"

    /// The logs `analyze --format zeek [--zeek-json] --out DIR` writes for the sample: file name → lines.
    private func logs(json: Bool = false, capture: String? = nil) throws -> [String: [String]] {
        let dir = scratchPath("zeek")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ZeekLogWriter(directory: dir, json: json)
        try AnalyzeJob(options: AnalyzeOptions(paths: [capture ?? sample])).run(output: OutputStream(path: "/dev/null"), report: writer) { _ in }
        try writer.close()
        var out: [String: [String]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[name] = try String(contentsOfFile: dir + "/" + name, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        return out
    }

    /// The TSV row whose columns `key` hold `values`, as a dictionary by field name.
    private func row(_ lines: [String], _ values: [String: String]) throws -> [String: String] {
        let fields = try #require(lines.first { $0.hasPrefix("#fields\t") }).split(separator: "\t").dropFirst().map(String.init)
        let rows = lines.filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { Dictionary(uniqueKeysWithValues: zip(fields, $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init))) }
        return try #require(rows.first { r in values.allSatisfy { r[$0.key] == $0.value } }, "no row with \(values)")
    }

    @Test("conn.log: Zeek's header, columns and types; #open/#close at the first and last packet (capinfos)")
    func connHeader() throws {
        let all = try logs()
        #expect(Set(all.keys) == ["conn.log", "dns.log", "ssl.log", "x509.log", "stun.log", "rtp.log", "edge_rules.log", "edge_findings.log"])
        let conn = try #require(all["conn.log"])
        // Zeek 6's conn.log (base/protocols/conn/main.zeek), as its ASCII writer heads it.
        #expect(Array(conn.prefix(8)) == [
            "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tconn",
            // capinfos: first packet 2026-03-02 09:00:00.000000, last 09:00:07.322695 (UTC).
            "#open\t2026-03-02-09-00-00",
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents",
            "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]",
        ])
        #expect(conn.suffix(2) == ["#close\t2026-03-02-09-00-07", ""])
        // tshark -qz conv,tcp and conv,udp: 9 + 9 conversations.
        #expect(conn.filter { !$0.hasPrefix("#") && !$0.isEmpty }.count == 18)
    }

    @Test("conn.log rows carry tshark's times, packets and IP lengths")
    func connRows() throws {
        let conn = try #require(try logs()["conn.log"])
        // tshark -Y tcp.port==49711 -T fields -e frame.time_epoch -e ip.src -e ip.len -e tcp.flags.str:
        // 1772442000.300000000 203.0.113.10 52 S; 1772442000.320296000 52.113.10.20 40 AR.
        let rej = try row(conn, ["id.orig_p": "49711"])
        #expect(rej["ts"] == "1772442000.300000" && rej["duration"] == "0.020296")
        #expect(rej["id.orig_h"] == "203.0.113.10" && rej["id.resp_h"] == "52.113.10.20" && rej["id.resp_p"] == "5061" && rej["proto"] == "tcp")
        #expect(rej["orig_pkts"] == "1" && rej["orig_ip_bytes"] == "52" && rej["resp_pkts"] == "1" && rej["resp_ip_bytes"] == "40")
        #expect(rej["orig_bytes"] == "0" && rej["resp_bytes"] == "0" && rej["conn_state"] == "REJ" && rej["history"] == "Sr")
        #expect(rej["service"] == "-" && rej["missed_bytes"] == "-" && rej["tunnel_parents"] == "-")
        // tshark -qz conv,udp: 203.0.113.20:3478 <-> 52.114.50.7:3478, 22 frames one way and 20 the other.
        let media = try row(conn, ["id.orig_p": "3478", "id.resp_h": "52.114.50.7"])
        #expect(media["proto"] == "udp" && media["orig_pkts"] == "22" && media["resp_pkts"] == "20" && media["missed_bytes"] == "0")
        #expect(media["service"] == "stun,rtp")
        let tls = try row(conn, ["id.orig_h": "2001:db8:10::10"])
        #expect(tls["service"] == "ssl")
    }

    @Test("ssl.log and x509.log: tshark's SNI, cipher and the SHA-256 of its certificates, joinable by fingerprint")
    func sslAndX509() throws {
        let all = try logs()
        let conn = try #require(all["conn.log"]), ssl = try #require(all["ssl.log"]), x509 = try #require(all["x509.log"])
        let uid = try #require(try row(conn, ["id.orig_h": "2001:db8:10::10"])["uid"])
        let session = try row(ssl, ["uid": uid])
        // tshark -Y tcp.stream==8: SNI sipfed.online.lync.com, ServerHello 0x0303 with 0x009d, then the
        // server's fatal alert 45 (certificate_expired) to the client's certificate.
        #expect(session["server_name"] == "sipfed.online.lync.com" && session["version"] == "TLSv12")
        #expect(session["cipher"] == "TLS_RSA_WITH_AES_256_GCM_SHA384")
        #expect(session["established"] == "F" && session["last_alert"] == "certificate_expired")
        // sha256sum of each tls.handshake.certificate, by the side that sent it.
        let server = ["25820270e3b3074ecc1b394543a9814977a79d5f9965a9aeb8a82bb06736d0b5", "c90c11df5bd5b6430147aa4186dcd2972404791a0ab3579ca9712ae245f6c84d"]
        let client = ["dadd155fd7203491dcd9001676da717258d9b9ef6518ee4f85a79e62497f25ab", "cfee84f115e3ac44880d6679b1476b996bb5c0576c9bf04e4b22b22586280fd7"]
        #expect(session["cert_chain_fps"] == server.joined(separator: ","))
        #expect(session["client_cert_chain_fps"] == client.joined(separator: ","))
        for fp in server + client {
            let cert = try row(x509, ["fingerprint": fp])
            #expect(cert["host_cert"] == (server.contains(fp) ? "T" : "F") && cert["client_cert"] == (client.contains(fp) ? "T" : "F"))
        }
        let fps = x509.filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { $0.split(separator: "\t")[1] }
        #expect(Set(fps).count == fps.count, "a certificate is logged once")
    }

    @Test("rtp.log: a row per stream with tshark's packets, loss and maximum jitter")
    func rtpLog() throws {
        let rtp = try #require(try logs()["rtp.log"])
        // tshark -d udp.port==50010,rtp -qz rtp,streams: 0x65DCCB40 203.0.113.20:50010 → 198.51.100.21:50004,
        // g711U, 43 packets, 1 lost, max jitter 0.233 ms; 0xDC9B834F the other way, 41, 3 lost, 2.087 ms.
        for (ssrc, dir, packets, lost, maxJitter) in [("0x65dccb40", "orig", "43", "1", 0.233), ("0xdc9b834f", "resp", "41", "3", 2.087)] {
            let r = try row(rtp, ["ssrc": ssrc])
            #expect(r["id.orig_p"] == "50010" && r["id.resp_h"] == "198.51.100.21" && r["dir"] == dir && r["codec"] == "PCMU")
            #expect(r["packets"] == packets && r["lost"] == lost && r["payload_type"] == "0")
            #expect(abs((Double(r["max_jitter_ms"] ?? "") ?? -1) - maxJitter) < 0.0005, "\(r)")
        }
        #expect(rtp.filter { !$0.hasPrefix("#") && !$0.isEmpty }.count == 8)
    }

    @Test("call.log: a row per leg of each relayed stream, with tshark's per-leg packets and loss, upstream first")
    func callLog() throws {
        typealias R = RelayCallCaptureTests
        let all = try logs(capture: R.capture("relay-call"))
        let calls = try #require(all["call.log"])
        let conn = try #require(all["conn.log"])
        let rows = calls.filter { !$0.hasPrefix("#") && !$0.isEmpty }
        // tshark -qz rtp,streams (Fixtures/relay-call.rtp-streams.txt): each SSRC on both legs.
        let tshark = try R.streams("relay-call")
        #expect(rows.count == tshark.count && rows.count == 4)
        // Each leg's flow, through its uid, is the conn.log row between tshark's two endpoints.
        let ends = { (uid: String) throws -> Set<String> in
            let c = try self.row(conn, ["uid": uid])
            return ["\(c["id.orig_h"] ?? ""):\(c["id.orig_p"] ?? "")", "\(c["id.resp_h"] ?? ""):\(c["id.resp_p"] ?? "")"]
        }
        let fields = try #require(calls.first { $0.hasPrefix("#fields\t") }).split(separator: "\t").dropFirst().map(String.init)
        let legs = rows.map { Dictionary(uniqueKeysWithValues: zip(fields, $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init))) }
        for t in tshark {
            let ssrc = "0x" + String(t.ssrc, radix: 16)
            let leg = try #require(try legs.first { try $0["ssrc"] == ssrc && ends($0["uid"] ?? "") == [t.src, t.dst] }, "\(ssrc) \(t.src)")
            #expect(leg["packets"] == "\(t.packets)" && leg["lost"] == "\(t.lost)", "\(ssrc) \(t.src)")
            #expect(leg["codec"] == "PCMU" && leg["call_id"]?.hasPrefix("V") == true)
        }
        // The client's stream loses 47 before the Edge and 42 more beyond it (tshark: 47 then 89), legs upstream first.
        let client = try row(calls, ["ssrc": "0xc11e47a", "leg": "1"]), beyond = try row(calls, ["ssrc": "0xc11e47a", "leg": "2"])
        #expect(client["lost"] == "47" && beyond["lost"] == "89" && client["loss_at"] == "before_and_between_legs")
        #expect(try row(calls, ["ssrc": "0x365a0d1", "leg": "2"])["loss_at"] == "none")
    }

    @Test("edge_rules.log and edge_findings.log: the JSON report's rules and findings, findings by flow uid")
    func edgeLogs() throws {
        let all = try logs()
        let json = try analyzeJSON([sample])
        let rules = try #require(json["rules"] as? [[String: Any]])
        let lines = try #require(all["edge_rules.log"]).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(lines.map { $0.split(separator: "\t")[0] } == rules.map { ($0["id"] as? String ?? "")[...] })
        for rule in rules {
            let r = try row(try #require(all["edge_rules.log"]), ["rule": rule["id"] as? String ?? ""])
            #expect(r["status"] == rule["status"] as? String && r["flows"] == "\(rule["flows"] as? Int ?? -1)")
        }
        let findings = try #require(json["findings"] as? [[String: Any]])
        let log = try #require(all["edge_findings.log"])
        let expected = findings.flatMap { f in
            let uids = f["flows"] as? [String] ?? []
            return (uids.isEmpty ? ["-"] : uids).map { "\(f["code"] as? String ?? "")\t\($0)" }
        }
        let got = log.filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { l in
            let c = l.split(separator: "\t", omittingEmptySubsequences: false)
            return "\(c[1])\t\(c[3])"
        }
        #expect(got == expected)
    }

    @Test("--zeek-json: one object per line, Zeek's dotted names, ts in epoch seconds, unset fields left out")
    func jsonForm() throws {
        let all = try logs(json: true)
        let conn = try #require(all["conn.log"])
        #expect(conn.last == "" && !conn.contains { $0.hasPrefix("#") })
        let objects = try conn.dropLast().map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.count == 18)
        let rej = try #require(objects.first { $0["id.orig_p"] as? Int == 49711 })
        #expect(rej["ts"] as? Double == 1772442000.3 && rej["duration"] as? Double == 0.020296)
        // 203.0.113.10 is the Access Edge (inferred), 52.113.10.20 an Office 365 address.
        #expect(rej["id.orig_h"] as? String == "203.0.113.10" && rej["local_orig"] as? Bool == true && rej["local_resp"] as? Bool == false)
        #expect(rej["service"] == nil && rej["missed_bytes"] == nil && rej["tunnel_parents"] == nil)
        #expect(conn[0].hasPrefix("{\"ts\":1772442000.0,\"uid\":\"C"))
        let ssl = try #require(all["ssl.log"]).dropLast().map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(ssl.contains { ($0?["cert_chain_fps"] as? [String])?.first == "25820270e3b3074ecc1b394543a9814977a79d5f9965a9aeb8a82bb06736d0b5" })
    }

    @Test("TSV values as Zeek's ASCII writer escapes them")
    func escaping() {
        func tsv(_ v: ZeekValue) -> String {
            var w = JSONWriter()
            v.appendTSV(to: &w)
            return w.text
        }
        // Zeek's ODesc::FirstEscapeLoc stops at a backslash and AddBytes writes it with
        // get_escaped_string(..., escape_all: true): `\x5c`, which Zeek's readers unescape.
        #expect(tsv(.string("a\tb\\c\u{1}")) == "a\\x09b\\x5cc\\x01")
        #expect(tsv(.string("")) == "(empty)" && tsv(.string("-")) == "\\x2d" && tsv(.unset) == "-")
        #expect(tsv(.strings(["a,b", "c"])) == "a\\x2cb,c" && tsv(.strings([])) == "(empty)")
        #expect(tsv(.time(1_500_000_000)) == "1.500000" && tsv(.time(-1_000)) == "-0.000001")
        #expect(tsv(.interval(20_296_000)) == "0.020296" && tsv(.bool(true)) == "T" && tsv(.count(7)) == "7")
        #expect(tsv(.double(2)) == "2.0" && tsv(.double(0.2329)) == "0.2329" && tsv(.double(-1.5)) == "-1.5")
        var w = JSONWriter()
        w.beginObject()
        ZeekValue.double(3).writeJSON("a.b", to: &w)
        ZeekValue.time(0).writeJSON("c", to: &w)
        ZeekValue.unset.writeJSON("d", to: &w)
        w.endObject()
        #expect(w.text == "{\"a.b\":3.0,\"c\":0.0}")
    }

    @Test("an existing file is refused as the log directory; a missing one is created")
    func directory() throws {
        let file = scratchPath("zeek-file")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect { try ZeekLogWriter(directory: file, json: false) } throws: { "\($0)".contains("exists and is not a directory") }
        #expect { try ZeekLogWriter(directory: file + "/sub", json: false) } throws: { "\($0)".contains("cannot create the Zeek log directory") }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "x")
    }

    @Test("to one stream (the library's --format zeek without a directory): every log with its own header")
    func oneStream() throws {
        let out = scratchPath("zeek") + ".log"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = AnalyzeOptions(paths: [sample])
        options.format = .zeek
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream) { _ in }
        try stream.close()
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.matches(of: /#path\t([a-z_0-9]+)\n/).map { String($0.output.1) } == ["conn", "dns", "ssl", "x509", "stun", "rtp", "edge_rules", "edge_findings"])
        #expect(text.matches(of: /#close\t/).count == 8)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// `dns.log` and `stun.log`: each row against tshark's view of the same messages, its uid
/// against `conn.log`. Tests/Live/zeek_test.sh reads both with a third-party Zeek log reader.
@Suite("Zeek dns.log and stun.log")
struct ZeekTransactionLogTests {
    /// One TSV log: its rows as dictionaries by field name.
    struct Log {
        var fields: [String] = []
        var rows: [[String: String]] = []
    }

    /// The logs `analyze --format zeek --out DIR` writes for `capture`, by name.
    private func logs(_ capture: String, threads: Int = 1) throws -> [String: Log] {
        let dir = scratchPath("zeek-transactions")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ZeekLogWriter(directory: dir, json: false)
        var options = AnalyzeOptions(paths: [capture])
        options.threads = threads
        try AnalyzeJob(options: options).run(output: OutputStream(path: "/dev/null"), report: writer) { _ in }
        try writer.close()
        var out: [String: Log] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let lines = try String(contentsOfFile: dir + "/" + name, encoding: .utf8).split(separator: "\n").map(String.init)
            var log = Log()
            log.fields = try #require(lines.first { $0.hasPrefix("#fields\t") }).split(separator: "\t").dropFirst().map(String.init)
            log.rows = lines.filter { !$0.hasPrefix("#") }.map {
                Dictionary(uniqueKeysWithValues: zip(log.fields, $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)))
            }
            out[name] = log
        }
        return out
    }

    /// Each row's uid is a conn.log row with the same endpoints and transport.
    private func joinsConn(_ rows: [[String: String]], _ conn: Log) {
        let flows = Dictionary(conn.rows.map { ($0["uid"]!, $0) }, uniquingKeysWith: { a, _ in a })
        for r in rows {
            let c = flows[r["uid"] ?? ""]
            #expect(c != nil, "uid \(r["uid"] ?? "-") is not in conn.log")
            for k in ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"] { #expect(c?[k] == r[k], "\(k) of \(r["uid"] ?? "-")") }
        }
    }

    /// tshark's epoch time ("1772442000.700000000") as Zeek's microseconds ("1772442000.700000").
    private func micro(_ epoch: String) -> String { String(epoch.dropLast(3)) }

    private func close(_ a: String?, _ b: String) -> Bool {
        guard let a, let x = Double(a), let y = Double(b) else { return false }
        return abs(x - y) < 1.5e-6
    }

    // MARK: stun.log

    static let stunCaptures = ["Captures/edge-sample.pcap", "Captures/turn/turn-udp.pcap", "Captures/turn/turn-tcp.pcap",
                               "Captures/turn/ice.pcap", "Captures/calls/relay-call.pcap", "Captures/calls/relay-call-tcp.pcap",
                               "Captures/public/zeek-webrtc-stun.pcap"]

    @Test("stun.log: a row per transaction with tshark's id, request time, answer class, response time, error and addresses",
          arguments: stunCaptures)
    func stunRows(_ capture: String) throws {
        let path = repositoryRoot + "/" + capture
        let all = try logs(path)
        let stun = try #require(all["stun.log"])
        let conn = try #require(all["conn.log"])
        joinsConn(stun.rows, conn)
        // -E occurrence=a: a TCP segment may carry several messages (lists, comma-separated).
        let tshark = try tsharkFields(path, ["-Y", "stun && !icmp", "-e", "frame.time_epoch", "-e", "stun.id", "-e", "stun.type.class",
                                             "-e", "stun.time", "-e", "stun.att.error.class", "-e", "stun.att.error",
                                             "-e", "stun.att.ipv4", "-e", "stun.att.port"], occurrence: "a")
        var byID: [String: [String: String]] = [:]
        for r in stun.rows {
            #expect(byID[r["trans_id"]!] == nil, "transaction \(r["trans_id"]!) logged twice")
            byID[r["trans_id"]!] = r
        }
        var ids = Set<String>()
        for t in tshark {
            let id = t[1].split(separator: ","), cls = t[2].split(separator: ",")
            for (i, c) in zip(id, cls) where c != "0x0001" { ids.insert(String(i)) }
            // Details only where the frame holds one message.
            guard id.count == 1, let row = byID[t[1]] else { continue }
            switch t[2] {
            case "0x0000":
                if row["request_seen"] == "T", row["retransmissions"] == "0" { #expect(row["ts"] == micro(t[0]), "request \(t[1])") }
            case "0x0010", "0x0011":
                #expect(row["class"] == (t[2] == "0x0010" ? "success" : "error"), "answer to \(t[1])")
                if !t[3].isEmpty, row["request_seen"] == "T" { #expect(close(row["rtt"], t[3]), "rtt of \(t[1]): \(row["rtt"] ?? "-") vs \(t[3])") }
                if t[2] == "0x0011", let c = Int(t[4]), let n = Int(t[5]) { #expect(row["error_code"] == String(c * 100 + n)) }
                if t[2] == "0x0010", row["mapped_h"] != "-" {
                    let addrs = t[6].split(separator: ",").map(String.init), ports = t[7].split(separator: ",").map(String.init)
                    #expect(addrs.contains(row["mapped_h"]!) && ports.contains(row["mapped_p"]!), "mapped address of \(t[1])")
                    if row["relayed_h"] != "-" { #expect(addrs.contains(row["relayed_h"]!) && ports.contains(row["relayed_p"]!)) }
                }
            default:
                break
            }
        }
        // Every request or answer tshark shows is one transaction; the others edgeflow logs are
        // TURN over TCP in MS-TURN's pseudo-TLS framing (the sample's 443), which tshark does not read as STUN.
        #expect(!ids.isEmpty && ids.isSubset(of: byID.keys))
        for id in Set(byID.keys).subtracting(ids) { #expect(byID[id]?["proto"] == "tcp" && byID[id]?["id.resp_p"] == "443", "\(id)") }
    }

    @Test("stun.log on the sample: the Allocate challenged then granted, with the relayed address tshark decodes")
    func stunSample() throws {
        let all = try logs(repositoryRoot + "/Captures/edge-sample.pcap")
        let rows = try #require(all["stun.log"]).rows
        // tshark frames 47/48: Allocate request, 401 "Unauthorized" 18 ms later.
        let challenge = try #require(rows.first { $0["trans_id"] == "7e52b5eb2840c2cf169f789b" })
        #expect(challenge["ts"] == "1772442000.700000" && challenge["method"] == "Allocate" && challenge["class"] == "error")
        #expect(challenge["rtt"] == "0.018000" && challenge["error_code"] == "401" && challenge["error_reason"] == "Unauthorized")
        #expect(challenge["id.orig_h"] == "203.0.113.20" && challenge["is_orig"] == "T" && challenge["proto"] == "udp")
        // Frames 49/50: XOR-MAPPED-ADDRESS 203.0.113.20:3478, XOR-RELAYED-ADDRESS 52.114.50.7:56477.
        let granted = try #require(rows.first { $0["trans_id"] == "e548be7f5a3ed04b276e2bf2" })
        #expect(granted["class"] == "success" && granted["mapped_h"] == "203.0.113.20" && granted["mapped_p"] == "3478")
        #expect(granted["relayed_h"] == "52.114.50.7" && granted["relayed_p"] == "56477" && granted["error_code"] == "-")
        // Frame 129: a Binding request never answered.
        let lost = try #require(rows.first { $0["trans_id"] == "d16164fb756abff4e5236b55" })
        #expect(lost["class"] == "none" && lost["rtt"] == "-" && lost["method"] == "Binding")
    }

    // MARK: dns.log

    static let dnsCaptures = ["Captures/edge-sample.pcap", "Captures/public/suricata-verify-dns-udp-eve-log-srv.pcap",
                              "Captures/public/zeek-naptr.pcap"]

    @Test("dns.log: a row per query with tshark's id, name, type, class, flags, rcode, response time, answers and TTLs",
          arguments: dnsCaptures)
    func dnsRows(_ capture: String) throws {
        let path = repositoryRoot + "/" + capture
        let all = try logs(path)
        let dns = try #require(all["dns.log"])
        joinsConn(dns.rows, try #require(all["conn.log"]))
        let tshark = try tsharkFields(path, ["-Y", "dns", "-e", "frame.time_epoch", "-e", "dns.id", "-e", "dns.flags.response",
                                             "-e", "dns.qry.name", "-e", "dns.qry.type", "-e", "dns.qry.class", "-e", "dns.flags.rcode",
                                             "-e", "dns.flags.authoritative", "-e", "dns.flags.truncated", "-e", "dns.flags.recdesired",
                                             "-e", "dns.flags.recavail", "-e", "dns.count.answers", "-e", "dns.resp.ttl", "-e", "dns.time",
                                             "-e", "dns.resp.type", "-e", "dns.a", "-e", "dns.srv.target", "-e", "ip.frag_offset"],
                                   occurrence: "a")
        let queries = tshark.filter { $0[2] == "0" }
        #expect(dns.rows.count == queries.count && !queries.isEmpty)
        func flag(_ s: String) -> String { s == "1" || s == "True" ? "T" : "F" }
        for q in queries {
            let id = String(Int(q[1].dropFirst(2), radix: 16)!)
            let row = try #require(dns.rows.first { $0["trans_id"] == id && $0["ts"] == micro(q[0]) }, "no row for query \(q[1])")
            #expect(row["query"] == q[3].lowercased() && row["qtype"] == q[4] && row["qclass"] == String(Int(q[5].dropFirst(2), radix: 16)!))
            #expect(row["RD"] == flag(q[9]) && row["TC"] == flag(q[8]))
            // A response in IP fragments tshark reassembles; edgeflow reads no fragment past the
            // first (README, "Limits"), so that query stays unanswered.
            let response = tshark.first { $0[2] == "1" && $0[1] == q[1] && $0[0] > q[0] }
            guard let r = response, r[17] == "0" || r[17].isEmpty else {
                #expect(row["rcode"] == "-" && row["rtt"] == "-" && row["answers"] == "-")
                continue
            }
            #expect(row["rcode"] == r[6] && row["AA"] == flag(r[7]) && row["RA"] == flag(r[10]))
            #expect(close(row["rtt"], r[13]), "rtt of \(q[1])")
            let n = Int(r[11])!
            let ttls = r[12].split(separator: ",").prefix(n).map { "\($0).000000" }
            #expect(row["TTLs"] == (n == 0 ? "-" : ttls.joined(separator: ",")), "TTLs of \(q[1])")
            #expect(row["answers"]?.split(separator: ",").count ?? 0 == (n == 0 ? 1 : n))
            // Answers of one type tshark lists by value: A addresses, SRV targets.
            let types = Set(r[14].split(separator: ",").prefix(n))
            if types == ["1"] { #expect(row["answers"] == r[15].split(separator: ",").prefix(n).joined(separator: ",")) }
            if types == ["33"] { #expect(row["answers"] == r[16].split(separator: ",").prefix(n).joined(separator: ",")) }
        }
    }

    @Test("dns.log on the sample: Zeek's names for the SRV, A, failed SRV and TXT lookups")
    func dnsSample() throws {
        let rows = try #require(try logs(repositoryRoot + "/Captures/edge-sample.pcap")["dns.log"]).rows
        // tshark: 0x878c SRV _sipfederationtls._tcp.contoso.com → sip.contoso.com (TTL 300) in 4.710 ms.
        let srv = try #require(rows.first { $0["trans_id"] == "34700" })
        #expect(srv["qtype_name"] == "SRV" && srv["qclass_name"] == "C_INTERNET" && srv["rcode_name"] == "NOERROR")
        #expect(srv["answers"] == "sip.contoso.com" && srv["TTLs"] == "300.000000" && srv["rtt"] == "0.004710")
        #expect(srv["proto"] == "udp" && srv["id.resp_p"] == "53" && srv["rejected"] == "F")
        // 0xa761: NXDOMAIN with only an authority record.
        let failed = try #require(rows.first { $0["trans_id"] == "42849" })
        #expect(failed["rcode"] == "3" && failed["rcode_name"] == "NXDOMAIN" && failed["answers"] == "-" && failed["TTLs"] == "-")
        // 0xe0d5: its TXT response came in two IP fragments (tshark frames 8 and 9, reassembled
        // there), which edgeflow does not reassemble: the query is logged unanswered.
        let txt = try #require(rows.first { $0["trans_id"] == "57557" })
        #expect(txt["qtype_name"] == "TXT" && txt["rcode"] == "-" && txt["rtt"] == "-" && txt["RD"] == "T")
        // 0x553c: A sipfed.online.lync.com → 52.112.1.5.
        let a = try #require(rows.first { $0["trans_id"] == "21820" })
        #expect(a["qtype_name"] == "A" && a["answers"] == "52.112.1.5" && a["RA"] == "T" && a["AA"] == "F")
    }

    @Test("with 2 threads the two logs hold the same rows")
    func sharded() throws {
        let path = repositoryRoot + "/Captures/edge-sample.pcap"
        let one = try logs(path), two = try logs(path, threads: 2)
        for name in ["stun.log", "dns.log"] {
            let text = { (log: Log?) in (log?.rows ?? []).map { r in log!.fields.map { r[$0] ?? "" }.joined(separator: "\t") }.sorted() }
            #expect(text(one[name]) == text(two[name]) && one[name] != nil, "\(name)")
        }
    }

    @Test("vector[interval]: seconds with 6 decimals, comma-separated in TSV, numbers in JSON")
    func intervals() {
        var w = JSONWriter()
        ZeekValue.intervals([300_000_000_000, 1_500]).appendTSV(to: &w)
        #expect(w.text == "300.000000,0.000001")
        w = JSONWriter()
        ZeekValue.intervals([]).appendTSV(to: &w)
        #expect(w.text == "(empty)")
        w = JSONWriter()
        w.beginObject()
        ZeekValue.intervals([300_000_000_000, 2_500_000]).writeJSON("TTLs", to: &w)
        w.endObject()
        #expect(w.text == "{\"TTLs\":[300.0,0.0025]}")
    }

    // MARK: Bounds

    @Test("a flow's STUN transactions beyond the log's limit are counted, not kept")
    func stunOverflow() throws {
        var log = STUNTransactionLog()
        for i in 0..<(STUNTransactionLog.limit + 5) {
            var b = [UInt8](repeating: 0, count: 20)
            b[1] = 0x01 // Binding request
            b[4] = 0x21; b[5] = 0x12; b[6] = 0xA4; b[7] = 0x42
            b[16] = UInt8(i >> 8); b[17] = UInt8(i & 0xFF)
            try b.withUnsafeBytes { p in
                let m = try STUNDecoder.decode(p)
                log.record(m, in: p, timestamp: Int64(i), fromOriginator: true)
            }
        }
        #expect(log.transactions.count == STUNTransactionLog.limit && log.overflow == 5)
        var w = ZeekTransactionOverflow()
        w.add(dns: 0, stun: log.overflow)
        #expect(w.warning?.contains("5 STUN transactions from stun.log (at most 2048 per flow) on 1 long-lived flow") == true)
    }

    @Test("a flow's DNS queries beyond the log's limit are counted; unanswered ones are kept")
    func dnsOverflow() throws {
        var log = DNSTransactionLog()
        for i in 0..<(DNSTransactionLog.limit + 3) {
            // A query for "a" IN A with ID i (RFC 1035 §4.1).
            let b: [UInt8] = [UInt8(i >> 8), UInt8(i & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1]
            b.withUnsafeBytes { log.record($0, timestamp: Int64(i)) }
        }
        #expect(log.transactions.count == DNSTransactionLog.limit && log.overflow == 3)
        #expect(log.transactions.allSatisfy { $0.query == "a" && !$0.responseSeen && $0.recursionDesired })
    }
}

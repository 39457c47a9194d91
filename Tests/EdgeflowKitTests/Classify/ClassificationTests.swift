import Foundation
import Testing
@testable import EdgeflowKit

/// Known traffic for each hybrid rule and each kind of violation, with the verdicts the
/// hybrid port table (Microsoft, "Plan hybrid connectivity") and the Edge external table
/// ("Edge Server environmental requirements") give them.
@Suite("Hybrid classification")
struct ClassificationTests {
    static let ae = "203.0.113.10", av = "203.0.113.20", web = "203.0.113.30"
    static let syn: UInt8 = 0x02, ack: UInt8 = 0x10, rst: UInt8 = 0x04, psh: UInt8 = 0x08
    static let tlsHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x2F, 0x01, 0x00, 0x00, 0x2B, 0x03, 0x03] + [UInt8](repeating: 7, count: 40)
    static let sipOptions = Array("OPTIONS sip:sipfed.online.lync.com SIP/2.0\r\nCall-ID: 1\r\n\r\n".utf8)
    static let stunRequest: [UInt8] = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 9, count: 12)
    static let stunResponse: [UInt8] = [0x01, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 9, count: 12)

    /// A TCP connection: handshake (answered, refused or not), then one payload each way.
    static func tcp(_ a: String, _ ap: UInt16, _ b: String, _ bp: UInt16, answer: String = "full", payload: [UInt8] = tlsHello) -> [[UInt8]] {
        var f = [Frames.tcp4(a, ap, b, bp, flags: syn, seq: 100)]
        switch answer {
        case "rst": f.append(Frames.tcp4(b, bp, a, ap, flags: rst | ack, seq: 0, ack: 101))
        case "none": f.append(Frames.tcp4(a, ap, b, bp, flags: syn, seq: 100))
        default:
            f.append(Frames.tcp4(b, bp, a, ap, flags: syn | ack, seq: 900, ack: 101))
            f.append(Frames.tcp4(a, ap, b, bp, flags: ack, seq: 101, ack: 901))
            f.append(Frames.tcp4(a, ap, b, bp, flags: ack | psh, seq: 101, ack: 901, payload: payload))
            f.append(Frames.tcp4(b, bp, a, ap, flags: ack | psh, seq: 901, ack: 101 + UInt32(payload.count), payload: [0x17, 3, 3, 0, 1, 0]))
        }
        return f
    }

    static func udp(_ a: String, _ ap: UInt16, _ b: String, _ bp: UInt16, replies: Bool = true) -> [[UInt8]] {
        var f = [Frames.udp4(a, ap, b, bp, payload: stunRequest)]
        if replies { f.append(Frames.udp4(b, bp, a, ap, payload: stunResponse)) }
        return f
    }

    static func report(_ sessions: [[[UInt8]]], day: String = "2026-03-02", configure: (inout AnalyzeOptions) -> Void = { _ in }) throws -> [String: Any] {
        let start = UInt32(Office365Ranges.day(day)! * 86_400)
        var records: [TestRecord] = []
        for frame in sessions.flatMap({ $0 }) {
            records.append(TestRecord(seconds: start + UInt32(records.count), fraction: 0, data: frame))
        }
        return try analyzeJSON([CaptureFile.temporary(CaptureFile.pcap(records))]) { options in
            configure(&options)
        }
    }

    static func withTopology(_ o: inout AnalyzeOptions) {
        o.edges[.accessEdge] = [Prefix(ae)!]
        o.edges[.avEdge] = [Prefix(av)!]
        o.edges[.webconfEdge] = [Prefix(web)!]
    }

    static func flow(_ r: [String: Any], _ origH: String, _ origP: Int) -> [String: Any]? {
        r.flows.first { $0["orig_h"] as? String == origH && $0["orig_p"] as? Int == origP }
    }

    static let scenario: [[[UInt8]]] = [
        tcp(ae, 50001, "52.112.1.5", 5061),
        tcp("52.112.1.6", 40000, ae, 5061),
        tcp(av, 50100, "52.114.0.1", 443),
        tcp("52.114.0.2", 443, av, 50200),
        udp(av, 3478, "52.114.0.3", 3478),
        udp("52.114.0.4", 3478, av, 3478),
        udp(av, 3479, "52.114.0.5", 3478),
        tcp(av, 50300, "52.114.0.6", 8443),
        udp(ae, 50002, "52.112.1.7", 5061),
        tcp("52.114.0.9", 50700, av, 50800),
        tcp(ae, 50003, "52.112.1.8", 5061, payload: sipOptions),
        tcp(ae, 50004, "52.112.1.8", 5060, payload: sipOptions),
        udp(av, 3478, "52.120.9.9", 3478),
        udp(ae, 3478, "52.114.0.10", 3478),
        udp(ae, 53000, "192.0.2.53", 53),
        udp("198.51.100.7", 50000, av, 3478),
        tcp(ae, 50005, "198.51.100.8", 8080),
        tcp("198.51.100.1", 40001, "198.51.100.2", 22),
        tcp(ae, 50006, "52.112.1.9", 5061, answer: "rst"),
        tcp(ae, 50007, "52.112.1.10", 5061, answer: "none"),
        tcp("198.51.100.9", 41000, web, 443),
    ]

    @Test("each hybrid rule allows its own traffic", arguments: [
        (ae, 50001, "sip-mtls-out"), ("52.112.1.6", 40000, "sip-mtls-in"), (av, 50100, "stun-tcp-out"),
        ("52.114.0.2", 443, "stun-tcp-in"), (av, 3478, "stun-udp-out"), ("52.114.0.4", 3478, "stun-udp-in"),
        (ae, 53000, "edge-access-dns-udp-out"), ("198.51.100.7", 50000, "edge-av-stun-udp-in"),
        ("198.51.100.9", 41000, "edge-webconf-psom-in"),
    ])
    func allowed(origH: String, origP: Int, rule: String) throws {
        let r = try Self.report(Self.scenario, configure: Self.withTopology)
        let f = try #require(Self.flow(r, origH, origP))
        #expect(f["rule"] as? String == rule)
        #expect(f["verdict"] as? String == "allowed")
        #expect(f["reason"] is NSNull)
    }

    @Test("each kind of violation is named with its reason", arguments: [
        (av, 3479, "A/V Edge source port 3479, rule stun-udp-out requires 3478"),
        (av, 50300, "destination port 8443, rule stun-tcp-out requires 443, 50000-59999"),
        (ae, 50002, "UDP to port 5061, rule sip-mtls-out requires TCP"),
        ("52.114.0.9", 50700, "wrong direction: Office 365 opened the connection; rule stun-tcp-out allows only A/V Edge → Office 365"),
        (ae, 50003, "plaintext SIP on TCP 5061 where rule sip-mtls-out requires SIP over mutual TLS"),
        (ae, 50004, "plaintext SIP (TCP 5060) between Access Edge and Office 365; hybrid federation requires SIP over mutual TLS on TCP 5061"),
        (ae, 3478, "no hybrid rule allows Access Edge → Office 365 over UDP 3478"),
        (ae, 50005, "TCP 50005 → 8080 matches no rule for Access Edge → any host; allowed: 80 (edge-access-http-out); 53 (edge-access-dns-tcp-out); 5061 (edge-access-sip-mtls-out)"),
    ])
    func violations(origH: String, origP: Int, reason: String) throws {
        let r = try Self.report(Self.scenario, configure: Self.withTopology)
        let f = try #require(Self.flow(r, origH, origP))
        #expect(f["verdict"] as? String == "violation")
        #expect(f["reason"] as? String == reason)
    }

    @Test("a Microsoft address outside the published ranges is a violation and a finding")
    func formerMicrosoft() throws {
        let r = try Self.report(Self.scenario, configure: Self.withTopology)
        let f = try #require(r.flows.first { $0["resp_h"] as? String == "52.120.9.9" })
        #expect(f["verdict"] as? String == "violation" && f["resp_role"] as? String == "other")
        #expect((f["reason"] as? String)?.contains("Microsoft listed it in 52.120.0.0/14 from 2020-03-25 to 2022-07-28") == true)
        let findings = r["findings"] as! [[String: Any]]
        #expect(findings.contains { $0["code"] as? String == "microsoft_outside_ranges" && ($0["flows"] as? [String]) == [f["uid"] as! String]
            && $0["severity"] as? String == "error" })
    }

    @Test("roles, unrelated flows, rule status and the findings of refused and unanswered connections")
    func statusAndFindings() throws {
        let r = try Self.report(Self.scenario, configure: Self.withTopology)
        let unrelated = try #require(Self.flow(r, "198.51.100.1", 40001))
        #expect(unrelated["verdict"] as? String == "unrelated" && unrelated["rule"] is NSNull)
        let sip = try #require(Self.flow(r, Self.ae, 50001))
        #expect(sip["orig_role"] as? String == "access_edge" && sip["resp_role"] as? String == "office365")
        let rules = r["rules"] as! [[String: Any]]
        #expect(rules.map { $0["id"] as! String } == ["sip-mtls-out", "sip-mtls-in", "stun-tcp-out", "stun-tcp-in", "stun-udp-out", "stun-udp-in"])
        #expect(rules.allSatisfy { $0["status"] as? String == "seen" })
        // 50001 (answered), 50006 (reset), 50007 (no answer); the plaintext SIP flow to 5061 is a
        // violation and counts toward no rule.
        let out = rules[0]
        #expect(out["flows"] as? Int == 3 && out["flows_opened"] as? Int == 3 && out["flows_answered"] as? Int == 1)
        let findings = r["findings"] as! [[String: Any]]
        let codes = findings.map { $0["code"] as! String }
        #expect(codes.contains("tcp_rejected") && codes.contains("tcp_unanswered") && codes.contains("plaintext_sip"))
        #expect(findings.filter { $0["code"] as? String == "port_violation" }.count == 6)
        let severities = findings.map { $0["severity"] as! String }
        #expect(severities == severities.sorted { ["error": 0, "warning": 1, "info": 2][$0]! < ["error": 0, "warning": 1, "info": 2][$1]! })
        let rejected = try #require(findings.first { $0["code"] as? String == "tcp_rejected" })
        #expect(rejected["message"] as? String == "Office 365 refused TCP connections from the Access Edge with a reset (rule sip-mtls-out): 52.112.1.9:5061")
        let topology = r["topology"] as! [String: Any]
        #expect(topology["access_edge"] as? [String] == [Self.ae] && topology["inferred"] as? Bool == false)
        #expect(topology["office365_source"] as? String == "embedded 2025063000")
    }

    @Test("UDP 3478 unanswered while TCP works: fallback, unanswered and never-seen rules")
    func udpBlocked() throws {
        let r = try Self.report([Self.udp(Self.av, 3478, "52.114.0.3", 3478, replies: false),
                                 Self.udp(Self.av, 3478, "52.114.0.4", 3478, replies: false),
                                 Self.tcp(Self.av, 50100, "52.114.0.1", 443)], configure: Self.withTopology)
        let rules = Dictionary(uniqueKeysWithValues: (r["rules"] as! [[String: Any]]).map { ($0["id"] as! String, $0["status"] as! String) })
        // The TCP 443 connection's replies are packets of stun-tcp-in.
        #expect(rules == ["sip-mtls-out": "not_seen", "sip-mtls-in": "not_seen", "stun-tcp-out": "seen",
                          "stun-tcp-in": "seen", "stun-udp-out": "unanswered", "stun-udp-in": "not_seen"])
        let findings = r["findings"] as! [[String: Any]]
        let codes = findings.map { $0["code"] as! String }
        #expect(findings.first?["severity"] as? String == "error")
        #expect(codes.contains("rule_unanswered") && codes.contains("stun_unanswered"))
        #expect(codes.contains("udp_blocked_tcp_fallback"))
        #expect(codes.filter { $0 == "rule_not_seen" }.count == 3)
        let oneWay = try #require(findings.first { $0["code"] as? String == "one_way_udp" })
        #expect(oneWay["flow_count"] as? Int == 2)
        #expect(oneWay["message"] as? String == "UDP from the A/V Edge to Office 365 got no reply (one-way: blocked, or media not flowing back): 203.0.113.20:3478 → 52.114.0.3:3478, 203.0.113.20:3478 → 52.114.0.4:3478")
    }

    @Test("NAT: Office 365 reports the A/V Edge at another address than its own (XOR-MAPPED-ADDRESS, RFC 5389 §15.2)")
    func natMismatch() throws {
        let txid: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        let request: [UInt8] = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + txid
        // 198.18.7.9:3478 XOR-ed with the magic cookie: port ^ 0x2112, address ^ 0x2112A442.
        let port = UInt16(3478) ^ 0x2112
        let addr: [UInt8] = [198 ^ 0x21, 18 ^ 0x12, 7 ^ 0xA4, 9 ^ 0x42]
        let response: [UInt8] = [0x01, 0x01, 0x00, 0x0C, 0x21, 0x12, 0xA4, 0x42] + txid
            + [0x00, 0x20, 0x00, 0x08, 0x00, 0x01] + Frames.be16(port) + addr
        let r = try Self.report([[Frames.udp4(Self.av, 3478, "52.114.0.3", 3478, payload: request),
                                  Frames.udp4("52.114.0.3", 3478, Self.av, 3478, payload: response)]], configure: Self.withTopology)
        let stun = try #require(r.flows.first?["stun"] as? [String: Any])
        #expect(stun["mapped"] as? String == "198.18.7.9:3478")
        let findings = r["findings"] as! [[String: Any]]
        let nat = try #require(findings.first { $0["code"] as? String == "nat_mismatch" })
        #expect((nat["message"] as? String)?.contains("Office 365 sees the A/V Edge 203.0.113.20 as 198.18.7.9") == true)
        #expect(nat["severity"] as? String == "warning")
    }

    @Test("roles are inferred from the traffic when not given, and flags win")
    func inference() throws {
        let r = try Self.report(Self.scenario)
        let topology = r["topology"] as! [String: Any]
        #expect(topology["inferred"] as? Bool == true)
        #expect(topology["access_edge"] as? [String] == [Self.ae])
        #expect(topology["av_edge"] as? [String] == [Self.av])
        #expect((topology["notes"] as? [String])?.first == "access_edge 203.0.113.10: TLS on TCP 5061 with Office 365 52.112.1.5")
        // The first flow is classified with roles learnt from later flows too.
        #expect(Self.flow(r, Self.av, 3479)?["verdict"] as? String == "violation")
        let given = try Self.report(Self.scenario) { $0.edges[.avEdge] = [Prefix("203.0.113.99")!] }
        let t2 = given["topology"] as! [String: Any]
        #expect(t2["av_edge"] as? [String] == ["203.0.113.99"])
    }

    @Test("no Edge role known: a warning says which flags to give")
    func noRoles() throws {
        let r = try Self.report([Self.tcp("198.51.100.1", 40001, "198.51.100.2", 22)])
        let findings = r["findings"] as! [[String: Any]]
        #expect(findings.map { $0["code"] as! String } == ["no_edge_roles"])
        #expect((r["flows"] as! [[String: Any]])[0]["verdict"] as? String == "unrelated")
    }

    @Test("historic vintages: 13.107.64.0/18 was Office 365 in 2020, not any more")
    func vintages() throws {
        let session = [Self.udp(Self.av, 3478, "13.107.64.9", 3478)]
        let old = try Self.report(session, day: "2020-06-01", configure: Self.withTopology)
        let f = old.flows[0]
        #expect(f["resp_role"] as? String == "office365" && f["rule"] as? String == "stun-udp-out")
        #expect((old["topology"] as! [String: Any])["office365_source"] as? String == "historic lists as of 2020-06-01")
        let now = try Self.report(session, day: "2020-06-01") { Self.withTopology(&$0); $0.vintage = .current }
        #expect(now.flows[0]["verdict"] as? String == "violation")
        let pinned = try Self.report(session) { Self.withTopology(&$0); $0.vintage = Office365Vintage("2019-01-15")! }
        #expect(pinned.flows[0]["verdict"] as? String == "allowed")
    }

    @Test("--office365 loads the endpoints web-service JSON (Skype area only)")
    func endpointsFile() throws {
        let json = """
        [{"id": 1, "serviceArea": "Exchange", "ips": ["10.1.0.0/16"]},
         {"id": 11, "serviceArea": "Skype", "ips": ["10.99.0.0/16", "2001:db8:99::/48"], "udpPorts": "3478"}]
        """
        let path = CaptureFile.temporary(Array(json.utf8), suffix: ".json")
        try Data("2026111500\n".utf8).write(to: URL(fileURLWithPath: path + ".version"))
        let r = try Self.report([Self.udp(Self.av, 3478, "10.99.3.4", 3478), Self.udp(Self.av, 3478, "10.1.0.1", 3478)]) {
            Self.withTopology(&$0)
            $0.office365File = path
        }
        #expect(Self.flow(r, Self.av, 3478)?["resp_role"] as? String == "office365")
        #expect(r.flows.first { $0["resp_h"] as? String == "10.1.0.1" }?["resp_role"] as? String == "other")
        let t = r["topology"] as! [String: Any]
        #expect(t["office365_source"] as? String == path && t["office365_version"] as? String == "2026111500")
        let broken = CaptureFile.temporary(Array("{}".utf8), suffix: ".json")
        #expect(throws: EdgeflowError.self) { try Office365Ranges.load(path: broken) }
    }
}

@Suite("Prefixes, ranges and configuration")
struct ConfigurationTests {
    @Test("prefix parsing and membership")
    func prefixes() throws {
        let set = PrefixSet(["52.112.0.0/14", "52.122.0.0/15", "2603:1063::/38"].map { Prefix($0)! })
        #expect(set.contains(IPAddress("52.115.255.255")!) && !set.contains(IPAddress("52.116.0.0")!))
        #expect(set.contains(IPAddress("52.123.1.1")!) && !set.contains(IPAddress("52.121.255.255")!))
        #expect(set.contains(IPAddress("2603:1063:3ff::1")!) && !set.contains(IPAddress("2603:1063:400::")!))
        #expect(Prefix("10.0.0.0/33") == nil && Prefix("nonsense") == nil)
        #expect(Prefix("203.0.113.7/24")?.description == "203.0.113.0/24")
    }

    @Test("IPv4 membership through IPv6 prefixes that cover mapped addresses, and at the ends of the IPv4 space")
    func ipv4Membership() throws {
        // ::ffff:0:0/97 is ::ffff:0.0.0.0-::ffff:127.255.255.255 (RFC 4291 §2.5.5.2 mapped addresses).
        let mapped = PrefixSet(["::ffff:0:0/97", "2001:db8::/32"].map { Prefix($0)! })
        #expect(mapped.contains(IPAddress("0.0.0.0")!) && mapped.contains(IPAddress("127.255.255.255")!))
        #expect(!mapped.contains(IPAddress("128.0.0.0")!))
        #expect(mapped.contains(IPAddress("2001:db8::20:1")!))
        // 32.1.13.184 is 0x20010db8, the first 32 bits of 2001:db8::, but ::ffff:32.1.13.184 is not in it.
        let v6 = PrefixSet([Prefix("2001:db8::/32")!])
        #expect(!v6.contains(IPAddress("32.1.13.184")!) && v6.contains(IPAddress("2001:db8::1")!))
        let all = PrefixSet([Prefix("::/0")!])
        #expect(all.contains(IPAddress("203.0.113.9")!) && all.contains(IPAddress("2001:db8::1")!))
        let ends = PrefixSet(["0.0.0.0/8", "255.255.255.255/32", "52.112.0.0/14"].map { Prefix($0)! })
        #expect(ends.contains(IPAddress("0.255.255.255")!) && !ends.contains(IPAddress("1.0.0.0")!))
        #expect(ends.contains(IPAddress("255.255.255.255")!) && !ends.contains(IPAddress("255.255.255.254")!))
        #expect(ends.contains(IPAddress("52.112.0.0")!) && !ends.contains(IPAddress("52.111.255.255")!))
        #expect(PrefixSet([]).contains(IPAddress("10.0.0.1")!) == false)
        // Intervals across first octets: 10.0.0.0/7 is 10.0.0.0-11.255.255.255; 12.255.255.255 and
        // 13.0.0.0/8 merge into one interval starting in octet 12.
        let across = PrefixSet(["10.0.0.0/7", "12.255.255.255/32", "13.0.0.0/8", "14.0.0.1/32"].map { Prefix($0)! })
        #expect(!across.contains(IPAddress("9.255.255.255")!) && across.contains(IPAddress("10.0.0.0")!))
        #expect(across.contains(IPAddress("11.255.255.255")!) && !across.contains(IPAddress("12.0.0.0")!))
        #expect(!across.contains(IPAddress("12.255.255.254")!) && across.contains(IPAddress("12.255.255.255")!))
        #expect(across.contains(IPAddress("13.128.0.0")!) && across.contains(IPAddress("13.255.255.255")!))
        #expect(!across.contains(IPAddress("14.0.0.0")!) && across.contains(IPAddress("14.0.0.1")!))
        #expect(!across.contains(IPAddress("14.0.0.2")!) && !across.contains(IPAddress("255.0.0.0")!))
    }

    @Test("config file: strings, arrays over several lines, comments, numbers")
    func parse() throws {
        let text = """
        # Edge topology
        access_edge = "203.0.113.10, 2001:db8:10::10"
        av_edge = [
          "203.0.113.20",   # external A/V
          "203.0.113.21",
        ]
        office365_vintage = "2024-01-01"
        udp_timeout = 60
        max_flows = 1_000_000
        fail_on = "warning"
        """
        let c = try ConfigFile(text: text, name: "edgeflow.toml")
        #expect(c.accessEdge == ["203.0.113.10", "2001:db8:10::10"])
        #expect(c.avEdge == ["203.0.113.20", "203.0.113.21"])
        #expect(c.office365Vintage == "2024-01-01" && c.udpTimeout == 60 && c.maxFlows == 1_000_000 && c.failOn == "warning")
        #expect(throws: EdgeflowError.self) { try ConfigFile(text: "access_edge = 203.0.113.10", name: "x") }
        do {
            _ = try ConfigFile(text: "\n\nav_edg = \"1.2.3.4\"", name: "edgeflow.toml")
            Issue.record("an unknown key must be refused")
        } catch {
            #expect(error.description.hasPrefix("edgeflow.toml:3: unknown key \"av_edg\""))
        }
        #expect(throws: EdgeflowError.self) { try parsePrefixes(["203.0.113.300"], from: "--av-edge") }
    }

    @Test("a role set's one role: none for an empty set or several roles")
    func singleRole() {
        #expect(RoleSet().single == nil)
        for r in [Role.accessEdge, .avEdge, .webconfEdge, .office365, .other] { #expect(RoleSet(r).single == r) }
        #expect(RoleSet(.accessEdge, .office365).single == nil)
        #expect(RoleSet(.avEdge, .webconfEdge, .other).single == nil)
    }
}

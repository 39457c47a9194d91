import Testing
@testable import EdgeflowKit

/// The typed verdicts of flows with known verdicts under Microsoft's hybrid port table
/// ("Plan hybrid connectivity": SIP over mutual TLS on TCP 5061 between the Access Edge and
/// Office 365; STUN on UDP 3478 and TCP 443/50000-59999 between the A/V Edge and Office 365)
/// and the Edge external table: which `Violation`, with which ports and rule, and which finding code.
@Suite("Typed violations and finding codes")
struct ViolationTests {
    static let ae = "203.0.113.10", av = "203.0.113.20"
    /// Addresses in the embedded Office 365 ranges (52.112.0.0/14, 52.120.0.0/14 was listed until 2022).
    static let o365SIP = "52.112.1.8", o365Media = "52.114.0.6"

    static var topology: Topology {
        var t = Topology(ranges: .embedded())
        t.accessEdge = [Prefix(ae)!]
        t.avEdge = [Prefix(av)!]
        return t
    }

    /// A flow `a:ap → b:bp` that was answered (TCP: SYN seen, SYN-ACK back), carrying SIP in plaintext when `sip`.
    static func flow(_ a: String, _ ap: UInt16, _ b: String, _ bp: UInt16, proto: UInt8 = 6, sip: Bool = false) -> FlowRecord {
        let key = FlowKey(a: IPAddress(a)!, b: IPAddress(b)!, aPort: ap, bPort: bp, proto: proto, ipVersion: 4)
        var r = FlowRecord(key: key, sequence: 0, originatorIsA: true, timestamp: 0)
        r.origPackets = 3
        r.respPackets = 2
        if proto == 6 {
            r.tcp.synSeen = true
            r.history.note(.synAck, fromOriginator: false)
        }
        if sip { r.services.insert(.sip) }
        return r
    }

    static func rule(_ id: String) -> Rule { (PortTables.hybrid + PortTables.edge).first { $0.id == id }! }

    static func classify(_ r: FlowRecord) -> Classification { FlowClassifier.classify(r, topology: topology) }

    @Test("plaintext SIP to Office 365 on TCP 5061 breaks sip-mtls-out: a plaintext_sip error")
    func plaintextOn5061() {
        let c = Self.classify(Self.flow(Self.ae, 50003, Self.o365SIP, 5061, sip: true))
        #expect(c.verdict == .violation && c.rule?.id == "sip-mtls-out")
        #expect(c.violation == .plaintextSIPOnTLSRule(port: 5061, rule: Self.rule("sip-mtls-out")))
        #expect(c.violation?.findingCode == .plaintextSIP && FindingCode.plaintextSIP.severity() == .error)
    }

    @Test("plaintext SIP between the Access Edge and Office 365 on TCP 5060, which no rule allows")
    func plaintextOn5060() {
        let c = Self.classify(Self.flow(Self.ae, 50004, Self.o365SIP, 5060, sip: true))
        #expect(c.violation == .plaintextSIPWithOffice365(transport: 6, port: 5060))
        #expect(c.violation?.findingCode == .plaintextSIP)
    }

    @Test("the same flow encrypted on 5061 is allowed, with no violation")
    func mutualTLSAllowed() {
        let c = Self.classify(Self.flow(Self.ae, 50001, Self.o365SIP, 5061))
        #expect(c.verdict == .allowed && c.rule?.id == "sip-mtls-out" && c.violation == nil)
    }

    @Test("Access Edge to Office 365 on the wrong port: the flow's ports and the rules that would allow it")
    func accessEdgeWrongPort() {
        let c = Self.classify(Self.flow(Self.ae, 50010, Self.o365SIP, 5062))
        #expect(c.verdict == .violation && c.rule == nil)
        #expect(c.violation == .unlistedPorts(transport: 6, srcPort: 50010, dstPort: 5062, from: .accessEdge, to: .office365,
                                              allowed: [Self.rule("sip-mtls-out")]))
        #expect(c.violation?.findingCode == .portViolation && FindingCode.portViolation.severity() == .error)
    }

    @Test("A/V Edge to Office 365: a wrong destination port, a wrong source port, Office 365 opening the connection")
    func avEdgePorts() {
        #expect(Self.classify(Self.flow(Self.av, 50300, Self.o365Media, 8443)).violation
            == .wrongDestinationPort(port: 8443, rule: Self.rule("stun-tcp-out")))
        #expect(Self.classify(Self.flow(Self.av, 3479, Self.o365Media, 3478, proto: 17)).violation
            == .wrongSourcePort(role: .avEdge, port: 3479, rule: Self.rule("stun-udp-out")))
        #expect(Self.classify(Self.flow("52.114.0.9", 50700, Self.av, 50800)).violation
            == .wrongDirection(opener: .office365, rule: Self.rule("stun-tcp-out")))
    }

    @Test("UDP to 5061, no hybrid rule at all, a protocol in no table")
    func transportAndTable() {
        #expect(Self.classify(Self.flow(Self.ae, 50002, Self.o365SIP, 5061, proto: 17)).violation
            == .wrongTransport(transport: 17, port: 5061, rule: Self.rule("sip-mtls-out")))
        #expect(Self.classify(Self.flow(Self.ae, 3478, "52.114.0.10", 3478, proto: 17)).violation
            == .noRule(table: .hybrid, from: .accessEdge, to: .office365, transport: 17, port: 3478))
        // GRE (47) between the Access Edge and another host.
        let gre = Self.classify(Self.flow(Self.ae, 0, "198.51.100.8", 0, proto: 47))
        #expect(gre.violation == .untabledProtocol(proto: 47, from: .accessEdge, to: .other) && gre.violation?.findingCode == .portViolation)
    }

    @Test("every line of the embedded historic list is read, with its dates and whether it is current")
    func historicList() {
        let history = Office365Ranges.embedded().history
        #expect(history.count == historicSkypePrefixes.split(separator: "\n").count)
        // The list's first line, "13.107.3.0/24 20171023 20200325 0": 17,462 and 18,346 days after 1970-01-01.
        #expect(history.first == Office365Ranges.HistoricPrefix(prefix: Prefix("13.107.3.0/24")!, firstSeen: 17_462, lastSeen: 18_346, inCurrentList: false))
        // "2603:1027::/48 20171023 20260814 1": 2026-08-14 is 20,679 days after 1970-01-01.
        #expect(history.contains(Office365Ranges.HistoricPrefix(prefix: Prefix("2603:1027::/48")!, firstSeen: 17_462,
                                                                 lastSeen: 20_679, inCurrentList: true)))
    }

    @Test("an address Microsoft listed in 52.120.0.0/14 from 2020-03-25 to 2022-07-28 (historic endpoints lists)")
    func formerMicrosoft() throws {
        let c = Self.classify(Self.flow(Self.av, 3478, "52.120.9.9", 3478, proto: 17))
        guard case .formerMicrosoft(let address, let listing, let source) = try #require(c.violation) else {
            Issue.record("not a former Microsoft address: \(String(describing: c.violation))")
            return
        }
        #expect(address == IPAddress("52.120.9.9") && source == "embedded 2025063000")
        #expect(listing.prefix == Prefix("52.120.0.0/14"))
        #expect(listing.firstSeen == Office365Ranges.day("2020-03-25") && listing.lastSeen == Office365Ranges.day("2022-07-28"))
        #expect(c.violation?.findingCode == .microsoftOutsideRanges)
    }

    @Test("Compliance makes the violation's finding with its code, and the severity the code has")
    func complianceFinding() {
        var compliance = Compliance()
        let r = Self.flow(Self.ae, 50003, Self.o365SIP, 5061, sip: true)
        compliance.add(r, Self.classify(r), uid: "C1")
        let findings = compliance.findings(topology: Self.topology, inference: RoleInference(configured: [.accessEdge, .avEdge]),
                                           dns: DNSBook(), final: false)
        let sip = findings.filter { $0.code == .plaintextSIP }
        #expect(sip.count == 1 && sip.first?.severity == .error && sip.first?.flows == ["C1"])
        #expect(sip.first?.message == "plaintext SIP on TCP 5061 where rule sip-mtls-out requires SIP over mutual TLS: 203.0.113.10:50003 → 52.112.1.8:5061")
    }

    @Test("flows join their findings in turn, more kinds than the keys remembered: each finding counts its own flows, in order")
    func findingsInTurn() {
        var compliance = Compliance()
        // Plaintext SIP from the Access Edge to Office 365 on seven ports: a message each.
        let ports: [UInt16] = [5061, 5062, 5063, 5064, 5065, 5066, 5067]
        var expected: [UInt16: [String]] = [:]
        for i in 0..<60 {
            let port = ports[(i * 5 + i / 7) % ports.count]
            let r = Self.flow(Self.ae, UInt16(50_000 + i), Self.o365SIP, port, sip: true)
            compliance.add(r, Self.classify(r), uid: "C\(i)")
            expected[port, default: []].append("C\(i)")
        }
        let findings = compliance.findings(topology: Self.topology, inference: RoleInference(configured: [.accessEdge, .avEdge]),
                                           dns: DNSBook(), final: false).filter { $0.code == .plaintextSIP }
        #expect(findings.count == ports.count)
        #expect(Set(findings.map(\.message)).count == ports.count)
        for f in findings {
            let port = ports.first { f.message.contains(":\($0)") }!
            let uids = expected[port]!
            #expect(f.flowCount == uids.count && f.flows == Array(uids.prefix(Finding.maximumFlows)))
        }
        // In the order of their first flows.
        #expect(findings.map { f in ports.firstIndex { f.message.contains(":\($0)") }! } == [0, 5, 3, 1, 6, 4, 2])
    }

    @Test("severities that depend on the case: errors with Office 365 (or a federation SRV name), warnings otherwise")
    func dependentSeverities() {
        for code in [FindingCode.tcpRejected, .tcpUnanswered, .icmpRejected, .dnsSRVFailed] {
            #expect(code.severity(critical: true) == .error && code.severity(critical: false) == .warning)
        }
        #expect(FlowFinding.tcpRejected(rule: "edge-access-http-out", withOffice365: false).severity == .warning)
        #expect(FlowFinding.tcpRejected(rule: "sip-mtls-out", withOffice365: true).severity == .error)
    }

    @Test("the finding codes are exactly those README.md lists under findings")
    func codesDocumented() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "Codes: "))
        let end = try #require(readme.range(of: "\n\n", range: start.upperBound..<readme.endIndex))
        let text = readme[start.upperBound..<end.lowerBound]
        // Every `code` quoted in the list, less the flags and JSON fields quoted in its explanations.
        let quoted = text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        let codes = Set(quoted.filter { !$0.hasPrefix("-") && !$0.hasPrefix("_") && !$0.contains(".") && $0 != "Incomplete:" })
        #expect(codes == Set(FindingCode.allCases.map(\.rawValue)))
    }

    /// Every flow's classification is made and dropped at its end (one a packet in a flood):
    /// a violation's payload (rules of strings) is boxed, so one without stays small.
    @Test("a classification is 64 bytes at most, its violation a box")
    func classificationSize() {
        #expect(MemoryLayout<Violation?>.size == 8)
        #expect(MemoryLayout<Classification>.size <= 64)
    }
}

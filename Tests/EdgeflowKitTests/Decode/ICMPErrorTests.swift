import Foundation
import Testing
@testable import EdgeflowKit

/// ICMP errors are attributed to the flow whose packet they quote, and rejections of the
/// hybrid ports raise `icmp_rejected`. Captures/icmp/rejected.pcap was recorded with the
/// Linux kernel's own ICMP behind an nftables reject rule (Scripts/record_icmp_captures.sh).
@Suite("ICMP errors")
struct ICMPErrorTests {
    static let capture = repositoryRoot + "/Captures/icmp/rejected.pcap"

    /// tshark's ICMP errors: the quoted packet's 5-tuple (the last IP, UDP and TCP headers
    /// of the frame are the quoted ones) with the error's type, code and sender (the first IP source).
    static func tsharkErrors() throws -> [String: (type: Int, code: Int, from: String)] {
        let first = try tsharkFields(capture, ["-e", "ip.src", "-e", "ipv6.src", "-e", "icmp.type", "-e", "icmp.code",
                                               "-e", "icmpv6.type", "-e", "icmpv6.code"])
        let last = try tsharkFields(capture, ["-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "udp.srcport",
                                              "-e", "udp.dstport", "-e", "tcp.srcport", "-e", "tcp.dstport"], occurrence: "l")
        var out: [String: (type: Int, code: Int, from: String)] = [:]
        for (f, l) in zip(first, last) where !f[2].isEmpty || !f[4].isEmpty {
            let v6 = f[2].isEmpty
            let udp = !l[4].isEmpty
            let key = TsharkView.key(udp ? "udp" : "tcp", v6 ? l[1] : l[0], Int(udp ? l[4] : l[6])!, v6 ? l[3] : l[2], Int(udp ? l[5] : l[7])!)
            out[key] = (Int(v6 ? f[4] : f[2])!, Int(v6 ? f[5] : f[3])!, v6 ? f[1] : f[0])
        }
        return out
    }

    @Test("each ICMP error is counted on the flow it quotes, with tshark's type, code and sender")
    func attribution() throws {
        let truth = try Self.tsharkErrors()
        // Frames 2, 4, 6, 8: admin prohibited (3/13 and ICMPv6 1/1) for UDP 3478, port
        // unreachable (3/3) for UDP 3480, host unreachable (3/1) for TCP 5061.
        #expect(truth.count == 4)
        #expect(Set(truth.values.map { "\($0.type)/\($0.code)" }) == ["3/13", "1/1", "3/3", "3/1"])
        for threads in [1, 2] {
            let report = try analyzeJSON([Self.capture]) { $0.threads = threads }
            var seen = 0
            for f in report.flows where f["proto"] as? String == "udp" || f["proto"] as? String == "tcp" {
                let key = TsharkView.key(f["proto"] as! String, f["orig_h"] as! String, f["orig_p"] as! Int, f["resp_h"] as! String, f["resp_p"] as! Int)
                guard let t = truth[key] else {
                    #expect(f["icmp"] == nil, "\(key) was not quoted by any ICMP error")
                    continue
                }
                seen += 1
                let icmp = try #require(f["icmp"] as? [String: Any], "\(key)")
                #expect(icmp["errors"] as? Int == 1 && icmp["type"] as? Int == t.type && icmp["code"] as? Int == t.code)
                #expect(icmp["from"] as? String == t.from && icmp["quoted"] as? String == "orig")
            }
            #expect(seen == truth.count, "\(threads) threads")
            // The ICMP errors' own flows (sender ↔ A/V Edge) are still there; no flow was made from a quote.
            #expect(report.flows.filter { ($0["proto"] as! String).hasPrefix("icmp") }.count == 3)
            #expect(report.flows.count == 8)
        }
    }

    @Test("a firewall's rejection of UDP 3478 to Office 365 is an error finding naming the router and the reason")
    func finding() throws {
        let truth = try Self.tsharkErrors()
        let report = try analyzeJSON([Self.capture]) { $0.edges[.avEdge] = [Prefix("203.0.113.20")!, Prefix("2001:db8:20::20")!] }
        let rejected = (report["findings"] as! [[String: Any]]).filter { $0["code"] as? String == "icmp_rejected" }
        let v4 = try #require(truth[TsharkView.key("udp", "203.0.113.20", 3478, "52.114.50.7", 3478)])
        let v6 = try #require(truth[TsharkView.key("udp", "2001:db8:20::20", 3478, "2603:1063::5", 3478)])
        #expect(v4.type == 3 && v4.code == 13 && v6.type == 1 && v6.code == 1)
        let messages = rejected.map { "\($0["severity"]!) \($0["message"]!)" }
        #expect(messages.contains("error UDP 3478 to Office 365 rejected by \(v4.from): ICMP administratively prohibited: 203.0.113.20:3478 → 52.114.50.7:3478"))
        #expect(messages.contains("error UDP 3478 to Office 365 rejected by \(v6.from): ICMP administratively prohibited: [2001:db8:20::20]:3478 → [2603:1063::5]:3478"))
        // Port 3480 and TCP 5061 are not on the A/V Edge's hybrid rules (violations): warnings.
        let port = try #require(truth[TsharkView.key("udp", "203.0.113.20", 3478, "52.114.50.7", 3480)])
        #expect(messages.contains("warning UDP 3480 to Office 365 rejected by \(port.from): ICMP port unreachable: 203.0.113.20:3478 → 52.114.50.7:3480"))
        #expect(rejected.count == 4)
    }

    @Test("an ICMP error quoting no live flow makes no flow; a quote without ports is ignored")
    func noFlowMade() throws {
        // Port unreachable from 52.114.50.7 quoting 203.0.113.20:3478 → 52.114.50.7:3480 (IP header + 8 bytes), nothing before it.
        let quotedUDP = Frames.udp(sport: 3478, dport: 3480, payload: [])
        let quote = Frames.ipv4Header(src: "203.0.113.20", dst: "52.114.50.7", proto: 17, payloadLength: 20) + quotedUDP
        let icmp: [UInt8] = [3, 3, 0, 0, 0, 0, 0, 0] + quote
        let error = Frames.ethernet(type: 0x0800) + Frames.ipv4Header(src: "52.114.50.7", dst: "203.0.113.20", proto: 1, payloadLength: icmp.count) + icmp
        // The same error with the quote cut after 2 bytes of the UDP header.
        let cutICMP = Array(icmp[0..<(8 + 20 + 2)])
        let cut = Frames.ethernet(type: 0x0800) + Frames.ipv4Header(src: "52.114.50.7", dst: "203.0.113.20", proto: 1, payloadLength: cutICMP.count) + cutICMP
        let datagram = Frames.udp4("203.0.113.20", 3478, "52.114.50.7", 3480, payload: [])
        let path = CaptureFile.temporary(CaptureFile.pcap([TestRecord(seconds: 1, fraction: 0, data: error),
                                                            TestRecord(seconds: 2, fraction: 0, data: datagram),
                                                            TestRecord(seconds: 3, fraction: 0, data: cut)]))
        let report = try analyzeJSON([path])
        #expect(report.flows.count == 2)
        let udp = try #require(report.flows.first { $0["proto"] as? String == "udp" })
        #expect(udp["icmp"] == nil && udp["orig_pkts"] as? Int == 1)
    }

    /// Frames 2 (ICMP 3/13 quoting UDP, quote at byte 42) and 4 (ICMPv6 1/1, quote at 62) of
    /// rejected.pcap, cut or altered: `quoted` names the reason and the offset (tshark: Ethernet,
    /// 20-byte outer IPv4 or 40-byte IPv6 header, 8-byte ICMP header before the quote).
    @Test("a quote that names no flow says why and where")
    func quoteFailures() throws {
        var reader = try MappedCaptureReader(path: Self.capture)
        var frames: [Int: (bytes: [UInt8], length: Int, link: LinkType)] = [:]
        while let p = reader.next() { frames[p.number] = (Array(p.bytes), p.originalLength, p.linkType) }
        func quoted(_ frame: Int, _ change: (inout [UInt8]) -> Void) -> Result<DecodedPacket, ICMPQuoteFailure> {
            var (b, length, link) = frames[frame]!
            change(&b)
            return b.withUnsafeBytes { p in
                let d = PacketDecoder.decode(p, originalLength: length, linkType: link)
                return Result { () throws(ICMPQuoteFailure) in try ICMPError.quoted(in: p, d) }
            }
        }
        let q = try quoted(2) { _ in }.get()
        #expect(q.proto == IPProtocol.udp && q.dstPort == 3478)
        #expect(try quoted(4) { _ in }.get().proto == IPProtocol.udp)
        func failure(_ frame: Int, _ change: (inout [UInt8]) -> Void) -> ICMPQuoteFailure? {
            if case .failure(let f) = quoted(frame, change) { f } else { nil }
        }
        #expect(failure(2) { $0.removeLast($0.count - 50) } == ICMPQuoteFailure(.truncated, at: 50))
        #expect(failure(2) { $0.removeLast($0.count - 65) } == ICMPQuoteFailure(.truncated, at: 65))
        #expect(failure(2) { $0[51] = IPProtocol.gre } == ICMPQuoteFailure(.notTCPOrUDP, at: 51))
        #expect(failure(2) { $0[49] = 0x10 } == ICMPQuoteFailure(.fragment, at: 48))
        #expect(failure(2) { $0[42] = 0x44 } == ICMPQuoteFailure(.badHeaderLength, at: 42))
        #expect(failure(4) { $0[62] = 0x45 } == ICMPQuoteFailure(.badVersion, at: 62))
        #expect(failure(4) { $0[68] = IPProtocol.icmpv6 } == ICMPQuoteFailure(.notTCPOrUDP, at: 68))
    }

    /// An ICMP error from `sender` of `type`/`code` quoting the datagram 203.0.113.20:`sport` → 52.114.50.7:3480.
    private static func error(from sender: String, type: UInt8, code: UInt8, sport: UInt16 = 3478) -> [UInt8] {
        let quote = Frames.ipv4Header(src: "203.0.113.20", dst: "52.114.50.7", proto: 17, payloadLength: 8) + Frames.udp(sport: sport, dport: 3480, payload: [])
        let icmp: [UInt8] = [type, code, 0, 0, 0, 0, 0, 0] + quote
        return Frames.ethernet(type: 0x0800) + Frames.ipv4Header(src: sender, dst: "203.0.113.20", proto: 1, payloadLength: icmp.count) + icmp
    }

    /// A datagram of the flow the errors quote, a port unreachable from its responder, a time
    /// exceeded from a router (counted; the rejection kept), and at 1,000 s another flow's
    /// datagram: the sweep then ends the first flow idle (after 120 s).
    private static let idleFrames: [(seconds: UInt32, frame: [UInt8])] = [
        (1, Frames.udp4("203.0.113.20", 3478, "52.114.50.7", 3480, payload: [1, 2, 3, 4])),
        (2, error(from: "52.114.50.7", type: 3, code: 3)),
        (3, error(from: "198.51.100.1", type: 11, code: 0)),
        (1_000, Frames.udp4("203.0.113.21", 50_000, "52.114.50.8", 3478, payload: [1, 2, 3, 4])),
    ]

    @Test("errors on a flow that ends idle are kept beside the table while it lives, handed on with it as it ends (nothing left behind), in its report with one and two threads")
    func endedIdle() throws {
        var tracker = FlowTracker(settings: FlowSettings(), dns: DNSBook())
        var whileLive: [ICMPErrorFacts] = []
        for (k, f) in Self.idleFrames.enumerated() {
            let d = decode(f.frame)
            f.frame.withUnsafeBytes { tracker.track(d, timestamp: Int64(f.seconds) * 1_000_000_000, bytes: $0, index: k + 1) }
            if k == 2 { whileLive = Array(tracker.icmpErrors.values) }
        }
        tracker.sweep(now: 1_000 * 1_000_000_000)
        let expected = ICMPErrorFacts(count: 2, type: 3, code: 3, quotedOriginator: true, sender: IPAddress("52.114.50.7")!)
        #expect(whileLive == [expected])
        let ended = try #require(tracker.ended.first { $0.record.key.aPort == 3480 })
        #expect(ended.reason == .idle && ended.icmpErrors == expected)
        #expect(tracker.icmpErrors.isEmpty)
        let path = CaptureFile.temporary(CaptureFile.pcap(Self.idleFrames.map { TestRecord(seconds: $0.seconds, fraction: 0, data: $0.frame) }))
        defer { unlink(path) }
        for threads in [1, 2] {
            let report = try analyzeJSON([path]) { $0.threads = threads }
            let flow = try #require(report.flows.first { $0["orig_h"] as? String == "203.0.113.20" && $0["proto"] as? String == "udp" })
            #expect(flow["end_reason"] as? String == "idle", "\(threads) threads")
            let icmp = try #require(flow["icmp"] as? [String: Any], "\(threads) threads")
            #expect(icmp["errors"] as? Int == 2 && icmp["type"] as? Int == 3 && icmp["code"] as? Int == 3, "\(icmp)")
            #expect(icmp["from"] as? String == "52.114.50.7" && icmp["quoted"] as? String == "orig", "\(icmp)")
            #expect(report.flows.filter { $0["icmp"] != nil }.count == 1)
        }
    }

    @Test("after 5,000 flows quoted by ICMP errors end idle, the sweep keeps no room for their facts; a flow still live keeps its own")
    func burstPassed() {
        var tracker = FlowTracker(settings: FlowSettings(), dns: DNSBook())
        var index = 0
        func feed(_ frame: [UInt8], at seconds: Int64) {
            index += 1
            let d = decode(frame)
            frame.withUnsafeBytes { tracker.track(d, timestamp: seconds * 1_000_000_000, bytes: $0, index: index) }
        }
        for n in 0..<5_000 {
            let sport = UInt16(10_000 + n)
            feed(Frames.udp4("203.0.113.20", sport, "52.114.50.7", 3480, payload: [1, 2, 3, 4]), at: 1)
            feed(Self.error(from: "52.114.50.7", type: 3, code: 3, sport: sport), at: 1)
        }
        // The 5,000 errors' facts held: room for at least 5,000, beyond `icmpErrorsKept` (1,024),
        // so the bound after the sweep (below) is a trim. (The room itself is not checked: a
        // collection's capacity is never below its count.)
        let burst = tracker.icmpErrors.count
        // At 1,000 s a flow of its own, quoted by a host unreachable; the 5,000 are idle past 120 s.
        feed(Frames.udp4("203.0.113.20", 9_999, "52.114.50.7", 3480, payload: [1, 2, 3, 4]), at: 1_000)
        feed(Self.error(from: "52.114.50.7", type: 3, code: 1, sport: 9_999), at: 1_000)
        tracker.sweep(now: 1_000 * 1_000_000_000)
        #expect(burst == 5_000 && FlowTracker.icmpErrorsKept < 5_000)
        // The 5,000 UDP flows each with its error; the errors' own ICMP flow with none.
        let udp = tracker.ended.filter { $0.record.key.proto == 17 }
        #expect(udp.count == 5_000 && udp.allSatisfy { $0.icmpErrors?.count == 1 && $0.icmpErrors?.code == 3 })
        #expect(tracker.ended.count - udp.count == 1 && tracker.ended.allSatisfy { $0.reason == .idle })
        #expect(tracker.icmpErrors.count == 1 && tracker.icmpErrors.values.first?.code == 1)
        #expect(tracker.icmpErrors.capacity <= FlowTracker.icmpErrorsKept, "room for \(tracker.icmpErrors.capacity)")
    }
}

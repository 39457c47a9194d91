import Foundation
import Testing
@testable import EdgeflowKit

/// GRE, ERSPAN and VXLAN are opened and their inner packets analysed.
@Suite("Tunnels")
struct TunnelTests {
    static let capture = repositoryRoot + "/Captures/tunnel/tunnels.pcap"

    @Test("tunnels.pcap: inner 5-tuples, packets and encapsulated counts equal tshark's")
    func againstTshark() throws {
        // tshark's protocol chain of each frame names its outermost tunnel: GRE (ERSPAN when
        // GRE carries it) or VXLAN.
        var expected: [String: Int] = [:]
        for row in try tsharkFields(Self.capture, ["-e", "frame.protocols"]) {
            let layers = row[0].split(separator: ":")
            if let g = layers.firstIndex(of: "gre") {
                expected[layers[g + 1] == "erspan" ? "erspan" : "gre", default: 0] += 1
            } else if layers.contains("vxlan") {
                expected["vxlan", default: 0] += 1
            }
        }
        // Frames 1-7 and 16 GRE, 8-13 ERSPAN, 14-15 VXLAN (Scripts/gen_tunnel_captures.py).
        #expect(expected == ["gre": 8, "erspan": 6, "vxlan": 2])
        let report = try analyzeJSON([Self.capture])
        #expect(report.capture["encapsulated"] as? [String: Int] == expected)
        #expect((report.capture["decode_errors"] as! [String: Int]).isEmpty)

        let truth = try TsharkView(path: Self.capture)
        var ours: [String: Int] = [:]
        for f in report.flows {
            let key = TsharkView.key(f["proto"] as! String, f["orig_h"] as! String, f["orig_p"] as! Int, f["resp_h"] as! String, f["resp_p"] as! Int)
            ours[key, default: 0] += (f["orig_pkts"] as! Int) + (f["resp_pkts"] as! Int)
        }
        // Only inner flows: no GRE flow between the switch and the monitor, no outer VXLAN datagram.
        #expect(ours == truth.packets)
        #expect(truth.packets.count == 9 && truth.packets.values.reduce(0, +) == 17)
    }

    @Test("the table's Capture section has a tunnels line")
    func tableLine() throws {
        let out = scratchPath("tunnel-table") + ".txt"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = AnalyzeOptions(paths: [Self.capture])
        options.format = .table
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream) { _ in }
        try stream.close()
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("  tunnels    gre 8, erspan 6, vxlan 2 (analysed as their inner packets)\n"))
    }

    /// A GRE header (RFC 2784) with optional key and sequence number, in IPv4 from 192.0.2.1 to 192.0.2.100.
    static func gre(_ type: UInt16, _ payload: [UInt8], flags: UInt8 = 0, extra: [UInt8] = []) -> [UInt8] {
        let g = [flags, 0] + Frames.be16(type) + extra + payload
        return Frames.ipv4Header(src: "192.0.2.1", dst: "192.0.2.100", proto: 47, payloadLength: g.count) + g
    }

    static let innerUDP: [UInt8] = {
        let u = Frames.udp(sport: 50000, dport: 3478, payload: [1, 2, 3, 4])
        return Frames.ipv4Header(src: "203.0.113.20", dst: "52.114.50.7", proto: 17, payloadLength: u.count) + u
    }()

    @Test("GRE in GRE: three tunnels are opened, a fourth stays the GRE flow and is counted")
    func depth() {
        // Three GRE layers around the UDP packet: its 5-tuple comes out, one GRE counted.
        var p = Self.innerUDP
        for _ in 0..<3 { p = Self.gre(0x0800, p) }
        let d3 = decode(Frames.ethernet(type: 0x0800) + p)
        #expect(d3.kind == .transport && d3.proto == 17 && d3.dstPort == 3478 && d3.anomaly == nil)
        #expect(d3.tunnel == .gre && d3.tunnelDepth == 3)
        // A fourth: the packet is the third GRE packet (192.0.2.1 -> 192.0.2.100, proto 47), anomaly counted.
        let d4 = decode(Frames.ethernet(type: 0x0800) + Self.gre(0x0800, p))
        #expect(d4.kind == .transport && d4.proto == 47 && d4.anomaly == .tunnelTooDeep)
        #expect(d4.src == IPAddress("192.0.2.1") && d4.dst == IPAddress("192.0.2.100"))
    }

    @Test("GRE header fields: checksum, key and sequence are skipped; PPTP and routing stay GRE; short headers are counted")
    func greHeaders() {
        // C, K and S set: 4 + 4 + 4 + 4 header bytes before the inner packet.
        let all = decode(Frames.ethernet(type: 0x0800) + Self.gre(0x0800, Self.innerUDP, flags: 0xB0, extra: [UInt8](repeating: 0, count: 12)))
        #expect(all.kind == .transport && all.proto == 17 && all.src == IPAddress("203.0.113.20"))
        // Version 1 (PPTP's enhanced GRE, RFC 2637) and the RFC 1701 routing bit are not opened.
        for (flags, version) in [(UInt8(0x30), UInt8(1)), (UInt8(0x40), UInt8(0))] {
            var g = Self.gre(0x0800, Self.innerUDP, flags: flags, extra: [0, 0, 0, 0, 0, 0, 0, 0])
            g[21] = version
            let d = decode(Frames.ethernet(type: 0x0800) + g)
            #expect(d.kind == .transport && d.proto == 47 && d.tunnel == .none && d.anomaly == nil)
        }
        // K and S announced, 4 bytes present: gre_truncated, still the GRE flow.
        let short = decode(Frames.ethernet(type: 0x0800) + Self.gre(0x0800, [], flags: 0x30, extra: [0, 0, 0, 7]))
        #expect(short.kind == .transport && short.proto == 47 && short.anomaly == .greTruncated)
        // ERSPAN type II announced (S set) with 6 of its 8 header bytes.
        let erspan = decode(Frames.ethernet(type: 0x0800) + Self.gre(0x88BE, [0x10, 0, 0, 1, 0, 0], flags: 0x10, extra: [0, 0, 0, 1]))
        #expect(erspan.proto == 47 && erspan.anomaly == .erspanTruncated)
        // An inner IPv4 total length beyond the GRE payload: counted, decoded with what is there.
        var long = Self.innerUDP
        long[3] &+= 40
        let d = decode(Frames.ethernet(type: 0x0800) + Self.gre(0x0800, long))
        #expect(d.kind == .transport && d.proto == 17 && d.anomaly == .ipv4BadTotalLength)
    }

    @Test("a tunnel whose inner packet does not decode stays the outer GRE flow, the inner error counted")
    func innerFailure() {
        // An inner IPv4 header whose IHL says 4 words (below the minimum 5: RFC 791).
        var bad = Self.innerUDP
        bad[0] = 0x44
        let d = decode(Frames.ethernet(type: 0x0800) + Self.gre(0x0800, bad))
        #expect(d.kind == .transport && d.proto == 47 && d.tunnel == .none)
        #expect(d.anomaly != nil)
    }

    @Test("VXLAN: the I flag is required, a short datagram stays UDP; both counted")
    func vxlan() {
        func frame(_ vx: [UInt8]) -> [UInt8] {
            let u = Frames.udp(sport: 49152, dport: 4789, payload: vx)
            return Frames.ethernet(type: 0x0800) + Frames.ipv4Header(src: "192.0.2.1", dst: "192.0.2.100", proto: 17, payloadLength: u.count) + u
        }
        let header: [UInt8] = [0x08, 0, 0, 0, 0, 0x13, 0x88, 0]  // I flag, VNI 5000
        let ok = decode(frame(header + Frames.ethernet(type: 0x0800) + Self.innerUDP))
        #expect(ok.kind == .transport && ok.tunnel == .vxlan && ok.dstPort == 3478 && ok.src == IPAddress("203.0.113.20"))
        var noFlag = header
        noFlag[0] = 0
        let bad = decode(frame(noFlag + Frames.ethernet(type: 0x0800) + Self.innerUDP))
        #expect(bad.kind == .transport && bad.dstPort == 4789 && bad.tunnel == .none && bad.anomaly == .vxlanBadFlags)
        let short = decode(frame([0x08, 0, 0]))
        #expect(short.kind == .transport && short.dstPort == 4789 && short.anomaly == .vxlanTruncated)
        // The header but a cut inner Ethernet header: a link error like any short frame.
        #expect(decode(frame(header + [0, 1, 2])).error == .linkTruncated)
    }
}

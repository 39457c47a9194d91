import Foundation
import Testing
@testable import EdgeflowKit

/// IPFIX messages as tshark's IPFIX dissector (cflow) reads them back.
@Suite("IPFIX export")
struct IPFIXTests {
    private func summary(_ a: String, _ ap: UInt16, _ b: String, _ bp: UInt16, proto: UInt8, v6: Bool) -> FlowSummary {
        let key = FlowKey(a: IPAddress(a)!, b: IPAddress(b)!, aPort: ap, bPort: bp, proto: proto, ipVersion: v6 ? 6 : 4)
        var r = FlowRecord(key: key, sequence: 0, originatorIsA: true, timestamp: 1_772_442_000_123_000_000)
        r.lastTimestamp = 1_772_442_002_456_000_000
        r.origPackets = 7; r.origIPBytes = 1_234
        r.respPackets = 5; r.respIPBytes = 987
        var s = FlowSummary(r, reason: .evicted)
        s.origRole = "access_edge"; s.respRole = "office365"; s.rule = "sip-mtls-out"; s.verdict = "allowed"
        return s
    }

    @Test("templates and records for IPv4 and IPv6 flows decode in tshark with the values put in")
    func tsharkReadsRecords() throws {
        var e = IPFIXEncoder(observationDomain: 7)
        let messages = [
            e.templateMessage(exportTime: 1_772_442_010),
            e.add(summary("203.0.113.10", 49710, "52.112.1.5", 5061, proto: 6, v6: false), exportTime: 1_772_442_010),
            e.add(summary("2001:db8:10::10", 3478, "2603:1063::1", 3478, proto: 17, v6: true), exportTime: 1_772_442_010),
            e.flush(exportTime: 1_772_442_010),
        ].compactMap { $0 }
        // The templates, then one message with two Sets (RFC 7011 §3): the IPv4 record's and the
        // IPv6 record's, though they use different templates.
        #expect(messages.count == 2)
        #expect(e.sequence == 2)
        let frames = messages.map { Frames.udp4("127.0.0.1", 40000, "127.0.0.1", 4739, payload: $0) }
        let path = CaptureFile.temporary(CaptureFile.pcap(frames.enumerated().map {
            TestRecord(seconds: 1_772_442_010 + UInt32($0.offset), fraction: 0, data: $0.element)
        }))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fields = ["cflow.od_id", "cflow.srcaddr", "cflow.dstaddr", "cflow.srcaddrv6", "cflow.dstaddrv6", "cflow.srcport",
                      "cflow.dstport", "cflow.protocol", "cflow.octets", "cflow.packets", "cflow.flow_end_reason"]
        let rows = try tsharkFields(path, ["-d", "udp.port==4739,cflow"] + fields.flatMap { ["-e", $0] }, occurrence: "a")
        #expect(rows.count == 2)
        // tshark joins the two records' values of one field with commas, in the message's order;
        // octets and packets also list the RFC 5103 reverse counters (987 bytes, 5 packets).
        #expect(rows[1] == ["7", "203.0.113.10", "52.112.1.5", "2001:db8:10::10", "2603:1063::1", "49710,3478", "5061,3478",
                            "6,17", "1234,987,1234,987", "7,5,7,5", "5,5"])
    }
}

@Suite("Output rotation")
struct RotationTests {
    @Test("--rotate by size moves the file aside at a record boundary and starts a new one")
    func rotatesBySize() throws {
        let dir = scratchPath("rotate")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/flows.ndjson"
        let line = String(repeating: "x", count: 99) + "\n"   // 100 bytes
        do {
            let out = try OutputStream(path: path, rotation: .size(250))
            for _ in 0..<7 { out.write(line); out.endOfRecord() }
            #expect(out.rotated.count == 2)   // after lines 3 and 6
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files.count == 3)
        var sizes: [Int] = []
        for f in files { sizes.append(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + f)).count) }
        #expect(sizes.reduce(0, +) == 700)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 100)
    }

    @Test("a refused rotation is reported once, with the path and the system's reason, and writing goes on")
    func refusedRotation() throws {
        let dir = scratchPath("rotate-refused")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/flows.ndjson"
        var reports: [String] = []
        let out = try OutputStream(path: path, rotation: .size(10))
        out.onRotationFailure = { reports.append($0.description) }
        out.write("first\n")
        out.flush()
        // The file is removed behind the writer's back: rename(2) then fails with ENOENT.
        try FileManager.default.removeItem(atPath: path)
        for _ in 0..<3 { out.write(String(repeating: "y", count: 20) + "\n"); out.endOfRecord() }
        try out.close()
        #expect(reports.count == 1)
        #expect(reports.first?.hasPrefix("cannot rotate \(path) to \(path).") == true)
        #expect(reports.first?.contains("No such file or directory; rotation stops") == true)
        #expect(out.rotated.isEmpty)
    }

    @Test("--rotate accepts sizes and durations, and refuses the rest")
    func parses() {
        #expect(Rotation("100M") == .size(100 << 20))
        #expect(Rotation("512K") == .size(512 << 10))
        #expect(Rotation("1h") == .duration(3600))
        #expect(Rotation("15m") == .duration(900))
        #expect(Rotation("1d") == .duration(86_400))
        #expect(Rotation("10") == nil)
        #expect(Rotation("-1h") == nil)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// TLS connections whose handshake is not in the capture (it began mid-connection) are
/// followed from their record headers. The captures are bundled ones with their head cut
/// off by `editcap -r` (Captures/README.md); the expected values are tshark's records.
@Suite("TLS without the handshake")
struct TLSMidstreamTests {
    /// tshark's record content types (every record of every frame) and the first record-layer version.
    static func tsharkRecords(_ path: String) throws -> (types: [String: Int], version: String) {
        var types: [String: Int] = [:]
        var version = ""
        for row in try tsharkFields(path, ["-e", "tls.record.content_type", "-e", "tls.record.version"], occurrence: "a") {
            for t in row[0].split(separator: ",") { types[String(t), default: 0] += 1 }
            if version.isEmpty, let v = row[1].split(separator: ",").first { version = String(v) }
        }
        return (types, version)
    }

    @Test("captures cut after the handshake: record counts and version equal tshark's, handshake not_captured",
          arguments: ["mtls-out-midstream.pcap", "client-certificate-midstream.pcap"])
    func againstTshark(name: String) throws {
        let path = repositoryRoot + "/Captures/tls/" + name
        let truth = try Self.tsharkRecords(path)
        // mtls-out frames 10, 11, 13: types 23, 21, 21 (tshark: "Application Data", "Encrypted Alert" twice);
        // client-certificate frames 23, 25, 27, 30: four type-23 records, nothing else.
        #expect(truth.types == (name.hasPrefix("mtls") ? ["23": 1, "21": 2] : ["23": 4]))
        #expect(truth.version == "0x0303")
        let report = try analyzeJSON([path])
        let flows = report.flows.filter { $0["proto"] as? String == "tcp" }
        try #require(flows.count == 1)
        let tls = try #require(flows[0]["tls"] as? [String: Any])
        #expect(tls["handshake"] as? String == "not_captured")
        #expect(tls["application_data_records"] as? Int == truth.types["23"])
        #expect(tls["encrypted_alerts"] as? Int == truth.types["21", default: 0])
        #expect(tls["version"] as? String == "TLS 1.2")
        #expect(tls["alerts"] as? [Any] == nil || (tls["alerts"] as! [Any]).isEmpty)
        #expect(tls["client_cert"] is NSNull && tls["handshake_ms"] is NSNull)
        #expect((tls["malformed"] as! [Any]).isEmpty)
        // Encrypted alerts without a handshake are not a failed handshake.
        #expect(!(report["findings"] as! [[String: Any]]).contains { $0["code"] as? String == "tls_handshake_failed" })
    }

    @Test("a session fed records without hellos: not_captured, record-layer version, alerts counted as encrypted")
    func session() {
        // Hand-built TLS 1.0 records: application data (23, 0x0301, 3 bytes), then an alert
        // (21) of 26 bytes — longer than a clear alert's 2, so encrypted.
        var s = TLSSession()
        let bytes: [UInt8] = [23, 3, 1, 0, 3, 1, 2, 3] + [21, 3, 1, 0, 26] + [UInt8](repeating: 0xAA, count: 26)
        let used = bytes.withUnsafeBytes { s.feed(direction: .resp, bytes: $0, timestamp: 1) }
        #expect(used == bytes.count)
        #expect(s.outcome == .notCaptured && s.recordVersion == .tls10)
        #expect(s.resp.applicationDataRecords == 1 && s.resp.encryptedAlerts == 1 && s.resp.clearAlerts == 0)
        // Nothing parsed yet: not judged.
        #expect(TLSSession().outcome == .incomplete)
    }

    /// A record of `type` with `length` body bytes (0x5A: never a content type, so the body
    /// cannot be taken for a header).
    static func record(_ type: UInt8, _ length: Int) -> [UInt8] {
        [type, 3, 3, UInt8(length >> 8), UInt8(length & 0xFF)] + [UInt8](repeating: 0x5A, count: length)
    }

    @Test("a capture that begins inside records: each direction finds its first record header, counted by construction")
    func insideRecords() throws {
        let c = "203.0.113.10", s = "52.112.1.5", ack: UInt8 = 0x10, psh: UInt8 = 0x08
        // What each segment holds (no SYN: the capture began mid-connection):
        // 1 client: the last 300 bytes of a record, then an application-data record of 100: not
        //   followed yet (its first byte names no protocol);
        // 2 server: an application-data record of 50, aligned: the stream is followed from here;
        // 3 client: the last 120 bytes of a record, then a record of 40: its first header is
        //   found 120 bytes in (also confirmed by ending exactly at the segment's end);
        // 4 server: an encrypted alert (type 21, 26 bytes); 5 client: a record of 30.
        let tail1 = [UInt8](repeating: 0x5A, count: 300), tail3 = [UInt8](repeating: 0x5A, count: 120)
        let segments: [(client: Bool, payload: [UInt8])] = [
            (true, tail1 + Self.record(23, 100)), (false, Self.record(23, 50)),
            (true, tail3 + Self.record(23, 40)), (false, Self.record(21, 26)), (true, Self.record(23, 30)),
        ]
        var cseq: UInt32 = 5000, sseq: UInt32 = 9000
        var records: [TestRecord] = []
        for (i, seg) in segments.enumerated() {
            let frame = seg.client
                ? Frames.tcp4(c, 50001, s, 5061, flags: ack | psh, seq: cseq, ack: sseq, payload: seg.payload)
                : Frames.tcp4(s, 5061, c, 50001, flags: ack | psh, seq: sseq, ack: cseq, payload: seg.payload)
            if seg.client { cseq &+= UInt32(seg.payload.count) } else { sseq &+= UInt32(seg.payload.count) }
            records.append(TestRecord(seconds: 1_772_442_000 + UInt32(i), fraction: 0, data: frame))
        }
        let path = CaptureFile.temporary(CaptureFile.pcap(records))
        // tshark reads the aligned segments' records the same way: frame 2 one application-data
        // record, frame 4 one alert, frame 5 one application-data record.
        let aligned = try tsharkFields(path, ["-d", "tcp.port==5061,tls", "-Y", "frame.number in {2, 4, 5}", "-e", "tls.record.content_type"])
        #expect(aligned.map { $0[0] } == ["23", "21", "23"])
        let report = try analyzeJSON([path])
        let flow = try #require(report.flows.first { $0["proto"] as? String == "tcp" })
        let tls = try #require(flow["tls"] as? [String: Any])
        #expect(tls["handshake"] as? String == "not_captured")
        // Client: segment 3's record of 40 and segment 5's; server: segment 2's. Segment 1 came
        // before the stream was named and is not followed.
        #expect(tls["application_data_records"] as? Int == 3)
        #expect(tls["encrypted_alerts"] as? Int == 1)
        #expect((tls["malformed"] as! [Any]).isEmpty)
        #expect(flow["service"] as? String == "sip-tls")
    }

    @Test("the record header search needs confirmation and gives up after one record's length")
    func headerSearch() {
        let noise = [UInt8](repeating: 0x5A, count: 40)
        // A lone plausible header whose record goes past the bytes, with no version seen yet: unconfirmed.
        let lone = noise + [23, 3, 3, 0x40, 0]
        #expect(lone.withUnsafeBytes { TLSSession.nextRecordHeader($0, from: 0, version: nil) } == nil)
        // The same with the record-layer version known from the other direction: taken.
        #expect(lone.withUnsafeBytes { TLSSession.nextRecordHeader($0, from: 0, version: TLSVersion(rawValue: 0x0303)) } == 40)
        // Two headers in a row: the first is confirmed by the second.
        let two = noise + Self.record(23, 10) + [23, 3, 3, 0, 5]
        #expect(two.withUnsafeBytes { TLSSession.nextRecordHeader($0, from: 0, version: nil) } == 40)
    }
}

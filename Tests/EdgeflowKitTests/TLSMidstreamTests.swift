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
}

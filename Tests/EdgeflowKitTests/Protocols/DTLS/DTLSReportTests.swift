import Foundation
import Testing
@testable import EdgeflowKit

/// DTLS end to end: `edgeflow analyze` on the recorded captures puts a `dtls` object on the
/// DTLS flow (through the flow table and the dispatcher) that agrees with tshark's fields.
@Suite("DTLS in the report")
struct DTLSReportTests {
    /// IANA "DTLS-SRTP Protection Profiles" (RFC 5764 §4.1.2, RFC 7714 §14.2): the names the
    /// report must write for the values tshark shows.
    static let iana: [UInt16: String] = [0x0001: "SRTP_AES128_CM_HMAC_SHA1_80", 0x0002: "SRTP_AES128_CM_HMAC_SHA1_32",
                                         0x0007: "SRTP_AEAD_AES_128_GCM", 0x0008: "SRTP_AEAD_AES_256_GCM"]

    static let captures = [("dtls-dtls10", "dtls10.pcap"), ("dtls-dtls12-srtp", "dtls12-srtp.pcap"),
                           ("dtls-dtls12-fragmented", "dtls12-fragmented.pcap"), ("dtls-dtls12-expired", "dtls12-expired.pcap"),
                           ("dtls-aiortc-dtls-srtp", "aiortc-dtls-srtp.pcap")]

    @Test("the DTLS flow's dtls object: version, cipher, SRTP profile and certificate SHA-256 as tshark shows them",
          arguments: captures)
    func dtlsObject(_ fixture: String, _ file: String) throws {
        let report = try analyzeJSON([DTLSCaptures.directory + file])
        let flows = report.flows.filter { $0["dtls"] != nil }
        try #require(flows.count == 1)
        #expect((flows[0]["services"] as? [String])?.contains("dtls") == true)
        let d = flows[0]["dtls"] as! [String: Any]
        let t = TsharkDTLS(fixture)
        let sh = t.serverHello
        let version = sh.handshakeVersions.last.map { $0 == 0xFEFF ? "DTLS 1.0" : $0 == 0xFEFD ? "DTLS 1.2" : "?" }
        #expect(d["version"] as? String == version)
        #expect(d["cipher"] as? String == TLSCipherSuite.name(of: sh.cipherSuites[0]))
        #expect(d["srtp_profile"] as? String == sh.srtpProfiles.first.flatMap { Self.iana[$0] })
        let certificates = d["certificates"] as! [String: [[String: Any]]]
        #expect(certificates["server"]!.map { $0["sha256"] as! String } == t.chain(from: sh.sender).map(\.sha256))
        #expect(certificates["server"]!.map { $0["subject"] as! String } == t.chain(from: sh.sender).map(\.subject))
    }

    @Test("the table's DTLS section: the flow's version, handshake outcome and time, cipher and SRTP profile")
    func table() throws {
        let r = try CommandLineTests.run(["analyze", DTLSCaptures.directory + "aiortc-dtls-srtp.pcap", "--format", "table"],
                                         environment: ["COLUMNS": "80"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("DTLS ") })
        // tshark -V: ServerHello (frame 6, from 192.0.2.2:37659) with DTLS 1.2 (0xfefd), cipher suite
        // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b), SRTP_AEAD_AES_256_GCM (0x0008); the
        // ClientHello (frame 5) at .433247 s, the server's Finished (frame 8) at .436983 s: 3.7 ms.
        #expect(Array(lines[start..<(start + 4)]) == [
            "DTLS (1 flow; the 1 busiest, failed handshakes first)",
            "  FLOW                               VERSION   HANDSHAKE      HS ms",
            "  192.0.2.2:50741 → 192.0.2.2:37659  DTLS 1.2  complete         3.7",
            "      TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256; SRTP_AEAD_AES_256_GCM",
        ])
        // The section comes between STUN/TURN and Media, as the report's other per-protocol sections.
        let stun = try #require(lines.firstIndex { $0.hasPrefix("STUN/TURN ") })
        let media = try #require(lines.firstIndex { $0.hasPrefix("Media ") })
        #expect(stun < start && start < media)
    }

    @Test("a DTLS flow is the same with two threads as with one")
    func threads() throws {
        let path = DTLSCaptures.directory + "aiortc-dtls-srtp.pcap"
        let dtls = { (threads: Int) throws -> [Data] in
            try analyzeJSON([path]) { $0.threads = threads }.flows.compactMap { $0["dtls"] }
                .map { try JSONSerialization.data(withJSONObject: $0, options: .sortedKeys) }
        }
        let one = try dtls(1)
        #expect(one.count == 1)
        #expect(one == (try dtls(2)))
    }
}

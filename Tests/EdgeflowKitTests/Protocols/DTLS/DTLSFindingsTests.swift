import Foundation
import Testing
@testable import EdgeflowKit

/// DTLS findings on the recorded captures. Alerts are tshark's (Fixtures/NAME.dtls.tshark.txt);
/// validity dates are `openssl x509 -inform DER -noout -dates` on the certificates tshark
/// extracts (`-e dtls.handshake.certificate`).
@Suite("DTLS findings")
struct DTLSFindingsTests {
    /// dtls12-expired.pcap's server leaf: notAfter=Jan  1 00:00:00 2025 GMT (`date -d ... +%s`).
    static let expiredNotAfter: Int64 = 1_735_689_600 * 1_000_000_000
    /// aiortc-dtls-srtp.pcap's server leaf: notBefore=Dec  2 12:11:04 2026 GMT.
    static let aiortcNotBefore: Int64 = 1_796_213_464 * 1_000_000_000

    static func report(_ file: String) throws -> DTLSReport {
        let d = try DTLSCaptures.datagrams(DTLSCaptures.directory + file)
        return DTLSCaptures.report(DTLSCaptures.run(d), firstTimestamp: d[0].timestamp)
    }

    static func findings(_ r: DTLSReport) -> [DTLSFinding] {
        var out: [DTLSFinding] = []
        DTLSFinding.check(r) { out.append($0) }
        return out
    }

    @Test("completed handshakes with certificates in date give no finding")
    func clean() throws {
        for file in ["dtls10.pcap", "dtls12-srtp.pcap", "dtls12-fragmented.pcap", "aiortc-dtls-srtp.pcap"] {
            #expect(Self.findings(try Self.report(file)).isEmpty, "\(file)")
        }
    }

    @Test("dtls12-expired: the client's fatal certificate_expired alert fails the handshake; the server's leaf had expired")
    func expired() throws {
        let r = try Self.report("dtls12-expired.pcap")
        let t = TsharkDTLS("dtls-dtls12-expired")
        // tshark: one alert in clear, fatal (2) certificate_expired (45), from the client, the originator.
        let clientAlerts = t.clearAlerts(from: t.originator)
        #expect(clientAlerts.map(\.level) == [2] && clientAlerts.map(\.description) == [45])
        let leaf = try #require(t.chain(from: t.serverHello.sender).first)
        let f = Self.findings(r)
        try #require(f.count == 2)
        guard case .handshakeFailed(let alert?, let fromResponder?) = f[0] else {
            Issue.record("expected a failed handshake with an alert in clear, got \(f[0])")
            return
        }
        #expect(alert.level == 2 && alert.description == 45 && !fromResponder)
        // The ServerHello's sender is the responder: the certificate is not the originator's.
        #expect(f[1] == .certificateExpired(subject: leaf.subject, notAfter: Self.expiredNotAfter, fromOriginator: false))
        #expect(f.map(\.code) == [.dtlsHandshakeFailed, .dtlsCertificateExpired])
        #expect(f.map(\.severity) == [.error, .warning])
    }

    @Test("a certificate seen before its notBefore: aiortc's server leaf with the capture time moved a day back")
    func notYetValid() throws {
        var r = try Self.report("aiortc-dtls-srtp.pcap")
        let t = TsharkDTLS("dtls-aiortc-dtls-srtp")
        let leaf = try #require(t.chain(from: t.serverHello.sender).first)
        r.serverSeenAt = Self.aiortcNotBefore - 86_400 * 1_000_000_000
        // aiortc's server (the ServerHello's sender, port 37659) is the responder.
        #expect(Self.findings(r) == [.certificateNotYetValid(subject: leaf.subject, notBefore: Self.aiortcNotBefore, fromOriginator: false)])
        #expect(FindingCode.dtlsCertificateNotYetValid.severity() == .warning)
        r.serverSeenAt = Self.aiortcNotBefore
        #expect(Self.findings(r).isEmpty)
    }

    @Test("through analyze: with the responder named A/V Edge, an error naming the alert and its sender, and a warning with notAfter")
    func inTheReport() throws {
        let report = try analyzeJSON([DTLSCaptures.directory + "dtls12-expired.pcap"]) {
            $0.edges[.avEdge] = [Prefix("127.0.0.20")!]
        }
        let findings = report["findings"] as! [[String: Any]]
        let failed = try #require(findings.first { $0["code"] as? String == "dtls_handshake_failed" })
        #expect(failed["severity"] as? String == "error")
        // The endpoints as tshark shows them; the alert sender is the client, 127.0.0.10 (no role given).
        #expect(failed["message"] as? String == "DTLS handshake on media failed with alert certificate_expired from other host: "
            + "no SRTP keys were agreed, so no media can flow: 127.0.0.10:33627 → 127.0.0.20:4433")
        let expired = try #require(findings.first { $0["code"] as? String == "dtls_certificate_expired" })
        #expect(expired["severity"] as? String == "warning")
        #expect(expired["message"] as? String == "DTLS certificate CN=av.contoso.com,O=Contoso Ltd,C=US on media expired on 2025-01-01, "
            + "before the capture; peers that check its dates refuse it: renew it. Sent by A/V Edge 127.0.0.20:4433")
        #expect(findings.filter { ($0["code"] as! String).hasPrefix("dtls_") }.count == 2)
        // Without an Edge role the flow is no rule's business: the same findings, as information.
        let unrelated = try analyzeJSON([DTLSCaptures.directory + "dtls12-expired.pcap"])["findings"] as! [[String: Any]]
        let dtls = unrelated.filter { ($0["code"] as! String).hasPrefix("dtls_") }
        #expect(dtls.map { $0["code"] as! String } == ["dtls_handshake_failed", "dtls_certificate_expired"])
        #expect(dtls.allSatisfy { $0["severity"] as? String == "info" })
    }
}

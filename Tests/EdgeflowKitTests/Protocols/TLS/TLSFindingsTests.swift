import Testing
@testable import EdgeflowKit

/// The TLS findings of handshakes with known faults: an expired server certificate, a
/// handshake_failure alert (RFC 8446 §6.2, 40) from the server, TLS 1.0 negotiated, and an
/// Office 365 peer on 5061 without a certificate for sipfed.online.lync.com (Microsoft's
/// federation FQDN for SIP over mutual TLS).
@Suite("TLS findings")
struct TLSFindingsTests {
    static let capture = Office365Ranges.day("2026-03-02")! * 86_400 * 1_000_000_000

    static func certificate(_ subject: String, names: [String], notAfter: String = "2027-01-01") -> CertificateSummary {
        var c = CertificateSummary()
        c.subject = subject
        c.dnsNames = names
        c.notBefore = Office365Ranges.day("2024-01-01")! * 86_400 * 1_000_000_000
        c.notAfter = Office365Ranges.day(notAfter)! * 86_400 * 1_000_000_000
        c.hasValidity = true
        return c
    }

    static func handshake(server: CertificateSummary, version: UInt16 = 0x0303, alert: TLSAlert? = nil) -> AppReport.TLS {
        AppReport.TLS(version: TLSVersion(rawValue: version), cipher: nil, sni: nil, alpn: nil, certificateRequested: false,
                      clientCertificate: .absent, clientKeyExchangeSent: alert == nil, serverHelloSeen: true, origAlert: nil,
                      respAlert: alert, encryptedAlerts: 0, applicationDataRecords: 0, outcome: alert == nil ? .complete : .failed,
                      handshakeDuration: nil, server: [server], client: [], serverSeenAt: capture, clientSeenAt: capture, malformed: [])
    }

    /// Access Edge 203.0.113.10:50001 → Office 365 52.112.1.5:5061.
    static var ends: FlowEnds {
        let key = FlowKey(a: IPAddress("203.0.113.10")!, b: IPAddress("52.112.1.5")!, aPort: 50001, bPort: 5061, proto: 6, ipVersion: 4)
        return FlowEnds(FlowRecord(key: key, sequence: 0, originatorIsA: true, timestamp: 0),
                        Classification(origRole: .accessEdge, respRole: .office365, rule: nil, verdict: .allowed))
    }

    static func findings(_ t: AppReport.TLS) -> [TLSFinding] {
        var out: [TLSFinding] = []
        TLSFinding.check(t, ends, accessEdgeNames: []) { out.append($0) }
        return out
    }

    static let sipfed = certificate("CN=sipfed.online.lync.com", names: ["sipfed.online.lync.com", "*.online.lync.com"])

    /// Whether certificate `c` covers `name`, as the findings ask it.
    static func covers(_ c: CertificateSummary, _ name: String) -> Bool {
        TLSFinding.covers(dnsNames: c.dnsNames, commonName: c.commonName, name)
    }

    @Test("names a certificate covers: exact names and left-most wildcards (RFC 6125 §6.4.3), in any case; a wildcard covers one label")
    func covers() {
        let c = Self.certificate("CN=x", names: ["sip.Contoso.com", "*.online.LYNC.com", "Bücher.example"])
        #expect(Self.covers(c, "SIP.contoso.COM"))
        #expect(Self.covers(c, "sipfed.online.lync.com") && Self.covers(c, "A.Online.Lync.Com"))
        #expect(!Self.covers(c, "online.lync.com") && !Self.covers(c, "a.b.online.lync.com.x"))
        #expect(!Self.covers(c, "a.b.online.lync.com"))
        #expect(!Self.covers(c, "sip.contoso.co") && !Self.covers(c, "xsip.contoso.com"))
        // Not ASCII: compared lower-cased as Unicode text ("Ü" → "ü").
        #expect(Self.covers(c, "BÜCHER.example") && !Self.covers(c, "bucher.example"))
        // Without SAN names, the common name.
        var cn = CertificateSummary()
        cn.commonName = "*.Contoso.com"
        #expect(Self.covers(cn, "edge.contoso.com") && !Self.covers(cn, "contoso.com"))
        // Eight bytes and more, compared a word at a time: case in every position, a difference
        // in the last byte only, in the first word only, and names just under and over a word.
        let long = Self.certificate("CN=x", names: ["sipfed.online.lync.com", "*.Lync.Example", "ABCDEFG", "abcdefgh"])
        #expect(Self.covers(long, "SIPFED.ONLINE.LYNC.COM") && Self.covers(long, "sipFed.Online.lync.coM"))
        #expect(!Self.covers(long, "sipfed.online.lync.con") && !Self.covers(long, "sipfex.online.lync.com"))
        #expect(Self.covers(long, "abcdefg") && Self.covers(long, "ABCDEFGH") && !Self.covers(long, "abcdefgi"))
        #expect(Self.covers(long, "pool01.lync.example") && !Self.covers(long, "pool01.lync.exampl"))
        // `[`, `@`, backquote and braces are not letters: no case to fold.
        let signs = Self.certificate("CN=x", names: ["a@b[c]d`e{f}.example"])
        #expect(Self.covers(signs, "A@B[C]D`E{F}.EXAMPLE") && !Self.covers(signs, "a`b{c}d@e[f].example"))
    }

    @Test("Office 365's own certificate, valid, TLS 1.2: no finding")
    func healthy() {
        #expect(Self.findings(Self.handshake(server: Self.sipfed)).isEmpty)
    }

    @Test("a server certificate expired on 2025-06-30, before the capture: tls_certificate_expired, an error naming the server")
    func expired() {
        let f = Self.findings(Self.handshake(server: Self.certificate("CN=sipfed.online.lync.com", names: ["sipfed.online.lync.com"], notAfter: "2025-06-30")))
        #expect(f == [.certificateExpired(subject: "CN=sipfed.online.lync.com", notAfter: Office365Ranges.day("2025-06-30")! * 86_400 * 1_000_000_000, fromServer: true)])
        #expect(f.first?.code == .tlsCertificateExpired && f.first?.severity == .error)
        #expect(f.first?.message(Self.ends) == "certificate CN=sipfed.online.lync.com expired on 2025-06-30, before the capture; peers refuse it: renew it. Sent by")
        #expect(f.first?.subject(Self.ends) == "Office 365 52.112.1.5:5061")
    }

    @Test("a handshake_failure alert from the server: tls_handshake_failed, from the responder")
    func handshakeFailure() {
        let alert = TLSAlert(level: 2, description: 40, timestamp: Self.capture)
        let f = Self.findings(Self.handshake(server: Self.sipfed, alert: alert))
        #expect(f == [.handshakeFailed(alert: alert, fromResponder: true)] && f.first?.code == .tlsHandshakeFailed)
        #expect(f.first?.message(Self.ends) == "TLS handshake failed with alert handshake_failure from Office 365:")
    }

    @Test("TLS 1.0 negotiated: tls_old_version, a warning")
    func oldVersion() {
        let f = Self.findings(Self.handshake(server: Self.sipfed, version: 0x0301))
        #expect(f == [.oldVersion(TLSVersion(rawValue: 0x0301))] && f.first?.severity == .warning)
    }

    @Test("Office 365 on 5061 presenting a certificate for another name: tls_unexpected_partner with its subject")
    func unexpectedPartner() {
        let f = Self.findings(Self.handshake(server: Self.certificate("CN=sip.contoso.com", names: ["sip.contoso.com"])))
        #expect(f == [.unexpectedPartner(certificate: "CN=sip.contoso.com")] && f.first?.code == .tlsUnexpectedPartner)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// The report's `tls` field and TLS findings for the OpenSSL captures of Captures/tls/ (made by
/// Scripts/record_tls_captures.sh: `openssl s_server -Verify 1` and `openssl s_client` on lo,
/// issue #4), against what tshark 4.0.17 shows for the same files.
///
/// Every expected value below was read with one of these commands (F = Captures/tls/NAME.pcap):
///
/// - H: `tshark -r F -Y tls.handshake -T fields -e frame.number -e ip.src -e tls.handshake.type
///   -e tls.handshake.extensions_server_name -e tls.handshake.version
///   -e tls.handshake.extensions.supported_version -e tls.handshake.ciphersuite
///   -e tls.handshake.certificates_length`
/// - S: `tshark -r F -Y tls.handshake.type==2 -V | grep -E 'Cipher Suite:|Supported Version:'`
/// - C: `tshark -r F -Y tls.handshake.type==11 -V | grep -E 'serialNumber:|rdnSequence:|utcTime:|dNSName:'`
///   (per certificate: issuer, notBefore, notAfter, subject, SANs; a frame that also holds a
///   CertificateRequest ends with its CA name)
/// - A: `tshark -r F -Y tls.alert_message -T fields -e frame.number -e ip.src -e tls.alert_message.level
///   -e tls.alert_message.desc`
/// - T: `tshark -r F -Y tls -T fields -e frame.number -e frame.time_relative -e tls.record.content_type
///   -e tls.handshake.type`, and `-T fields -e frame.time -c 1` for the capture date (2026-11-22)
///
/// The Access Edge (sip.contoso.com) is 127.0.0.10 and the Office 365 stand-in
/// (sipfed.online.lync.com) 127.0.0.20; the tests give 127.0.0.10 the Access Edge role so that
/// the flows are judged (Edge table) and the TLS findings are made. tshark's subjects
/// (`id-at-commonName=…,id-at-organizationName=…,id-at-countryName=…`) and times
/// (`2025-01-01 00:00:00 (UTC)`) are turned into edgeflow's RFC 4514 and ISO 8601 forms by
/// `dn(_:)` and `utc(_:)`. If the captures are recorded again, names, serials and validity stay
/// the same; only `handshake_ms` (from T) has to be read again.
@Suite("OpenSSL mutual-TLS captures on 5061: tls fields and findings against tshark")
struct TLSCaptureReportTests {
    static let accessEdge = "127.0.0.10"
    static let office365 = "127.0.0.20"

    /// One certificate as the report shows it.
    struct Cert: Equatable, CustomStringConvertible {
        var subject: String
        var issuer: String
        var san: [String]
        var notBefore: String
        var notAfter: String
        var expiredAtCapture: Bool
        var notYetValid = false

        var description: String { "\(subject) [\(san.joined(separator: ","))] \(notBefore)–\(notAfter) expired=\(expiredAtCapture)" }
    }

    struct Alert: Equatable {
        var from: String
        var level: String
        var description: String
    }

    /// The one flow of a capture, its `tls` object and the findings of the report.
    struct Analysed {
        var flow: [String: Any]
        var tls: [String: Any]
        var findings: [[String: Any]]

        var uid: String { flow["uid"] as? String ?? "" }

        func chain(_ side: String) -> [Cert] {
            let certificates = tls["certificates"] as? [String: [[String: Any]]] ?? [:]
            return (certificates[side] ?? []).map {
                Cert(subject: $0["subject"] as? String ?? "", issuer: $0["issuer"] as? String ?? "",
                     san: $0["san"] as? [String] ?? [], notBefore: $0["not_before"] as? String ?? "",
                     notAfter: $0["not_after"] as? String ?? "", expiredAtCapture: $0["expired_at_capture"] as? Bool ?? false,
                     notYetValid: $0["not_yet_valid"] as? Bool ?? false)
            }
        }

        var alerts: [Alert] {
            (tls["alerts"] as? [[String: Any]] ?? []).map {
                Alert(from: $0["from"] as? String ?? "", level: $0["level"] as? String ?? "", description: $0["description"] as? String ?? "")
            }
        }

        /// Codes of the findings that name this flow.
        var findingCodes: Set<String> {
            Set(findings.filter { ($0["flows"] as? [String])?.contains(uid) == true }.compactMap { $0["code"] as? String })
        }

        func finding(_ code: String) -> [String: Any]? {
            findings.first { $0["code"] as? String == code && ($0["flows"] as? [String])?.contains(uid) == true }
        }
    }

    static func analyse(_ name: String) throws -> Analysed {
        let report = try analyzeJSON([repositoryRoot + "/Captures/tls/\(name).pcap"]) { options in
            options.edges[.accessEdge] = [Prefix(accessEdge)!]
        }
        try #require(report.flows.count == 1, "\(name).pcap holds one TCP connection")
        let flow = report.flows[0]
        let tls = try #require(flow["tls"] as? [String: Any], "\(name).pcap: no tls object")
        return Analysed(flow: flow, tls: tls, findings: report["findings"] as? [[String: Any]] ?? [])
    }

    /// tshark's `rdnSequence` text (`id-at-commonName=a,id-at-organizationName=b,id-at-countryName=US`)
    /// in RFC 4514 form (`CN=a,O=b,C=US`).
    static func dn(_ tshark: String) -> String {
        tshark.replacingOccurrences(of: "id-at-commonName=", with: "CN=")
            .replacingOccurrences(of: "id-at-organizationName=", with: "O=")
            .replacingOccurrences(of: "id-at-countryName=", with: "C=")
    }

    /// tshark's `utcTime` text (`2025-01-01 00:00:00 (UTC)`) as the report writes times.
    static func utc(_ tshark: String) -> String {
        let t = tshark.replacingOccurrences(of: " (UTC)", with: "")
        return t.replacingOccurrences(of: " ", with: "T") + ".000000Z"
    }

    // Certificates as tshark shows them (C); the same DER in every capture where they occur.
    static let rootDN = dn("id-at-commonName=Edgeflow Test Root CA,id-at-organizationName=Edgeflow Test PKI,id-at-countryName=US")
    /// serialNumber 0x1000: self-signed, 2020-01-01 00:00:00 – 2040-01-01 00:00:00, no SAN.
    static let root = Cert(subject: rootDN, issuer: rootDN, san: [],
                           notBefore: utc("2020-01-01 00:00:00 (UTC)"), notAfter: utc("2040-01-01 00:00:00 (UTC)"),
                           expiredAtCapture: false)
    /// serialNumber 0x1001.
    static let sipfed = Cert(subject: dn("id-at-commonName=sipfed.online.lync.com,id-at-organizationName=Edgeflow Test Cloud,id-at-countryName=US"),
                             issuer: rootDN, san: ["sipfed.online.lync.com", "*.online.lync.com"],
                             notBefore: utc("2025-01-01 00:00:00 (UTC)"), notAfter: utc("2035-12-31 23:59:59 (UTC)"),
                             expiredAtCapture: false)
    static let contosoDN = dn("id-at-commonName=sip.contoso.com,id-at-organizationName=Contoso Ltd,id-at-countryName=US")
    /// serialNumber 0x1002.
    static let contoso = Cert(subject: contosoDN, issuer: rootDN, san: ["sip.contoso.com"],
                              notBefore: utc("2025-01-01 00:00:00 (UTC)"), notAfter: utc("2035-12-31 23:59:59 (UTC)"),
                              expiredAtCapture: false)
    /// serialNumber 0x1003: expired on 2025-01-01, captured on 2026-11-22.
    static let contosoExpiredClient = Cert(subject: contosoDN, issuer: rootDN, san: ["sip.contoso.com"],
                                           notBefore: utc("2024-01-01 00:00:00 (UTC)"), notAfter: utc("2025-01-01 00:00:00 (UTC)"),
                                           expiredAtCapture: true)
    /// serialNumber 0x1004: expired on 2025-03-01, captured on 2026-11-22.
    static let contosoExpiredServer = Cert(subject: contosoDN, issuer: rootDN, san: ["sip.contoso.com"],
                                           notBefore: utc("2024-03-01 00:00:00 (UTC)"), notAfter: utc("2025-03-01 00:00:00 (UTC)"),
                                           expiredAtCapture: true)

    @Test("the helpers read tshark's text as edgeflow writes it")
    func helpers() {
        #expect(Self.dn("id-at-commonName=a.b,id-at-organizationName=O x,id-at-countryName=US") == "CN=a.b,O=O x,C=US")
        #expect(Self.utc("2035-12-31 23:59:59 (UTC)") == "2035-12-31T23:59:59.000000Z")
    }

    @Test("mtls-out: Access Edge → sipfed.online.lync.com, TLS 1.2, both chains, complete")
    func mtlsOut() throws {
        let a = try Self.analyse("mtls-out")
        #expect(a.flow["orig_h"] as? String == Self.accessEdge && a.flow["resp_h"] as? String == Self.office365)
        #expect(a.flow["resp_p"] as? Int == 5061 && a.flow["service"] as? String == "sip-tls")
        #expect(a.flow["rule"] as? String == "edge-access-sip-mtls-out" && a.flow["verdict"] as? String == "allowed")
        // H: frame 4 127.0.0.10 ClientHello (1), SNI sipfed.online.lync.com, version 0x0303, no
        // supported_versions; frame 6 127.0.0.20 2,11,12,13,14 with ServerHello version 0x0303,
        // ciphersuite 0xc030; frame 8 127.0.0.10 11,16,15 (Certificate, ClientKeyExchange,
        // CertificateVerify); frame 9 127.0.0.20 NewSessionTicket (4).
        // S: Cipher Suite: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030)
        #expect(a.tls["version"] as? String == "TLS 1.2")
        #expect(a.tls["cipher"] as? String == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
        #expect(a.tls["sni"] as? String == "sipfed.online.lync.com")
        #expect(a.tls["alpn"] is NSNull)
        #expect(a.tls["client_cert_requested"] as? Bool == true)
        #expect(a.tls["client_cert"] as? String == "present")
        // C: frame 6 (server): 0x1001 sipfed.online.lync.com, then 0x1000 the root;
        //    frame 8 (client): 0x1002 sip.contoso.com, then 0x1000 the root.
        #expect(a.chain("server") == [Self.sipfed, Self.root])
        #expect(a.chain("client") == [Self.contoso, Self.root])
        // A: no alert in clear (frames 11 and 13 are the encrypted close_notify after the SIP line).
        #expect(a.alerts == [])
        #expect(a.tls["handshake"] as? String == "complete")
        // T: ClientHello at 0.000295 s (frame 4), the server's CCS + Finished at 0.004086 s (frame 9).
        #expect(abs((a.tls["handshake_ms"] as? Double ?? -1) - 3.791) < 0.0005)
        #expect(a.findingCodes == [])
    }

    @Test("mtls-in: sipfed.online.lync.com → Access Edge, TLS 1.2, both chains, complete")
    func mtlsIn() throws {
        let a = try Self.analyse("mtls-in")
        #expect(a.flow["orig_h"] as? String == Self.office365 && a.flow["resp_h"] as? String == Self.accessEdge)
        #expect(a.flow["rule"] as? String == "edge-access-sip-mtls-in" && a.flow["verdict"] as? String == "allowed")
        // H: frame 4 127.0.0.20 ClientHello, SNI sip.contoso.com, 0x0303; frame 6 127.0.0.10
        // 2,11,12,13,14, ServerHello 0x0303, ciphersuite 0xc030; frame 8 127.0.0.20 11,16,15.
        // S: Cipher Suite: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030)
        #expect(a.tls["version"] as? String == "TLS 1.2")
        #expect(a.tls["cipher"] as? String == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
        #expect(a.tls["sni"] as? String == "sip.contoso.com")
        #expect(a.tls["client_cert_requested"] as? Bool == true)
        #expect(a.tls["client_cert"] as? String == "present")
        // C: frame 6 (server): 0x1002 sip.contoso.com, 0x1000; frame 8 (client): 0x1001 sipfed, 0x1000.
        #expect(a.chain("server") == [Self.contoso, Self.root])
        #expect(a.chain("client") == [Self.sipfed, Self.root])
        // A: nothing in clear.
        #expect(a.alerts == [])
        #expect(a.tls["handshake"] as? String == "complete")
        // T: ClientHello at 0.003775 s (frame 4), server CCS + Finished at 0.016735 s (frame 9).
        #expect(abs((a.tls["handshake_ms"] as? Double ?? -1) - 12.960) < 0.0005)
        #expect(a.findingCodes == [])
    }

    @Test("expired-client: the server refuses the Access Edge's expired certificate with certificate_expired")
    func expiredClient() throws {
        let a = try Self.analyse("expired-client")
        #expect(a.flow["orig_h"] as? String == Self.accessEdge && a.flow["rule"] as? String == "edge-access-sip-mtls-out")
        // H: frame 4 ClientHello SNI sipfed.online.lync.com 0x0303; frame 6 ServerHello 0x0303,
        // 0xc030, with CertificateRequest (13); frame 8 127.0.0.10 11,16,15.
        #expect(a.tls["version"] as? String == "TLS 1.2")
        #expect(a.tls["cipher"] as? String == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
        #expect(a.tls["sni"] as? String == "sipfed.online.lync.com")
        #expect(a.tls["client_cert_requested"] as? Bool == true)
        #expect(a.tls["client_cert"] as? String == "present")
        // C: frame 6: 0x1001 sipfed, 0x1000; frame 8: 0x1003 sip.contoso.com, utcTime
        // 2024-01-01 00:00:00 – 2025-01-01 00:00:00, then 0x1000.
        #expect(a.chain("server") == [Self.sipfed, Self.root])
        #expect(a.chain("client") == [Self.contosoExpiredClient, Self.root])
        // A: frame 9 127.0.0.20 (the responder) level 2 (Fatal), desc 45 (Certificate Expired).
        #expect(a.alerts == [Alert(from: "resp", level: "fatal", description: "certificate_expired")])
        #expect(a.tls["encrypted_alerts"] as? Int == 0)
        #expect(a.tls["handshake"] as? String == "failed")
        #expect(a.tls["handshake_ms"] is NSNull)
        #expect(a.findingCodes == ["tls_certificate_expired", "tls_handshake_failed"])
        let expired = try #require(a.finding("tls_certificate_expired"))
        #expect((expired["message"] as? String)?.contains("\(Self.contosoDN) expired on 2025-01-01") == true)
        #expect((expired["message"] as? String)?.contains("Access Edge \(Self.accessEdge)") == true)
        let failed = try #require(a.finding("tls_handshake_failed"))
        #expect((failed["message"] as? String)?.contains("with alert certificate_expired") == true)
    }

    @Test("expired-server: the verifying client refuses the Access Edge's expired server certificate")
    func expiredServer() throws {
        let a = try Self.analyse("expired-server")
        #expect(a.flow["orig_h"] as? String == Self.office365 && a.flow["resp_h"] as? String == Self.accessEdge)
        #expect(a.flow["rule"] as? String == "edge-access-sip-mtls-in")
        // H: frame 4 127.0.0.20 ClientHello SNI sip.contoso.com 0x0303; frame 6 127.0.0.10
        // 2,11,12,13,14, 0x0303, 0xc030. No handshake message from the client after that.
        #expect(a.tls["version"] as? String == "TLS 1.2")
        #expect(a.tls["cipher"] as? String == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
        #expect(a.tls["sni"] as? String == "sip.contoso.com")
        #expect(a.tls["client_cert_requested"] as? Bool == true)
        // The client stopped before its Certificate message: none in clear, none empty.
        #expect(a.tls["client_cert"] as? String == "absent")
        // C: frame 6: 0x1004 sip.contoso.com, utcTime 2024-03-01 00:00:00 – 2025-03-01 00:00:00, then 0x1000.
        #expect(a.chain("server") == [Self.contosoExpiredServer, Self.root])
        #expect(a.chain("client") == [])
        // A: frame 8 127.0.0.20 (the originator, the client) level 2, desc 45.
        #expect(a.alerts == [Alert(from: "orig", level: "fatal", description: "certificate_expired")])
        #expect(a.tls["encrypted_alerts"] as? Int == 0)
        #expect(a.tls["handshake"] as? String == "failed")
        let expired = try #require(a.finding("tls_certificate_expired"))
        #expect((expired["message"] as? String)?.contains("\(Self.contosoDN) expired on 2025-03-01") == true)
        #expect((expired["message"] as? String)?.contains("Access Edge \(Self.accessEdge):5061") == true)
        let failed = try #require(a.finding("tls_handshake_failed"))
        #expect((failed["message"] as? String)?.contains("with alert certificate_expired") == true)
        // The client had a certificate; it refused the server's before it could send it, so
        // "the client sent none" (tls_client_certificate_missing) is not what happened.
        #expect(a.findingCodes == ["tls_certificate_expired", "tls_handshake_failed"])
    }

    @Test("no-client-cert: the server requires a certificate, the client sends an empty one, handshake_failure")
    func noClientCertificate() throws {
        let a = try Self.analyse("no-client-cert")
        #expect(a.flow["orig_h"] as? String == Self.accessEdge && a.flow["rule"] as? String == "edge-access-sip-mtls-out")
        // H: frame 4 ClientHello SNI sipfed.online.lync.com 0x0303; frame 6 2,11,12,13,14, 0x0303,
        // 0xc030; frame 8 127.0.0.10 11,16 with certificates_length 0 (an empty Certificate, no
        // CertificateVerify).
        #expect(a.tls["version"] as? String == "TLS 1.2")
        #expect(a.tls["cipher"] as? String == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
        #expect(a.tls["sni"] as? String == "sipfed.online.lync.com")
        #expect(a.tls["client_cert_requested"] as? Bool == true)
        #expect(a.tls["client_cert"] as? String == "empty")
        // C: frame 6: 0x1001 sipfed, 0x1000; frame 8: no certificate.
        #expect(a.chain("server") == [Self.sipfed, Self.root])
        #expect(a.chain("client") == [])
        // A: frame 9 127.0.0.20 (the responder) level 2 (Fatal), desc 40 (Handshake Failure).
        #expect(a.alerts == [Alert(from: "resp", level: "fatal", description: "handshake_failure")])
        #expect(a.tls["encrypted_alerts"] as? Int == 0)
        #expect(a.tls["handshake"] as? String == "failed")
        #expect(a.findingCodes == ["tls_client_certificate_missing", "tls_handshake_failed"])
        let failed = try #require(a.finding("tls_handshake_failed"))
        #expect((failed["message"] as? String)?.contains("with alert handshake_failure") == true)
        let missing = try #require(a.finding("tls_client_certificate_missing"))
        #expect((missing["message"] as? String)?.contains("Access Edge \(Self.accessEdge) → ") == true)
    }

    @Test("tls13: TLS 1.3 by default, certificates and CertificateRequest encrypted")
    func tls13() throws {
        let a = try Self.analyse("tls13")
        #expect(a.flow["orig_h"] as? String == Self.accessEdge && a.flow["rule"] as? String == "edge-access-sip-mtls-out")
        // H: frame 4 ClientHello SNI sipfed.online.lync.com, version 0x0303, supported_versions
        // 0x0304,0x0303,0x0302,0x0301; frame 6 ServerHello only (2), version 0x0303,
        // supported_version 0x0304, ciphersuite 0x1302. No type 11 or 13 in clear (C shows nothing).
        // S: Cipher Suite: TLS_AES_256_GCM_SHA384 (0x1302), Supported Version: TLS 1.3 (0x0304)
        #expect(a.tls["version"] as? String == "TLS 1.3")
        #expect(a.tls["cipher"] as? String == "TLS_AES_256_GCM_SHA384")
        #expect(a.tls["sni"] as? String == "sipfed.online.lync.com")
        #expect(a.tls["client_cert_requested"] as? Bool == false)
        #expect(a.tls["client_cert"] as? String == "encrypted")
        #expect(a.chain("server") == [] && a.chain("client") == [])
        // A: nothing.
        #expect(a.alerts == [])
        #expect(a.tls["handshake"] as? String == "complete")
        // T: ClientHello at 0.000274 s (frame 4); the client's CCS and first encrypted records
        // (its Certificate, CertificateVerify, Finished) at 0.005564 s (frame 8).
        #expect(abs((a.tls["handshake_ms"] as? Double ?? -1) - 5.290) < 0.0005)
        #expect(a.findingCodes == [])
    }

    /// directory-strings.pcap (Scripts/record_directory_string_capture.sh): the server chain's
    /// names are TeletexString (leaf), BMPString (intermediate) and UniversalString (root).
    /// tshark decodes them (`x509sat.teletexString` / `bmpString` / `universalString`, read
    /// here) and the report must show the same text, not `ASN1Any([…])`. One exception, by
    /// design: the leaf's L is the T61String byte 0xFC, which OpenSSL wrote for "ü" and reads back
    /// as "ü" (`openssl x509 -subject -nameopt utf8`: `L=Zürich`), i.e. Latin-1, as certificates
    /// use it; tshark 4.0 applies the T.61 code table and shows "Zþrich".
    @Test func directoryStringNames() throws {
        let path = repositoryRoot + "/Captures/tls/directory-strings.pcap"
        let fields = try tsharkFields(path, ["-Y", "tls.handshake.type==11", "-E", "occurrence=a", "-e", "x509sat.teletexString",
                                             "-e", "x509sat.bmpString", "-e", "x509sat.universalString"])
        try #require(fields.count == 1 && fields[0].count == 3)
        // One entry per occurrence, subject and issuer of each certificate: leaf L, CN; intermediate
        // issuer O, CN then subject O, CN; root issuer and subject (×2, the intermediate's issuer too).
        #expect(fields[0][0] == "Zþrich,*.t61.example.test")
        let bmp = fields[0][1].split(separator: ",").map(String.init)
        let universal = fields[0][2].split(separator: ",").map(String.init)
        #expect(bmp == ["BMP Intermediate Ωmega", "BMP Größe CA", "BMP Intermediate Ωmega", "BMP Größe CA"])
        #expect(Set(universal) == ["Universal Root ünïcode 𝄞", "Root 𝄞 CA"])
        let a = try Self.analyse("directory-strings")
        let server = a.chain("server")
        let leaf = "CN=*.t61.example.test,O=T61 Test,L=Zürich,C=CH"
        let intermediate = "CN=\(bmp[1]),O=\(bmp[0]),C=DE"
        let root = "CN=Root 𝄞 CA,O=Universal Root ünïcode 𝄞,C=DE"
        #expect(server.map(\.subject) == [leaf, intermediate, root])
        #expect(server.map(\.issuer) == [intermediate, root, root])
        #expect(server.first?.san == ["*.t61.example.test"])
        #expect(a.tls["sni"] as? String == "www.t61.example.test")  // tls.handshake.extensions_server_name
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// "2023-01-04 16:14:07" (UTC, as tshark prints x509af times) in ns since the epoch.
private func utc(_ s: String) -> Int64 {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
    f.timeZone = TimeZone(identifier: "UTC")
    return Int64(f.date(from: s)!.timeIntervalSince1970) * 1_000_000_000
}

private func summaries(_ list: TLSCertificateList?) -> [CertificateSummary] {
    list.map { CertificateSummary.chain($0) } ?? []
}

/// Expected values below are what tshark 4.0 prints for these captures:
/// `-T fields -e tls.handshake.extensions_server_name -e tls.handshake.ciphersuite
/// -e tls.handshake.cipher_suites_length -e tls.handshake.extensions.supported_version
/// -e tls.handshake.extensions_alpn_str -e tls.handshake.certificate_length
/// -e x509sat.* -e x509ce.dNSName -e x509af.utcTime -e x509af.serialNumber
/// -e tls.alert_message.level -e tls.alert_message.desc -e frame.time_epoch`.
@Suite("TLS on captures")
struct TLSCaptureTests {
    @Test func zeekClientCertificate() {
        let s = runTLS(Fixtures.segments("zeek-client-certificate"))
        let ch = s.clientHello
        #expect(ch?.serverName == "certauth.idrix.fr")
        #expect(ch?.alpnFirst == "h2")
        #expect(ch?.cipherSuiteCount == 17)  // cipher_suites_length 34
        #expect(ch?.legacyVersion == .tls12)
        #expect(ch?.highestSupportedVersion == .tls13)  // supported_version 0x0304,0x0303
        #expect(s.negotiatedVersion == .tls12)
        #expect(s.serverHello?.cipherSuite == 0xC030)
        #expect(s.serverHello?.cipherSuiteName == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
        #expect(s.serverHello?.alpn == "http/1.1")
        #expect(s.certificateRequested)
        #expect(s.certificateRequestCANames == 0)  // dnames_len 0
        #expect(s.clientCertificate == .present)
        #expect(s.serverCertificates?.ranges.map(\.count) == [1323, 1306, 1380])
        #expect(s.clientCertificates?.ranges.map(\.count) == [1512, 1905])
        let server = summaries(s.serverCertificates)
        #expect(server.map(\.commonName) == ["certauth.idrix.fr", "R3", "ISRG Root X1"])
        #expect(server[0].subject == "CN=certauth.idrix.fr")
        #expect(server[0].issuer == "CN=R3,O=Let's Encrypt,C=US")
        #expect(server[0].dnsNames == ["certauth.idrix.fr"])
        #expect(server[0].notBefore == utc("2023-01-04 16:14:07"))
        #expect(server[0].notAfter == utc("2023-04-04 16:14:06"))
        #expect(server[0].serialNumber == "045a905e1ea86942ac3857b481d6de9a85cb")
        #expect(server[1].notBefore == utc("2020-09-04 00:00:00"))
        #expect(server[1].notAfter == utc("2025-09-15 16:00:00"))
        #expect(server[2].issuer == "CN=DST Root CA X3,O=Digital Signature Trust Co.")
        let client = summaries(s.clientCertificates)
        #expect(client.map(\.commonName) == ["johanna@corelight.com", "Actalis Client Authentication CA G3"])
        #expect(client[1].subject == "CN=Actalis Client Authentication CA G3,O=Actalis S.p.A.,L=Ponte San Pietro,ST=Bergamo,C=IT")
        #expect(client[0].notBefore == utc("2023-02-28 15:59:27"))
        #expect(client[0].notAfter == utc("2024-02-28 15:59:27"))
        #expect(client.allSatisfy { $0.parseError == nil && $0.sha256.count == 64 })
        // Frames 11 (11,12,13,14) and 21 (4, then CCS and Finished) from the server.
        #expect(s.resp.handshakeTypes.types == [2, 4, 11, 12, 13, 14])
        #expect(s.orig.handshakeTypes.types == [1, 11, 15, 16])
        #expect(s.orig.changeCipherSpecRecords == 1 && s.resp.changeCipherSpecRecords == 1)
        #expect(s.outcome == .complete)
        #expect(s.firstAlert == nil)
        // tshark frame.time_epoch: ClientHello frame 4, server Finished frame 21.
        #expect(s.clientHelloTimestamp == 1_677_601_192_639_630_000)
        #expect(s.handshakeDuration == 5_041_571_000)  // frame 21 (.681201) - frame 4 (.639630)
    }

    @Test func zeekHandshakeFailureAlert40() {
        let s = runTLS(Fixtures.segments("zeek-tls12-handshake-failure"))
        #expect(s.clientHello?.cipherSuiteCount == 9)  // cipher_suites_length 18
        #expect(s.clientHello?.legacyVersion == .tls12)
        #expect(s.clientHello?.serverName == nil)
        #expect(s.serverHello == nil)
        let alert = s.resp.firstAlert
        #expect(alert?.level == 2)
        #expect(alert?.description == 40)
        #expect(alert?.name == "handshake_failure")
        #expect(alert?.levelName == "fatal")
        #expect(s.outcome == .failed)
        #expect(s.handshakeDuration == nil)
    }

    @Test func pcapplusplusTLS10WithUnparsableCertificate() {
        let s = runTLS(Fixtures.segments("pcapplusplus-tls-0"))
        #expect(s.clientHello?.serverName == "bawmashbij")
        #expect(s.clientHello?.cipherSuiteCount == 36)  // 72 bytes
        #expect(s.negotiatedVersion == .tls10)
        #expect(s.serverHello?.cipherSuiteName == "TLS_RSA_WITH_RC4_128_SHA")
        #expect(s.serverCertificates?.ranges.map(\.count) == [748])
        let leaf = summaries(s.serverCertificates)[0]
        // swift-certificates rejects this 2012 certificate; the DER walk still reads it.
        #expect(leaf.parseError != nil)
        #expect(leaf.fromFallback)
        #expect(leaf.commonName == "BAWMASHBIJ.corp.smsc.com")
        #expect(leaf.notBefore == utc("2012-10-21 05:05:48"))
        #expect(leaf.notAfter == utc("2012-11-20 05:05:48"))
        #expect(leaf.serialNumber == "00a7e8513ac51a9921")
        #expect(leaf.expiredAtCapture(s.clientHelloTimestamp!) == false)
        // Frame 5: an alert record tshark cannot read (encrypted), after the handshake.
        #expect(s.orig.encryptedAlerts == 1)
        #expect(s.outcome == .complete)
    }

    @Test func pcapplusplusGoogleChain() {
        let s = runTLS(Fixtures.segments("pcapplusplus-tls-1"))
        #expect(s.clientHello?.serverName == "ssl.gstatic.com")
        #expect(s.clientHello?.alpnFirst == "spdy/3.1")
        #expect(s.clientHello?.cipherSuiteCount == 16)
        #expect(s.negotiatedVersion == .tls12)
        #expect(s.serverHello?.cipherSuite == 0xC02B)
        #expect(s.serverHello?.alpn == "spdy/3.1")
        #expect(s.serverCertificates?.ranges.map(\.count) == [1737, 1012, 897])
        let chain = summaries(s.serverCertificates)
        #expect(chain.map(\.commonName) == ["*.google.com", "Google Internet Authority G2", "GeoTrust Global CA"])
        #expect(chain[0].subject == "CN=*.google.com,O=Google Inc,L=Mountain View,ST=California,C=US")
        #expect(chain[0].dnsNames.count == 50)
        #expect(chain[0].dnsNames.first == "*.google.com")
        #expect(chain[0].dnsNames.last == "youtubeeducation.com")
        #expect(chain[0].notBefore == utc("2014-12-10 11:33:37"))
        #expect(chain[0].notAfter == utc("2015-03-10 00:00:00"))
        #expect(chain[2].issuer == "OU=Equifax Secure Certificate Authority,O=Equifax,C=US")
        #expect(chain[2].notAfter == utc("2018-08-21 04:00:00"))
        #expect(!s.certificateRequested)
        #expect(s.clientCertificate == .absent)
    }

    @Test func pcapplusplusTLS13() {
        let s = runTLS(Fixtures.segments("pcapplusplus-tls-2"))
        #expect(s.clientHello?.serverName == "www.gstatic.com")
        #expect(s.clientHello?.alpnFirst == "h2")
        #expect(s.clientHello?.cipherSuiteCount == 18)
        #expect(s.clientHello?.offersTLS13Suites == true)
        #expect(s.serverHello?.legacyVersion == .tls12)
        #expect(s.serverHello?.selectedVersion == .tls13)
        #expect(s.negotiatedVersion == .tls13)
        #expect(s.serverHello?.cipherSuiteName == "TLS_AES_128_GCM_SHA256")
        #expect(s.certificatesEncrypted)
        #expect(s.serverCertificates == nil)
        #expect(s.clientCertificate == .encrypted)
        #expect(s.resp.changeCipherSpecRecords == 1)  // frame 31 (22,20)
        #expect(s.outcome == .complete)
    }

    @Test func suricataIncompleteDERHeader() {
        let s = runTLS(Fixtures.segments("suricata-der-incomplete"))
        #expect(s.clientHello?.cipherSuiteCount == 68)  // 136 bytes
        #expect(s.negotiatedVersion == .tls12)
        #expect(s.serverHello?.cipherSuite == 0xC014)
        #expect(s.serverCertificates?.ranges.map(\.count) == [9])  // certificate_length 9
        let c = summaries(s.serverCertificates)[0]
        #expect(c.parseError != nil)
        #expect(!c.fromFallback)
        #expect(c.hasValidity == false)
        #expect(c.expiredAtCapture(0) == false)
        #expect(c.derLength == 9)
        #expect(s.outcome == .incomplete)
    }

    @Test func edgeMutualTLSOutbound() {
        let s = runTLS(Fixtures.segments("edge-flow5-mtls-out"))
        #expect(s.clientHello?.serverName == "sipfed.online.lync.com")
        #expect(s.clientHello?.cipherSuiteCount == 20)
        #expect(s.negotiatedVersion == .tls12)
        #expect(s.serverHello?.cipherSuiteName == "TLS_RSA_WITH_AES_256_GCM_SHA384")
        #expect(s.certificateRequested)
        #expect(s.certificateRequestCANames == 2)
        #expect(s.clientCertificate == .present)
        // Frame 16: certificate_length 782,496,457; frame 20: 743,498.
        #expect(s.serverCertificates?.ranges.map(\.count) == [782, 496, 457])
        #expect(s.clientCertificates?.ranges.map(\.count) == [743, 498])
        let server = summaries(s.serverCertificates)
        #expect(server.map(\.subject) == [
            "CN=sipfed.online.lync.com,O=Edgeflow Test Cloud,C=US",
            "CN=Edgeflow Test Cloud CA 01,O=Edgeflow Test PKI,C=US",
            "CN=Edgeflow Test Root CA,O=Edgeflow Test PKI,C=US",
        ])
        #expect(server[0].dnsNames == ["sipfed.online.lync.com", "*.online.lync.com"])
        #expect(server[0].notBefore == utc("2025-11-01 00:00:00"))
        #expect(server[0].notAfter == utc("2026-10-31 23:59:59"))
        #expect(server.map(\.serialNumber) == ["1003", "1001", "1000"])
        let client = summaries(s.clientCertificates)
        #expect(client[0].subject == "CN=sip.contoso.com,O=Contoso Ltd,C=US")
        #expect(client[0].issuer == "CN=Edgeflow Test Public CA 02,O=Edgeflow Test PKI,C=US")
        #expect(client[0].dnsNames == ["sip.contoso.com"])
        #expect(client[0].notBefore == utc("2026-01-15 00:00:00"))
        #expect(client[0].notAfter == utc("2027-01-15 23:59:59"))
        let at = s.clientHelloTimestamp!
        #expect(!(server + client).contains { $0.expiredAtCapture(at) || $0.notYetValid(at) })
        #expect(s.outcome == .complete)
        // frame.time_epoch: ClientHello frame 13 at .220695, server Finished frame 22 at .266690.
        #expect(s.clientHelloTimestamp == 1_772_442_000_220_695_000)
        #expect(s.handshakeDuration == 45_995_000)
        #expect(s.orig.applicationDataRecords == 2)  // then the direction stops asking
        #expect(!s.wantsBytes(.orig))
    }

    @Test func edgeMutualTLSInbound() {
        let s = runTLS(Fixtures.segments("edge-flow8-mtls-in"))
        #expect(s.clientHello?.serverName == "sip.contoso.com")
        #expect(s.certificateRequestCANames == 4)
        #expect(summaries(s.serverCertificates).map(\.commonName) == ["sip.contoso.com", "Edgeflow Test Public CA 02"])
        #expect(summaries(s.clientCertificates).map(\.commonName) == ["sipfed.online.lync.com", "Edgeflow Test Cloud CA 01"])
        #expect(s.clientCertificate == .present)
        #expect(s.outcome == .complete)
    }

    @Test func edgeTLS13WebConferencing() {
        let s = runTLS(Fixtures.segments("edge-flow17-tls13"))
        #expect(s.clientHello?.serverName == "webcon.contoso.com")
        #expect(s.clientHello?.cipherSuiteCount == 9)
        #expect(s.negotiatedVersion == .tls13)
        #expect(s.serverHello?.cipherSuite == 0x1302)
        #expect(s.serverHello?.cipherSuiteName == "TLS_AES_256_GCM_SHA384")
        #expect(s.certificatesEncrypted)
        #expect(s.resp.changeCipherSpecRecords == 1 && s.orig.changeCipherSpecRecords == 1)
        #expect(s.resp.encryptedHandshakeRecords > 0)
        #expect(s.outcome == .complete)
    }

    @Test func edgeExpiredClientCertificateAlert45() {
        let s = runTLS(Fixtures.segments("edge-flow18-expired"))
        #expect(s.clientHello?.serverName == "sipfed.online.lync.com")
        #expect(s.certificateRequested)
        #expect(s.clientCertificates?.ranges.map(\.count) == [744, 498])
        let leaf = summaries(s.clientCertificates)[0]
        #expect(leaf.commonName == "sip.contoso.com")
        #expect(leaf.serialNumber == "1005")
        #expect(leaf.notBefore == utc("2025-02-15 00:00:00"))
        #expect(leaf.notAfter == utc("2026-02-14 23:59:59"))
        #expect(leaf.expiredAtCapture(s.clientHelloTimestamp!))
        #expect(!leaf.notYetValid(s.clientHelloTimestamp!))
        #expect(s.resp.firstAlert?.description == 45)
        #expect(s.resp.firstAlert?.name == "certificate_expired")
        #expect(s.resp.firstAlert?.isFatal == true)
        #expect(s.orig.finishedTimestamp != nil)
        #expect(s.resp.finishedTimestamp == nil)
        #expect(s.outcome == .failed)
    }

    @Test func msTurnPseudoTLSThenFraming() {
        let s = runTLS(Fixtures.segments("edge-flow11-msturn-tcp"))
        #expect(s.clientHello?.legacyVersion == .tls10)
        #expect(s.clientHello?.cipherSuiteCount == 1)
        #expect(s.serverHello?.cipherSuite == 0x0018)
        #expect(s.resp.handshakeTypes.types == [2, 14])
        #expect(s.orig.malformation == .badRecordHeader)
        #expect(s.resp.malformation == .badRecordHeader)
        #expect(!s.wantsBytes(.orig) && !s.wantsBytes(.resp))
    }

    static let all = [
        "zeek-client-certificate", "zeek-tls12-handshake-failure", "pcapplusplus-tls-0", "pcapplusplus-tls-1",
        "pcapplusplus-tls-2", "suricata-der-incomplete", "edge-flow5-mtls-out", "edge-flow8-mtls-in",
        "edge-flow11-msturn-tcp", "edge-flow17-tls13", "edge-flow18-expired",
    ]

    @Test(arguments: all)
    func independentOfSegmentation(fixture: String) {
        let segments = Fixtures.segments(fixture)
        let base = snapshot(runTLS(segments))
        for seed in UInt64(1)...6 {
            let shift = (UInt32(truncatingIfNeeded: seed &* 0x9E37_79B9), UInt32(0) &- UInt32(seed * 500))
            let cut = resegment(segments, seed: seed, isnShift: shift)
            #expect(snapshot(runTLS(cut)) == base, "seed \(seed)")
        }
    }

    @Test(arguments: all)
    func handshakeMessagesSpanningRecords(fixture: String) {
        let segments = Fixtures.segments(fixture)
        let base = runTLS(segments)
        for size in [1, 7, 100] {
            let s = runTLS(reframed(segments, handshakeRecordSize: size))
            #expect(s.clientHello == base.clientHello)
            #expect(s.serverHello == base.serverHello)
            #expect(s.serverCertificates?.bytes == base.serverCertificates?.bytes)
            #expect(s.clientCertificates?.bytes == base.clientCertificates?.bytes)
            #expect(s.certificateRequested == base.certificateRequested)
            #expect(s.outcome == base.outcome)
            #expect(s.orig.handshakeTypes == base.orig.handshakeTypes)
            #expect(s.resp.handshakeTypes == base.resp.handshakeTypes)
        }
    }
}

/// Rewrites each direction so that every plaintext handshake record carries at most `size`
/// bytes of handshake data (what a TLS stack may legally do), keeping other records as they
/// are. Each segment's bytes are replaced by the re-framed bytes of the records it completed.
private func reframed(_ segments: [Fixtures.Segment], handshakeRecordSize size: Int) -> [Fixtures.Segment] {
    var pending: [StreamDirection: [UInt8]] = [.orig: [], .resp: []]
    var nextSeq: [StreamDirection: UInt32] = [:]
    var sawCCS: [StreamDirection: Bool] = [.orig: false, .resp: false]
    var out: [Fixtures.Segment] = []
    for seg in segments {
        let d = seg.direction
        if seg.syn { nextSeq[d] = seg.seq &+ 1; out.append(seg); continue }
        if seg.payload.isEmpty { continue }
        if nextSeq[d] == nil { nextSeq[d] = seg.seq }
        pending[d]! += seg.payload
        var bytes = pending[d]!
        var produced: [UInt8] = []
        while bytes.count >= 5 {
            let type = bytes[0]
            let len = Int(bytes[3]) << 8 | Int(bytes[4])
            guard type >= 20 && type <= 24 && bytes[1] == 3 else { produced += bytes; bytes = []; break }
            guard bytes.count >= 5 + len else { break }
            let body = Array(bytes[5..<(5 + len)])
            if type == 20 { sawCCS[d] = true }
            if type == 22 && !sawCCS[d]! {
                var i = 0
                while i < body.count {
                    let n = min(size, body.count - i)
                    produced += [22, bytes[1], bytes[2], UInt8(n >> 8), UInt8(n & 0xFF)] + body[i..<(i + n)]
                    i += n
                }
            } else {
                produced += bytes[0..<(5 + len)]
            }
            bytes.removeFirst(5 + len)
        }
        pending[d] = bytes
        if !produced.isEmpty {
            out.append(Fixtures.Segment(direction: d, timestamp: seg.timestamp, seq: nextSeq[d]!, syn: false, payload: produced))
            nextSeq[d]! &+= UInt32(produced.count)
        }
    }
    return out
}

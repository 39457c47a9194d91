import Testing
@testable import EdgeflowKit

private func feed(_ s: inout TLSSession, _ d: StreamDirection, _ bytes: [UInt8], _ ts: Int64 = 0) -> Int {
    bytes.withUnsafeBytes { s.feed(direction: d, bytes: $0, timestamp: ts) }
}

private func record(_ type: UInt8, _ body: [UInt8], version: UInt16 = 0x0303) -> [UInt8] {
    [type, UInt8(version >> 8), UInt8(version & 0xFF), UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
}

private func handshake(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
    [type, UInt8(body.count >> 16), UInt8((body.count >> 8) & 0xFF), UInt8(body.count & 0xFF)] + body
}

@Suite("TLS units")
struct TLSUnitTests {
    /// protocols.md §7.7: Google's pseudo-SSL opening, `80 46 01 03 01 00 2d 00 00 00 10`
    /// = length 70, type 1, version 3.1, 45 bytes of specs (15 suites), 16-byte challenge.
    @Test func sslv2ClientHello() {
        let bytes: [UInt8] = [0x80, 0x46, 0x01, 0x03, 0x01, 0x00, 0x2D, 0x00, 0x00, 0x00, 0x10]
            + Array(repeating: 0x07, count: 45) + Array(repeating: 0xAB, count: 16)
        #expect(bytes.count == 72)
        var s = TLSSession()
        #expect(feed(&s, .orig, Array(bytes[0..<40])) == 0)  // whole message or nothing
        #expect(feed(&s, .orig, bytes, 5) == 72)
        #expect(s.clientHello?.isSSLv2 == true)
        #expect(s.clientHello?.legacyVersion == .tls10)
        #expect(s.clientHello?.cipherSuiteCount == 15)
        #expect(s.clientHelloTimestamp == 5)
    }

    @Test func helloRetryRequest() {
        // ServerHello whose random is SHA-256("HelloRetryRequest"), with supported_versions 0x0304.
        let hrrRandom: [UInt8] = [0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
                                  0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C]
        func serverHello(_ random: [UInt8]) -> [UInt8] {
            handshake(2, [0x03, 0x03] + random + [0, 0x13, 0x01, 0] + [0, 6, 0, 43, 0, 2, 0x03, 0x04])
        }
        var s = TLSSession()
        let ch = handshake(1, [0x03, 0x03] + Array(repeating: 1, count: 32) + [0, 0, 2, 0x13, 0x01, 1, 0])
        _ = feed(&s, .orig, record(22, ch, version: 0x0301), 100)
        _ = feed(&s, .resp, record(22, serverHello(hrrRandom)), 200)
        #expect(s.helloRetryRequest)
        #expect(s.serverHello?.isHelloRetryRequest == true)
        #expect(!s.isTLS13)  // not negotiated yet
        _ = feed(&s, .orig, record(22, ch), 300)
        _ = feed(&s, .resp, record(22, serverHello(Array(repeating: 9, count: 32))), 400)
        #expect(s.clientHelloCount == 2)
        #expect(s.serverHello?.isHelloRetryRequest == false)
        #expect(s.isTLS13)  // the real ServerHello's supported_versions
        #expect(s.negotiatedVersion == .tls13)
        #expect(s.clientHello?.cipherSuiteCount == 1)
        #expect(s.clientHello?.offersTLS13Suites == true)
    }

    @Test func emptyClientCertificateAndEncryptedAlert() {
        var s = TLSSession()
        let ch = handshake(1, [0x03, 0x03] + Array(repeating: 1, count: 32) + [0, 0, 2, 0x00, 0x9D, 1, 0])
        let sh = handshake(2, [0x03, 0x03] + Array(repeating: 2, count: 32) + [0, 0x00, 0x9D, 0])
        let cr = handshake(13, [1, 1, 0, 2, 4, 1, 0, 0])
        _ = feed(&s, .orig, record(22, ch), 1)
        _ = feed(&s, .resp, record(22, sh + cr + handshake(14, [])), 2)
        _ = feed(&s, .orig, record(22, handshake(11, [0, 0, 0]) + handshake(16, [0, 2, 9, 9])) + record(20, [1]) + record(22, Array(repeating: 0x55, count: 40)), 3)
        #expect(s.certificateRequested)
        #expect(s.certificateRequestCANames == 0)
        #expect(s.clientCertificate == .empty)
        #expect(s.clientCertificates == nil)
        #expect(s.orig.finishedTimestamp == 3)
        // The server answers with an encrypted alert after its CCS.
        _ = feed(&s, .resp, record(20, [1]) + record(21, Array(repeating: 0x66, count: 26)), 4)
        #expect(s.resp.encryptedAlerts == 1)
        #expect(s.resp.firstAlert == nil)
        #expect(s.outcome == .failed)
    }

    @Test func stopsAfterApplicationData() {
        var s = TLSSession(applicationDataRecordLimit: 1)
        let ch = handshake(1, [0x03, 0x03] + Array(repeating: 1, count: 32) + [0, 0, 2, 0x00, 0x9D, 1, 0])
        _ = feed(&s, .orig, record(22, ch), 1)
        _ = feed(&s, .orig, record(20, [1]) + record(22, [1, 2, 3]), 2)
        let app = record(23, [1, 2, 3]) + record(23, [4, 5])
        #expect(feed(&s, .orig, app + [0x17, 0x03], 3) == app.count + 2)
        #expect(s.orig.applicationDataRecords == 1)
        #expect(!s.wantsBytes(.orig))
        #expect(s.wantsBytes(.resp))
        #expect(s.outcome == .complete)
        #expect(s.handshakeDuration == 2)
    }

    @Test func notTLS() {
        var s = TLSSession()
        let bytes = Array("OPTIONS sip:x SIP/2.0\r\n".utf8)
        #expect(feed(&s, .orig, bytes) == bytes.count)
        #expect(s.orig.malformation == .notTLS)
        #expect(!s.wantsBytes(.orig))
    }

    @Test func alertNames() {
        // RFC 8446 §6 / protocols.md §7.6.
        let expected: [UInt8: String] = [0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
                                         42: "bad_certificate", 45: "certificate_expired", 46: "certificate_unknown", 48: "unknown_ca",
                                         70: "protocol_version", 80: "internal_error", 86: "inappropriate_fallback",
                                         109: "missing_extension", 112: "unrecognized_name", 116: "certificate_required",
                                         120: "no_application_protocol", 200: "alert_200"]
        for (code, name) in expected { #expect(TLSAlert.name(of: code) == name) }
    }

    @Test func cipherNames() {
        #expect(TLSCipherSuite.name(of: 0x009D) == "TLS_RSA_WITH_AES_256_GCM_SHA384")
        #expect(TLSCipherSuite.name(of: 0x1303) == "TLS_CHACHA20_POLY1305_SHA256")
        #expect(TLSCipherSuite.name(of: 0xC02F) == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        #expect(TLSCipherSuite.name(of: 0xABCD) == "0xabcd")
        #expect(TLSVersion.isGREASE(0x1A1A) && TLSVersion.isGREASE(0xFAFA) && !TLSVersion.isGREASE(0x0303))
    }
}

/// The records of a direction counted after its handshake (`TLSRecordCounter`), from segments
/// that cut record headers anywhere: five records (application data of 2, 1 and 0 bytes, an
/// alert, a handshake record) over five segments, one header whole in a segment, one cut 2 + 3;
/// a retransmitted segment counts nothing, one overlapping the last bytes counts only its new
/// record; a header of major version 2 stops the count.
@Suite("TLS records counted after the handshake")
struct TLSRecordCounterTests {
    @Test("headers whole or cut, retransmissions, overlaps, a lost header")
    func counts() {
        let stream: [UInt8] = [0x17, 3, 3, 0, 2, 0xAA, 0xAA, 0x17, 3, 3, 0, 1, 0xBB, 0x15, 3, 3, 0, 2, 0xCC, 0xCC,
                               0x17, 3, 3, 0, 0, 0x16, 3, 3, 0, 1, 0xDD]
        var c = TLSRecordCounter()
        c.start(at: 1000)
        func feed(_ seq: UInt32, _ bytes: [UInt8]) { bytes.withUnsafeBytes { c.feed(seq: seq, $0) } }
        for (from, to) in [(0, 6), (6, 9), (9, 12), (12, 25), (25, 31)] {
            feed(1000 + UInt32(from), Array(stream[from..<to]))
        }
        let (app, alerts) = (c.applicationData, c.alerts)
        #expect(app == 3 && alerts == 1 && !c.lostSync)
        feed(1009, Array(stream[9..<12]))                         // retransmitted
        feed(1029, Array(stream[29..<31]) + [0x17, 3, 3, 0, 0])   // 2 bytes again, then a record
        let (app2, alerts2) = (c.applicationData, c.alerts)
        #expect(app2 == 4 && alerts2 == 1 && !c.lostSync)
        feed(1036, [0x17, 2, 3, 0, 0, 0x17, 3, 3, 0, 0])
        feed(1046, [0x17, 3, 3, 0, 0])
        #expect(c.applicationData == 4 && c.lostSync)
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// DTLS on real captures, checked against tshark 4.0's fields (Fixtures/NAME.dtls.tshark.txt,
/// commands in each header) and against how the captures were recorded.
@Suite("DTLS captures")
struct DTLSCaptureTests {
    /// A capture: its fixture name and the datagrams of its DTLS flow.
    struct Case: CustomStringConvertible, Sendable {
        var fixture: String
        var path: String?
        var description: String { fixture }

        func load() throws -> (TsharkDTLS, [DTLSDatagram]) {
            let t = TsharkDTLS(fixture)
            let datagrams = try path.map(DTLSCaptures.datagrams) ?? DTLSCaptures.fixtureDatagrams(fixture, t)
            return (t, datagrams)
        }
    }

    static let cases: [Case] = [
        Case(fixture: "zeek-dtls1_2", path: repositoryRoot + "/Captures/public/zeek-dtls1_2.pcap"),
        Case(fixture: "ndpi-stun_dtls_rtp", path: nil),
        Case(fixture: "dtls-dtls10", path: DTLSCaptures.directory + "dtls10.pcap"),
        Case(fixture: "dtls-dtls12-srtp", path: DTLSCaptures.directory + "dtls12-srtp.pcap"),
        Case(fixture: "dtls-dtls12-fragmented", path: DTLSCaptures.directory + "dtls12-fragmented.pcap"),
        Case(fixture: "dtls-dtls12-expired", path: DTLSCaptures.directory + "dtls12-expired.pcap"),
        Case(fixture: "dtls-aiortc-dtls-srtp", path: DTLSCaptures.directory + "aiortc-dtls-srtp.pcap"),
        Case(fixture: "dtls-dtls13-nss", path: DTLSCaptures.directory + "dtls13-nss.pcap"),
        Case(fixture: "dtls-dtls12-cid-synthetic", path: DTLSCaptures.directory + "dtls12-cid-synthetic.pcap"),
    ]

    /// Records in DTLS 1.3's first data epoch among the datagrams tshark 4.0 leaves undissected,
    /// read from RFC 9147 §4's unified header: first byte 0 0 1 C S L E E. Each such datagram
    /// of these captures is one record: no connection id (C = 0), a length (L = 1) that fills
    /// the datagram after the 8- or 16-bit (S) sequence number.
    static func unifiedDataRecords(_ datagrams: [DTLSDatagram], _ t: TsharkDTLS) -> Int {
        var count = 0
        for d in datagrams where t.framesWithoutRecords.contains(d.frame) {
            let first = d.payload[0]
            let sequenceBytes = first & 0x08 != 0 ? 2 : 1
            let length = Int(d.payload[1 + sequenceBytes]) << 8 | Int(d.payload[2 + sequenceBytes])
            #expect(first & 0xF4 == 0x24, "frame \(d.frame): not a unified header without connection id, with length")
            #expect(1 + sequenceBytes + 2 + length == d.payload.count, "frame \(d.frame): one record per datagram")
            if first & 0x03 == 3 { count += 1 }
        }
        return count
    }

    @Test("version, cipher, SRTP profile, certificates and alerts agree with tshark", arguments: cases)
    func agreesWithTshark(_ c: Case) throws {
        let (t, datagrams) = try c.load()
        #expect(datagrams.count == t.frames.count)
        let state = DTLSCaptures.run(datagrams)
        let r = DTLSCaptures.report(state, firstTimestamp: datagrams[0].timestamp)
        let sh = t.serverHello
        #expect(r.version?.rawValue == (sh.supportedVersions.last ?? sh.handshakeVersions.last))
        #expect(r.cipher == TLSCipherSuite.name(of: sh.cipherSuites[0]))
        #expect(r.srtpProfile?.rawValue == sh.srtpProfiles.first)
        let server = t.chain(from: sh.sender)
        #expect(r.server.map(\.sha256) == server.map(\.sha256))
        #expect(r.server.map(\.subject) == server.map(\.subject))
        #expect(r.server.map(\.issuer) == server.map(\.issuer))
        let clientSender = t.frames.first { $0.handshakeTypes.contains(1) }!.sender
        let client = t.chain(from: clientSender)
        #expect(r.client.map(\.sha256) == client.map(\.sha256))
        #expect(r.client.map(\.subject) == client.map(\.subject))
        for (sender, alert) in [(t.originator, r.origAlert), (t.frames.first { $0.sender != t.originator }!.sender, r.respAlert)] {
            let clear = t.clearAlerts(from: sender).first
            #expect(alert.map { Int($0.level) } == clear?.level)
            #expect(alert.map { Int($0.description) } == clear?.description)
        }
        // RFC 9146: the id the server's hello asks for when it is not empty, else the client's.
        let helloIDs = [sh.helloConnectionIDs.first, t.frames.first { $0.handshakeTypes.contains(1) }?.helloConnectionIDs.first]
        #expect(r.connectionID.map { $0.map { String(format: "%02x", $0) }.joined() } == helloIDs.compactMap { $0 }.first)
        #expect(r.encryptedAlerts == t.encryptedAlerts)
        #expect(r.applicationDataRecords == t.applicationDataRecords + Self.unifiedDataRecords(datagrams, t))
        #expect(r.malformed.isEmpty)
    }

    @Test("handshake outcome and the facts known from how each capture was made")
    func knownConfigurations() throws {
        func report(_ c: Case) throws -> (DTLSFlowState, DTLSReport) {
            let (_, d) = try c.load()
            let s = DTLSCaptures.run(d)
            return (s, DTLSCaptures.report(s, firstTimestamp: d[0].timestamp))
        }
        let cases = Dictionary(uniqueKeysWithValues: Self.cases.map { ($0.fixture, $0) })
        // Scripts/record_dtls_captures.sh: -dtls1 on both ends; a cookie exchange (s_server
        // uses one), a completed handshake, close_notify sent encrypted by both ends.
        let (s10, r10) = try report(cases["dtls-dtls10"]!)
        #expect(r10.version == .dtls10 && r10.outcome == .complete && r10.helloVerifyRequest)
        #expect(s10.clientHello?.hello.cookieLength ?? 0 > 0)
        #expect(r10.handshakeDuration.map { $0 > 0 && $0 < 1_000_000_000 } == true)
        // use_srtp SRTP_AES128_CM_SHA1_80 (OpenSSL's name for IANA SRTP_AES128_CM_HMAC_SHA1_80).
        let (s12, r12) = try report(cases["dtls-dtls12-srtp"]!)
        #expect(r12.srtpProfile?.description == "SRTP_AES128_CM_HMAC_SHA1_80" && r12.outcome == .complete)
        #expect(s12.clientHello?.srtpProfiles == [SRTPProtectionProfile(rawValue: 1)])
        // -mtu 300 with GCM offered first: the chain arrives in fragments, GCM is chosen.
        let (sf, rf) = try report(cases["dtls-dtls12-fragmented"]!)
        #expect(rf.srtpProfile?.description == "SRTP_AEAD_AES_128_GCM" && rf.outcome == .complete)
        #expect(rf.server.map(\.dnsNames) == [["av.contoso.com", "media.contoso.com"], []])
        #expect(sf.resp.handshakeFragments > sf.resp.handshakeTypes.types.count)
        // The client refuses the server's expired certificate: a fatal certificate_expired alert.
        let (_, rx) = try report(cases["dtls-dtls12-expired"]!)
        #expect(rx.outcome == .failed)
        #expect(rx.origAlert == TLSAlert(level: 2, description: 45, timestamp: rx.origAlert?.timestamp ?? 0))
        #expect(rx.server.first?.expiredAtCapture(rx.serverSeenAt) == true)
        // aiortc: both ends present self-signed certificates whose SHA-256 the SDP a=fingerprint
        // lines printed by Scripts/record_aiortc_capture.py carry; mutual authentication.
        let (_, ra) = try report(cases["dtls-aiortc-dtls-srtp"]!)
        #expect(ra.outcome == .complete && ra.certificateRequested && ra.clientCertificate == .present)
        #expect(Set((ra.server + ra.client).map(\.sha256)) == [
            "22191c57c96643f7d7e7169a5e667183c7156d5490c982bcb712d98138b0b193",
            "4189558ba8e1835fcf272e853e8ea0e3edffa05d34cb8d1f1ef1d7b560d4ae6c"])
        // nDPI: the client's second flight (frames 6 and 10) is sent twice; read once.
        let (sn, rn) = try report(cases["ndpi-stun_dtls_rtp"]!)
        #expect(rn.outcome == .complete && rn.retransmittedFragments > 0)
        #expect(sn.orig.handshakeTypes.contains(TLSHandshakeType.certificateVerify))
        // zeek: the ClientHello itself is fragmented over two datagrams (frames 1-2, 4-5).
        let (sz, rz) = try report(cases["zeek-dtls1_2"]!)
        #expect(rz.outcome == .complete && rz.helloVerifyRequest && sz.clientHello?.hello.cookieLength ?? 0 > 0)
        // Scripts/record_dtls13_capture.sh: NSS 3.87 at -V tls1.3:tls1.3 (its draft-43 number,
        // 0x7F2B); the server's flight after its ServerHello, the client's Finished and the
        // data are encrypted; the handshake is complete at the datagram by which both ends have
        // sent a record in epoch 3 (RFC 9147 §4: the unified header's low epoch bits 11).
        let (s13, r13) = try report(cases["dtls-dtls13-nss"]!)
        #expect(r13.version?.description == "DTLS 1.3 (draft 43)" && r13.version?.isDTLS13 == true)
        #expect(r13.cipher == "TLS_AES_128_GCM_SHA256" && r13.outcome == .complete)
        #expect(r13.server.isEmpty && r13.clientCertificate == .encrypted)
        let d13 = try cases["dtls-dtls13-nss"]!.load().1
        var epoch3Senders = Set<String>()
        let both = d13.first { d in
            if d.payload[0] & 0xE3 == 0x23 { epoch3Senders.insert(d.sender) }
            return epoch3Senders.count == 2
        }
        #expect(s13.completedAt == both?.timestamp)
    }

    @Test("a DTLS 1.3 client that answers the server's flight with one handshake-epoch record and nothing after is not complete")
    func dtls13RefusedIsNotComplete() throws {
        // The hellos of dtls13-nss.pcap, then one client record in epoch 2 the size of an
        // encrypted alert (2 bytes, the inner content type, a 16-byte tag): RFC 9147 hides its
        // type, so it could be a Finished or the alert refusing the server's certificate.
        let d = try DTLSCaptures.datagrams(DTLSCaptures.directory + "dtls13-nss.pcap")
        var alert = d[2]
        alert.payload = [0x2E, 0x00, 0x01, 0x00, 19] + [UInt8](repeating: 0xA5, count: 19)
        let s = DTLSCaptures.run([d[0], d[1], alert])
        #expect(s.outcome == .incomplete)
        #expect(s.completedAt == nil)
        #expect(s.orig.applicationDataRecords == 0 && s.orig.otherProtectedRecords == 1)
    }

    @Test("DTLS 1.3 records with the unified header reach the flow through the whole pipeline")
    func dtls13EndToEnd() throws {
        let c = Self.cases.first { $0.fixture == "dtls-dtls13-nss" }!
        let (t, datagrams) = try c.load()
        let report = try analyzeJSON([c.path!])
        let flows = try #require(report["flows"] as? [[String: Any]])
        #expect(flows.count == 1)
        let flow = try #require(flows.first)
        #expect(flow["service"] as? String == "dtls")
        let dtls = try #require(flow["dtls"] as? [String: Any])
        #expect(dtls["version"] as? String == "DTLS 1.3 (draft 43)")
        #expect(dtls["handshake"] as? String == "complete")
        #expect(dtls["application_data_records"] as? Int == Self.unifiedDataRecords(datagrams, t))
        #expect((dtls["malformed"] as? [Any])?.isEmpty == true)
    }

    @Test("the dtls object is the tls object's fields plus srtp_profile and connection_id")
    func json() throws {
        let (_, d) = try Self.cases[3].load()
        let r = DTLSCaptures.report(DTLSCaptures.run(d), firstTimestamp: d[0].timestamp)
        var w = JSONWriter()
        w.beginObject()
        r.write(to: &w)
        w.endObject()
        let text = w.text
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let dtls = try #require(object["dtls"] as? [String: Any])
        for key in ["version", "cipher", "sni", "alpn", "client_cert_requested", "client_cert", "certificates", "alerts",
                    "encrypted_alerts", "application_data_records", "handshake", "handshake_ms", "malformed",
                    "srtp_profile", "connection_id"] {
            #expect(dtls.keys.contains(key), "missing \(key)")
        }
        #expect(dtls["version"] as? String == "DTLS 1.2")
        #expect(dtls["srtp_profile"] as? String == "SRTP_AES128_CM_HMAC_SHA1_80")
        #expect(dtls["connection_id"] is NSNull)
        #expect(dtls["handshake"] as? String == "complete")
    }
}

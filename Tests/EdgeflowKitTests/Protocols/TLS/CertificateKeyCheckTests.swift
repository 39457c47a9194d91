import Foundation
import SwiftASN1
import Testing
@testable import EdgeflowKit

/// Certificates whose RSA key swift-crypto 3.12.3 would free twice (see `CertificateKeyCheck`).
@Suite("Certificate RSA key check")
struct CertificateKeyCheckTests {
    /// The leaf of the FuzzDTLS crash input dtlsfind-crash-rsa-spki.bin (the responder's DTLS
    /// Certificate message, message_seq 2, reassembled from its seven fragments): the
    /// av.contoso.com leaf of Captures/dtls with the last two modulus bytes turned to 00 00, so
    /// the 2048-bit modulus is even. `openssl x509 -text` reads it; BoringSSL rejects the key.
    static let evenModulusLeaf = Fixtures.hex(#"""
        308202f030820296a00302010202022002300a06082a8648ce3d040302304a310b3009060355040613025553311a3018
        060355040a0c1145646765666c6f77205465737420504b49311f301d06035504030c1645646765666c6f772044544c53
        204d65646961204341301e170d3235303130313030303030305a170d3335313233313233353935395a303c310b300906
        035504061302555331143012060355040a0c0b436f6e746f736f204c74643117301506035504030c0e61762e636f6e74
        6f736f2e636f6d30820122300d06092a864886f70d01010105000382010f003082010a0282010100c51457717a9de44b
        b06b1e1c8f87199048f1ebfecc15bf7c120459710373273bfb5edb5c13d047f62d604bf2db98a3789548f67bad6309da
        092628a33797a44ecd7f196e03e39308a93f924c164ca751efcdbd125a6f3aa18b1979e9a5fb9497227d493a49c4672f
        042cbb448b6dece99e6e87a1e2f5384480ec836196704041505ea35d825409b90aa515bbd79974974937a5fffdda6947
        99ccb76669303c7d565bdb730a1251c7fa4e7ddb1983f17047f3c9b9ffb7e57b383985156c352903e35e4d13e51028de
        53d49421ee8f5a1298c83cfa62b3a4444fd7a25cba7c85706c4bdceec0c8022aa72796403a0b46a1fb62208cf3176dee
        cd131eb8125600000203010001a381ae3081ab300c0603551d130101ff04023000300e0603551d0f0101ff0404030205
        a0301d0603551d250416301406082b0601050507030106082b06010505070302301d0603551d0e04160414bb42fc80f6
        57061c1680af435196a89541dc7cb1301f0603551d230418301680146be11633651f7a26c7bcc7e99863f45df1eab849
        302c0603551d1104253023820e61762e636f6e746f736f2e636f6d82116d656469612e636f6e746f736f2e636f6d300a
        06082a8648ce3d0403020348003045022100dbf1f6c0add4c52f0e9a12043160de44f757b1d82598a97824e1c24eba06
        1414022077dc517a985860b4da2296a08fb933d14c19cebbecdd66eddc3bb6aa6d5241f4
        """#.filter(\.isHexDigit))

    /// The sipfed.online.lync.com leaf (RSA 2048) of Captures/tls/mtls-out.pcap, as
    /// `tshark -e tls.handshake.certificate` prints it.
    static let mtlsOutLeaf = Fixtures.hex(#"""
        30820307308202ada00302010202021001300a06082a8648ce3d0403023049310b3009060355040613025553311a3018
        060355040a0c1145646765666c6f77205465737420504b49311e301c06035504030c1545646765666c6f772054657374
        20526f6f74204341301e170d3235303130313030303030305a170d3335313233313233353935395a304c310b30090603
        55040613025553311c301a060355040a0c1345646765666c6f77205465737420436c6f7564311f301d06035504030c16
        7369706665642e6f6e6c696e652e6c796e632e636f6d30820122300d06092a864886f70d01010105000382010f003082
        010a0282010100f1a3c70eae151449a5ea01711cd74182506a4c46fa6c2f96215872d61042be01205f9a72dfa47acf7c
        6ee3014a2af81763a3c456dad0552b902e162de93934ca72c648549ba6cf4e5183c38dbc5f208595036b8951621f7c78
        c8fd6765543d52bce9c4d08b8d92a44958266e4242280535a7dad2af5e8900c00b63e57f85ae11e8dadaf0054395e9d8
        e9b31c20cfd5b263d89a1bb18a44649f851152b0fd58410c18b1ec2602ea05d1aa7df4d76b648ddfcb93379c2425d6bd
        d9c9448d0d53f2a12e2ed10f1cdaff42716eb38928587945a2ceb641dbe948b59668d1d8ac2a130442487826022d426e
        87ebf31e81b5c18d162827eca8f4445f8c261e7faa5dfb0203010001a381b63081b3300c0603551d130101ff04023000
        300e0603551d0f0101ff0404030205a0301d0603551d250416301406082b0601050507030106082b0601050507030230
        1d0603551d0e0416041484362db1a491e6ee74a1173c65abfe896de81e1c301f0603551d23041830168014044c33586c
        783d5b9e330094e6a6c77b170ed72c30340603551d11042d302b82167369706665642e6f6e6c696e652e6c796e632e63
        6f6d82112a2e6f6e6c696e652e6c796e632e636f6d300a06082a8648ce3d0403020348003045022100f43b716c9775a4
        6c6f9fe4f28b38cedd353de4e73548ac1b8eddcdd18da154dc022002914fdb9ae0759924223d2660831c6d4aefac4123
        6761f08ebfbe15eb6872b6
        """#.filter(\.isHexDigit))

    /// 2025-01-01 00:00:00 and 2035-12-31 23:59:59 UTC in ns (`date -u -d … +%s`).
    static let jan2025: Int64 = 1_735_689_600_000_000_000
    static let dec2035: Int64 = 2_082_758_399_000_000_000

    /// Without the check this reaches swift-crypto's double free: under AddressSanitizer a
    /// heap-use-after-free in EVP_PKEY_free from the key's deinit; a plain debug build does not
    /// abort (glibc misses it) but reads freed memory and reports underlyingCoreCryptoError.
    @Test("the crash input's leaf: parse_error, SHA-256 and the fields read without the key")
    func evenModulus() {
        let s = CertificateSummary(der: Self.evenModulusLeaf)
        #expect(s.parseError == "malformed RSA public key: the modulus is even")
        // openssl dgst -sha256 on the DER.
        #expect(s.sha256 == "96104f48289fc501d16fc64cd44cdca77fa19237668d030a2e1b6179db377ba4")
        #expect(s.derLength == 756)
        // openssl x509 -noout -subject -issuer -serial -dates -ext subjectAltName -nameopt RFC2253
        #expect(s.fromFallback && s.hasValidity)
        #expect(s.subject == "CN=av.contoso.com,O=Contoso Ltd,C=US")
        #expect(s.issuer == "CN=Edgeflow DTLS Media CA,O=Edgeflow Test PKI,C=US")
        #expect(s.commonName == "av.contoso.com")
        #expect(s.serialNumber == "2002")
        #expect(s.dnsNames == ["av.contoso.com", "media.contoso.com"])
        #expect(s.notBefore == Self.jan2025 && s.notAfter == Self.dec2035)
    }

    @Test("a well-formed RSA certificate from Captures/tls still parses fully")
    func wellFormedRSA() {
        let s = CertificateSummary(der: Self.mtlsOutLeaf)
        #expect(s.parseError == nil && !s.fromFallback)
        // openssl x509 -noout -subject -issuer -serial -dates -ext subjectAltName -nameopt RFC2253
        #expect(s.subject == "CN=sipfed.online.lync.com,O=Edgeflow Test Cloud,C=US")
        #expect(s.issuer == "CN=Edgeflow Test Root CA,O=Edgeflow Test PKI,C=US")
        #expect(s.serialNumber == "1001")
        #expect(s.dnsNames == ["sipfed.online.lync.com", "*.online.lync.com"])
        #expect(s.notBefore == Self.jan2025 && s.notAfter == Self.dec2035)
        #expect(s.sha256 == "3b99053417ee391b1bc59caab49d0008a4c7b82cf7c074842ec19a11c4830e1b")
    }

    /// A DER TLV (lengths below 65536).
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        let n = content.count
        let length: [UInt8] = n < 0x80 ? [UInt8(n)] : n < 0x100 ? [0x81, UInt8(n)] : [0x82, UInt8(n >> 8), UInt8(n & 0xFF)]
        return [tag] + length + content
    }

    /// A certificate skeleton (empty names, no validity) whose subjectPublicKeyInfo is
    /// rsaEncryption with `key` as the BIT STRING's content after `padding`.
    static func certificate(key: [UInt8], padding: UInt8 = 0) throws -> ASN1Node {
        let rsaEncryption: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00]
        let spki = tlv(0x30, tlv(0x30, rsaEncryption) + tlv(0x03, [padding] + key))
        let tbs = tlv(0xA0, tlv(0x02, [2])) + tlv(0x02, [1]) + [0x30, 0, 0x30, 0, 0x30, 0, 0x30, 0] + spki
        return try DER.parse(tlv(0x30, tlv(0x30, tbs)))
    }

    /// RSAPublicKey with a 1024-bit modulus 0xC0…01 (odd) and `exponent` (INTEGER content bytes).
    static func key(modulus: [UInt8] = [0x00, 0xC0] + Array(repeating: 0, count: 126) + [0x01],
                    exponent: [UInt8] = [0x01, 0x00, 0x01], trailing: [UInt8] = []) -> [UInt8] {
        tlv(0x30, tlv(0x02, modulus) + tlv(0x02, exponent)) + trailing
    }

    /// The limits of BoringSSL's RSA_parse_public_key / rsa_check_public_key (swift-crypto's
    /// CCryptoBoringSSL: rsa_extra/rsa_asn1.cc, fipsmodule/rsa/rsa_impl.cc.inc): DER integers,
    /// non-negative, odd modulus of 512 to 16384 bits, odd exponent of 2 to 33 bits.
    @Test("keys BoringSSL accepts pass")
    func accepted() throws {
        let keys = [
            Self.key(),
            Self.key(modulus: [0x00, 0xC0] + Array(repeating: 0, count: 62) + [0x01]),  // 512 bits
            Self.key(exponent: [0x01, 0x00, 0x00, 0x00, 0x01]),  // 33 bits
            Self.key(exponent: [0x03]),
        ]
        for key in keys {
            #expect(CertificateKeyCheck.rsaKeyProblem(try Self.certificate(key: key)) == nil)
        }
    }

    @Test("keys BoringSSL rejects but swift-asn1 reads are caught")
    func rejected() throws {
        let cases: [([UInt8], UInt8, String)] = [
            (Self.key(trailing: [0x00]), 0, "not a DER RSAPublicKey"),
            (Self.key(trailing: [0x00]), 1, "subjectPublicKey has 1 unused bits"),
            (Self.key(), 1, "subjectPublicKey is not a BIT STRING"),  // an unused bit that is set
            (Self.key(modulus: [0xC0] + Array(repeating: 0, count: 126) + [0x01]), 0, "not a DER RSAPublicKey"),
            (Self.key(exponent: [0xFF]), 0, "not a DER RSAPublicKey"),
            (Self.key(modulus: [0x40] + Array(repeating: 0, count: 62) + [0x01]), 0,
             "the modulus has 511 bits (512 to 16384 allowed)"),
            (Self.key(modulus: [0x00, 0xC0] + Array(repeating: 0, count: 127)), 0, "the modulus is even"),
            (Self.key(modulus: [0x00]), 0, "the modulus has 0 bits (512 to 16384 allowed)"),
            (Self.key(exponent: [0x01]), 0, "the public exponent has 1 bits (2 to 33 allowed)"),
            (Self.key(exponent: [0x02, 0x00, 0x00, 0x00, 0x01]), 0, "the public exponent has 34 bits (2 to 33 allowed)"),
            (Self.key(exponent: [0x01, 0x00, 0x00]), 0, "the public exponent is even"),
        ]
        for (key, padding, expected) in cases {
            let problem = CertificateKeyCheck.rsaKeyProblem(try Self.certificate(key: key, padding: padding))
            #expect(problem?.hasPrefix(expected) == true, "\(expected): got \(problem ?? "nil")")
        }
    }
}

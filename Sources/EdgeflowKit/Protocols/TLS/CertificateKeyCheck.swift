import SwiftASN1

/// Keeps hostile RSA keys away from swift-crypto. Its `_RSA.Signing.PublicKey(derRepresentation:)`
/// (swift-crypto 3.12.3, unchanged in 4.5.0) frees its `EVP_PKEY` when BoringSSL rejects the key
/// and frees it again in `deinit`: a double free that aborts the process. swift-certificates
/// hands it every rsaEncryption key that swift-asn1 reads as `SEQUENCE { INTEGER, INTEGER }`, so
/// a certificate whose key BoringSSL refuses (an even modulus, say) would crash the analyzer.
/// The checks mirror BoringSSL's `RSA_parse_public_key` and `rsa_check_public_key`.
enum CertificateKeyCheck {
    /// rsaEncryption, RFC 8017 appendix C.
    private static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]

    /// Why the rsaEncryption key of `certificate` (a parsed DER Certificate) must not reach
    /// swift-crypto; nil when the key is one BoringSSL accepts, when it is not an RSA key, or when
    /// the certificate is too malformed for swift-certificates to get as far as its key.
    static func rsaKeyProblem(_ certificate: ASN1Node) -> String? {
        // subjectPublicKeyInfo follows serialNumber, signature, issuer, validity and subject.
        guard let fields = TBSCertificate.fields(certificate), fields.count > 5,
              case .constructed(let spkiNodes) = fields[fields.startIndex + 5].content else { return nil }
        var parts = spkiNodes.makeIterator()
        guard let algorithm = parts.next(), case .constructed(let algorithmNodes) = algorithm.content,
              let oidNode = algorithmNodes.first(where: { _ in true }),
              let oid = try? ASN1ObjectIdentifier(derEncoded: oidNode), oid == rsaEncryption else { return nil }
        guard let keyNode = parts.next(), let bits = try? ASN1BitString(derEncoded: keyNode) else {
            return "subjectPublicKey is not a BIT STRING"
        }
        guard bits.paddingBits == 0 else { return "subjectPublicKey has \(bits.paddingBits) unused bits" }
        let key: (modulus: ArraySlice<UInt8>, exponent: ArraySlice<UInt8>)
        do {
            // DER.parse rejects trailing bytes, DER.sequence a third element, and the unsigned
            // INTEGER reader a non-minimal encoding or a negative value, as BoringSSL does. It
            // yields the magnitude without its leading zero byte (none at all for 0).
            key = try DER.sequence(try DER.parse(bits.bytes), identifier: .sequence) { nodes in
                (try ArraySlice<UInt8>(derEncoded: &nodes), try ArraySlice<UInt8>(derEncoded: &nodes))
            }
        } catch {
            return "not a DER RSAPublicKey of two non-negative INTEGERs (\(error))"
        }
        let modulusBits = bitLength(key.modulus)
        if modulusBits < 512 || modulusBits > 16384 { return "the modulus has \(modulusBits) bits (512 to 16384 allowed)" }
        if (key.modulus.last ?? 0) & 1 == 0 { return "the modulus is even" }
        let exponentBits = bitLength(key.exponent)
        if exponentBits < 2 || exponentBits > 33 { return "the public exponent has \(exponentBits) bits (2 to 33 allowed)" }
        if (key.exponent.last ?? 0) & 1 == 0 { return "the public exponent is even" }
        return nil
    }

    /// Significant bits of a big-endian magnitude.
    private static func bitLength(_ bytes: ArraySlice<UInt8>) -> Int {
        guard let top = bytes.firstIndex(where: { $0 != 0 }) else { return 0 }
        return (bytes.endIndex - top) * 8 - bytes[top].leadingZeroBitCount
    }
}

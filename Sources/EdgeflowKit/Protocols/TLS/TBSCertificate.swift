import SwiftASN1

/// The to-be-signed part of a DER Certificate (RFC 5280 §4.1), read field by field where
/// swift-certificates is not used: the summary's fallback and the RSA key check.
enum TBSCertificate {
    /// The fields of `certificate`'s TBSCertificate from serialNumber on (serialNumber,
    /// signature, issuer, validity, subject, subjectPublicKeyInfo, then the optional unique
    /// ids and [3] extensions), the optional [0] version left out. Nil when the certificate
    /// is not a SEQUENCE whose first element is a SEQUENCE.
    static func fields(_ certificate: ASN1Node) -> ArraySlice<ASN1Node>? {
        guard case .constructed(let certNodes) = certificate.content,
              let tbs = certNodes.first(where: { _ in true }),
              case .constructed(let tbsNodes) = tbs.content else { return nil }
        let all = Array(tbsNodes)
        let version = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        return all.first?.identifier == version ? all.dropFirst() : all[...]
    }
}

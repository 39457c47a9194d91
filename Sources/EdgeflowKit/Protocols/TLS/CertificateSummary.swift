// With CertificateKeyCheck (SwiftASN1 only), the only file that imports X509, SwiftASN1 and
// Crypto: certificates are a cold path, parsed once per connection from the DER copied out of
// the Certificate message.
import Crypto
import Foundation
import SwiftASN1
import X509

/// What the report shows about one certificate.
public struct CertificateSummary: Sendable, Equatable {
    /// Subject as an RFC 4514 string ("CN=…,O=…,C=…"), empty if unparsed.
    public var subject = ""
    /// Issuer as an RFC 4514 string.
    public var issuer = ""
    /// The subject's first common name.
    public var commonName: String?
    /// dNSName entries of subjectAltName, in order.
    public var dnsNames: [String] = []
    /// Serial number as lower-case hex, without separators.
    public var serialNumber = ""
    /// Validity bounds in nanoseconds since the Unix epoch (UTC).
    public var notBefore: Int64 = 0
    public var notAfter: Int64 = 0
    /// SHA-256 of the DER bytes, lower-case hex (64 digits); set even when parsing failed.
    public var sha256: String = ""
    /// Length of the DER bytes.
    public var derLength = 0
    /// Why the certificate did not parse with swift-certificates, or why its RSA key was kept
    /// from it (`CertificateKeyCheck`); nil when it parsed. The
    /// fields may still be filled from a plain DER walk of TBSCertificate (`fromFallback`).
    public var parseError: String?
    /// The fields come from the DER walk because swift-certificates rejected the
    /// certificate (an old key size or algorithm parameter, say).
    public var fromFallback = false
    /// `notBefore` / `notAfter` were read.
    public var hasValidity = false

    public init() {}

    /// Summarises one DER certificate.
    public init(der: ArraySlice<UInt8>) {
        derLength = der.count
        sha256 = SHA256.hash(data: der).map { byte in
            let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
        let cert: Certificate
        do {
            let root = try DER.parse(der)
            if let problem = CertificateKeyCheck.rsaKeyProblem(root) {
                parseError = "malformed RSA public key: \(problem)"
                fromFallback = fallback(der)
                return
            }
            cert = try Certificate(derEncoded: root)
        } catch {
            parseError = String(describing: error)
            fromFallback = fallback(der)
            return
        }
        hasValidity = true
        let subjectName = Self.readable(cert.subject)
        subject = String(describing: subjectName)
        issuer = String(describing: Self.readable(cert.issuer))
        commonName = subjectName.lazy.flatMap { $0 }
            .first { $0.type == .RDNAttributeType.commonName }
            .map { CertificateSummary.attributeText($0.value) }
        serialNumber = cert.serialNumber.bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        notBefore = CertificateSummary.nanoseconds(cert.notValidBefore)
        notAfter = CertificateSummary.nanoseconds(cert.notValidAfter)
        do {
            if let sans = try cert.extensions.subjectAlternativeNames {
                for name in sans {
                    if case .dnsName(let host) = name { dnsNames.append(host) }
                }
            }
        } catch {
            parseError = "subjectAltName: \(error)"
        }
    }

    public init(der: [UInt8]) { self.init(der: der[...]) }

    /// The certificate had already expired at `timestamp` (ns since the epoch).
    public func expiredAtCapture(_ timestamp: Int64) -> Bool {
        hasValidity && timestamp > notAfter
    }

    /// The certificate was not valid yet at `timestamp`.
    public func notYetValid(_ timestamp: Int64) -> Bool {
        hasValidity && timestamp < notBefore
    }

    /// Summaries of every certificate in a chain, leaf first.
    public static func chain(_ list: TLSCertificateList) -> [CertificateSummary] {
        (0..<list.count).map { CertificateSummary(der: list.der($0)) }
    }

    /// Reads issuer, validity, subject and subjectAltName straight from TBSCertificate
    /// (RFC 5280 §4.1) when swift-certificates rejects the certificate as a whole.
    private mutating func fallback(_ der: ArraySlice<UInt8>) -> Bool {
        do {
            let root = try DER.parse(der)
            guard let fields = TBSCertificate.fields(root) else { return false }
            var t = fields.makeIterator()
            if let serial = t.next(), case .primitive(let bytes) = serial.content {
                serialNumber = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
            }
            _ = t.next()  // signature AlgorithmIdentifier
            guard let issuerNode = t.next() else { return false }
            issuer = String(describing: Self.readable(try DistinguishedName(derEncoded: issuerNode)))
            guard let validity = t.next(), case .constructed(let times) = validity.content else { return false }
            var ti = times.makeIterator()
            guard let nb = ti.next(), let na = ti.next() else { return false }
            notBefore = try Self.time(nb)
            notAfter = try Self.time(na)
            hasValidity = true
            guard let subjectNode = t.next() else { return false }
            let dn = Self.readable(try DistinguishedName(derEncoded: subjectNode))
            subject = String(describing: dn)
            commonName = dn.lazy.flatMap { $0 }
                .first { $0.type == .RDNAttributeType.commonName }
                .map { CertificateSummary.attributeText($0.value) }
            _ = t.next()  // subjectPublicKeyInfo
            while let n = t.next() {
                guard n.identifier == ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific),
                      case .constructed(let wrapped) = n.content,
                      let list = wrapped.first(where: { _ in true }),
                      case .constructed(let exts) = list.content else { continue }
                for e in exts {
                    let ext = try Certificate.Extension(derEncoded: e)
                    guard ext.oid == .X509ExtensionID.subjectAlternativeName else { continue }
                    for name in try SubjectAlternativeNames(ext) {
                        if case .dnsName(let host) = name { dnsNames.append(host) }
                    }
                }
            }
            return true
        } catch {
            return hasValidity
        }
    }

    /// UTCTime or GeneralizedTime as nanoseconds since the epoch.
    private static func time(_ node: ASN1Node) throws -> Int64 {
        let y, mo, d, h, mi, s: Int
        if node.identifier == .utcTime {
            let t = try UTCTime(derEncoded: node)
            (y, mo, d, h, mi, s) = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
        } else {
            let t = try GeneralizedTime(derEncoded: node)
            (y, mo, d, h, mi, s) = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
        }
        // Days from 1970-01-01 (H. Hinnant's days_from_civil).
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return Int64(((days * 24 + h) * 60 + mi) * 60 + s) * 1_000_000_000
    }

    private static func nanoseconds(_ date: Date) -> Int64 {
        let t = date.timeIntervalSince1970
        let seconds = t.rounded(.down)
        return Int64(seconds) * 1_000_000_000 + Int64(((t - seconds) * 1e9).rounded())
    }

    /// `name` with its TeletexString, BMPString and UniversalString values as UTF8String
    /// values, so that they print as text (swift-certificates prints them as `ASN1Any([…])`).
    private static func readable(_ name: DistinguishedName) -> DistinguishedName {
        DistinguishedName(name.map { rdn in
            RelativeDistinguishedName(rdn.map { attribute in
                guard let text = directoryText(ASN1Any(attribute.value)) else { return attribute }
                return .init(type: attribute.type, value: .init(utf8String: text))
            })
        })
    }

    /// The text of a TeletexString (its bytes taken as Latin-1, as OpenSSL and browsers do:
    /// certificates put Latin-1 there, not T.61), BMPString (UTF-16BE) or UniversalString
    /// (UTF-32BE); nil for other types and for a length that is not a whole number of units.
    /// Invalid code units become U+FFFD.
    private static func directoryText(_ value: ASN1Any) -> String? {
        if let t = try? ASN1TeletexString(asn1Any: value) {
            return String(String.UnicodeScalarView(t.bytes.map { Unicode.Scalar($0) }))
        }
        if let b = try? ASN1BMPString(asn1Any: value), b.bytes.count % 2 == 0 {
            let units = stride(from: b.bytes.startIndex, to: b.bytes.endIndex, by: 2).map {
                UInt16(b.bytes[$0]) << 8 | UInt16(b.bytes[$0 + 1])
            }
            return String(decoding: units, as: UTF16.self)
        }
        if let u = try? ASN1UniversalString(asn1Any: value), u.bytes.count % 4 == 0 {
            let scalars = stride(from: u.bytes.startIndex, to: u.bytes.endIndex, by: 4).map { i in
                let v = u.bytes[i..<i + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                return Unicode.Scalar(v) ?? "\u{FFFD}"
            }
            return String(String.UnicodeScalarView(scalars))
        }
        return nil
    }

    /// An attribute value as text: the string forms print without quotes.
    private static func attributeText(_ value: RelativeDistinguishedName.Attribute.Value) -> String {
        if let s = String(value) { return s }
        return String(describing: value)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

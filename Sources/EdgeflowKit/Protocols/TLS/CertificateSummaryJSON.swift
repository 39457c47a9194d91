/// The JSON form of a certificate summary, one element of a `certificates` array of the
/// `tls` and `dtls` objects (report-schema.md).
extension CertificateSummary {
    /// Writes this certificate; validity is judged at `seenAt`, when the chain was captured.
    func write(seenAt: Int64, to w: inout JSONWriter) {
        w.beginObject()
        w.value("subject", subject)
        w.value("issuer", issuer)
        w.beginArray("san")
        for n in dnsNames { w.value(nil, n) }
        w.endArray()
        if hasValidity {
            w.time("not_before", notBefore)
            w.time("not_after", notAfter)
        } else {
            w.null("not_before")
            w.null("not_after")
        }
        w.value("expired_at_capture", expiredAtCapture(seenAt))
        w.value("not_yet_valid", notYetValid(seenAt))
        w.value("sha256", sha256)
        if let e = parseError { w.value("parse_error", e) }
        w.endObject()
    }
}

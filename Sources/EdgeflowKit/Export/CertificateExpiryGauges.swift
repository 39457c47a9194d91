import CoreMetrics

/// `edgeflow_certificate_expiry_timestamp_seconds{role,cn,sha256}`: the notAfter of each leaf
/// certificate seen in a TLS handshake, in seconds since the epoch. At most `limit` series:
/// when full, a certificate that expires sooner than the latest-expiring one tracked takes its
/// place (that series is removed), so the certificates an expiry alert cares about stay. A
/// certificate no handshake showed for `forgetAfter` is removed too: once a renewed
/// certificate is in use, the old one stops alerting.
struct CertificateExpiryGauges {
    static let name = "edgeflow_certificate_expiry_timestamp_seconds"
    /// Most series at once.
    static let limit = 64
    /// Longest `cn` label value kept (characters).
    static let cnLength = 64
    /// A certificate not seen for this long (ns, capture time) is no longer exported.
    static let forgetAfter: Int64 = 24 * 3600 * 1_000_000_000

    private var tracked: [String: (notAfter: Int64, lastSeen: Int64, gauge: CoreMetrics.Gauge)] = [:]

    /// Records one leaf certificate sent by an end with role `role` in a flow whose last packet
    /// was at `time` (ns); `make` builds the gauge for the labels.
    mutating func saw(_ cert: CertificateSummary, role: String, at time: Int64, make: ([(String, String)]) -> CoreMetrics.Gauge) {
        for (key, t) in tracked where t.lastSeen < time &- Self.forgetAfter {
            t.gauge.destroy()
            tracked[key] = nil
        }
        guard cert.hasValidity, !cert.sha256.isEmpty else { return }
        if tracked[cert.sha256] != nil {
            tracked[cert.sha256]!.lastSeen = max(tracked[cert.sha256]!.lastSeen, time)
            return
        }
        if tracked.count >= Self.limit {
            guard let latest = tracked.max(by: { $0.value.notAfter < $1.value.notAfter }),
                  cert.notAfter < latest.value.notAfter else { return }
            latest.value.gauge.destroy()
            tracked[latest.key] = nil
        }
        let gauge = make([("role", role), ("cn", Self.labelText(cert.commonName ?? "")), ("sha256", cert.sha256)])
        gauge.record(Double(cert.notAfter / 1_000_000_000))
        tracked[cert.sha256] = (cert.notAfter, time, gauge)
    }

    /// A certificate's common name as a label value: printable ASCII only (others become `_`),
    /// at most `cnLength` characters.
    static func labelText(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.prefix(cnLength).map { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" ? $0 : "_" }))
    }
}

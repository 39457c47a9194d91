import CoreMetrics

/// `edgeflow_certificate_expiry_timestamp_seconds{role,cn,sha256}`: the notAfter of each leaf
/// certificate seen in a TLS handshake, in seconds since the epoch. At most `limit` series.
/// When full, the hybrid's own certificates (sent by an Edge role or by Office 365) come first:
/// one of them takes the place of the latest-expiring certificate of another host, or, when
/// none is left, of the latest-expiring hybrid one if it expires sooner; another host's
/// certificate only takes the place of another host's that expires later. So internet hosts
/// with expired certificates cannot crowd out the Edge's. A certificate no handshake showed
/// for `forgetAfter` is removed too: once a renewed certificate is in use, the old one stops
/// alerting.
struct CertificateExpiryGauges {
    static let name = "edgeflow_certificate_expiry_timestamp_seconds"
    /// Most series at once.
    static let limit = 64
    /// Longest `cn` label value kept (characters).
    static let cnLength = 64
    /// A certificate not seen for this long (ns, capture time) is no longer exported.
    static let forgetAfter: Int64 = 24 * 3600 * 1_000_000_000

    private var tracked: [String: (notAfter: Int64, lastSeen: Int64, hybrid: Bool, gauge: CoreMetrics.Gauge)] = [:]

    /// Whether a sender's role (the report's role code) is one of the hybrid's: an Edge role or
    /// Office 365.
    static func isHybrid(role: String) -> Bool { role != Role.other.rawValue }

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
        let hybrid = Self.isHybrid(role: role)
        if tracked.count >= Self.limit {
            // The first to go: another host's certificate before a hybrid one, then the latest to expire.
            guard let victim = tracked.max(by: { ($0.value.hybrid ? 0 : 1, $0.value.notAfter) < ($1.value.hybrid ? 0 : 1, $1.value.notAfter) }),
                  hybrid && !victim.value.hybrid || hybrid == victim.value.hybrid && cert.notAfter < victim.value.notAfter else { return }
            victim.value.gauge.destroy()
            tracked[victim.key] = nil
        }
        let gauge = make([("role", role), ("cn", Self.labelText(cert.commonName ?? "")), ("sha256", cert.sha256)])
        gauge.record(Double(cert.notAfter / 1_000_000_000))
        tracked[cert.sha256] = (cert.notAfter, time, hybrid, gauge)
    }

    /// A certificate's common name as a label value: printable ASCII only (others become `_`),
    /// at most `cnLength` characters.
    static func labelText(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.prefix(cnLength).map { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" ? $0 : "_" }))
    }
}

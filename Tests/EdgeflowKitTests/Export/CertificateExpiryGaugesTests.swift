import CoreMetrics
import Foundation
import Prometheus
import Testing
@testable import EdgeflowKit

@Suite("Certificate expiry gauges")
struct CertificateExpiryGaugesTests {
    static let day: Int64 = 86_400 * 1_000_000_000

    /// A certificate valid until `days` after 2026-01-01 (1767225600 s since the epoch).
    static func cert(_ n: Int, days: Int64, cn: String? = nil) -> CertificateSummary {
        var c = CertificateSummary()
        c.hasValidity = true
        c.notAfter = 1_767_225_600 * 1_000_000_000 + days * day
        c.sha256 = String(repeating: "0", count: 56) + String(format: "%08x", n)
        c.commonName = cn ?? "host\(n).example"
        return c
    }

    static func series(_ registry: PrometheusCollectorRegistry) -> [Substring] {
        String(decoding: registry.emitToBuffer(), as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("edgeflow_certificate_expiry_timestamp_seconds{") }
    }

    @Test("at most 64 series; when full, a certificate expiring sooner replaces the latest-expiring one, a later one is left out")
    func bounded() throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        var gauges = CertificateExpiryGauges()
        let make = { CoreMetrics.Gauge(label: CertificateExpiryGauges.name, dimensions: $0, factory: factory) }
        for n in 0..<100 { gauges.saw(Self.cert(n, days: Int64(10 + n)), role: "office365", at: 0, make: make) }
        var lines = Self.series(registry)
        #expect(lines.count == 64)
        // The first 64 (10 to 73 days) are kept: the later ones expire later still.
        #expect(lines.contains { $0.contains("cn=\"host63.example\"") } && !lines.contains { $0.contains("cn=\"host64.example\"") })
        gauges.saw(Self.cert(500, days: 1), role: "access_edge", at: 0, make: make)
        lines = Self.series(registry)
        #expect(lines.count == 64)
        #expect(!lines.contains { $0.contains("cn=\"host63.example\"") })
        // 2026-01-02T00:00:00Z.
        #expect(lines.contains { $0.hasPrefix("edgeflow_certificate_expiry_timestamp_seconds{role=\"access_edge\",cn=\"host500.example\",sha256=\"") && $0.hasSuffix(" 1767312000.0") })
    }

    @Test("when full, certificates of other hosts (even expired ones) never displace the Edge's or Office 365's, and are displaced by them first")
    func hybridFirst() throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        var gauges = CertificateExpiryGauges()
        let make = { CoreMetrics.Gauge(label: CertificateExpiryGauges.name, dimensions: $0, factory: factory) }
        // 4 Edge certificates expiring in 20 to 23 days, then 60 internet hosts' expiring in 100+ days.
        for n in 0..<4 { gauges.saw(Self.cert(n, days: Int64(20 + n)), role: "access_edge", at: 0, make: make) }
        for n in 4..<64 { gauges.saw(Self.cert(n, days: Int64(100 + n)), role: "other", at: 0, make: make) }
        #expect(Self.series(registry).count == 64)
        // 100 internet hosts with certificates expired years ago (host100 1100 days before
        // 2026, host199 1199 days): the 60 that expired first (host140 to host199) take the
        // other hosts' places, and none of the Edge's.
        for n in 100..<200 { gauges.saw(Self.cert(n, days: -1000 - Int64(n)), role: "other", at: 0, make: make) }
        var lines = Self.series(registry)
        #expect(lines.count == 64)
        #expect(lines.filter { $0.contains("role=\"access_edge\"") }.count == 4)
        #expect(lines.filter { $0.contains("role=\"other\"") }.count == 60)
        #expect(lines.contains { $0.contains("cn=\"host140.example\"") } && !lines.contains { $0.contains("cn=\"host139.example\"") })
        // An Office 365 certificate expiring later than every tracked one still gets in, in the
        // place of another host's: the latest-expiring of them, host140.
        gauges.saw(Self.cert(300, days: 800), role: "office365", at: 0, make: make)
        lines = Self.series(registry)
        #expect(lines.count == 64)
        #expect(lines.contains { $0.contains("role=\"office365\",cn=\"host300.example\"") })
        #expect(!lines.contains { $0.contains("cn=\"host140.example\"") })
        #expect(lines.filter { $0.contains("role=\"access_edge\"") }.count == 4)
    }

    @Test("a certificate no handshake showed for 24 hours is dropped; one seen again stays")
    func forgotten() throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        var gauges = CertificateExpiryGauges()
        let make = { CoreMetrics.Gauge(label: CertificateExpiryGauges.name, dimensions: $0, factory: factory) }
        gauges.saw(Self.cert(1, days: 5), role: "access_edge", at: 0, make: make)
        gauges.saw(Self.cert(2, days: 400), role: "access_edge", at: 0, make: make)
        gauges.saw(Self.cert(2, days: 400), role: "access_edge", at: 20 * 3600 * 1_000_000_000, make: make)
        #expect(Self.series(registry).count == 2)
        gauges.saw(Self.cert(3, days: 300), role: "office365", at: 25 * 3600 * 1_000_000_000, make: make)
        let lines = Self.series(registry)
        #expect(lines.count == 2)
        #expect(!lines.contains { $0.contains("host1.example") } && lines.contains { $0.contains("host2.example") })
    }

    @Test("the cn label keeps printable ASCII, at most 64 characters; quotes, backslashes and control characters become _")
    func labelText() {
        #expect(CertificateExpiryGauges.labelText("sip.contoso.com") == "sip.contoso.com")
        #expect(CertificateExpiryGauges.labelText("a\"b\\c\nd\u{e9}") == "a_b_c_d_")
        #expect(CertificateExpiryGauges.labelText(String(repeating: "x", count: 300)).count == 64)
    }
}

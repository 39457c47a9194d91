/// The rows of `ssl.log` (one per TLS or DTLS session, as Zeek logs DTLS there too) and
/// `x509.log` (one per certificate, the first time the run sees it), joined by the SHA-256
/// fingerprints of `cert_chain_fps` / `client_cert_chain_fps` and x509's `fingerprint`.
struct ZeekTLSLogs {
    static let ssl = ZeekLogSchema(path: "ssl", fields: [
        ("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"), ("id.resp_h", "addr"),
        ("id.resp_p", "port"), ("version", "string"), ("cipher", "string"), ("server_name", "string"),
        ("last_alert", "string"), ("next_protocol", "string"), ("established", "bool"),
        ("cert_chain_fps", "vector[string]"), ("client_cert_chain_fps", "vector[string]"),
    ])

    static let x509 = ZeekLogSchema(path: "x509", fields: [
        ("ts", "time"), ("fingerprint", "string"), ("certificate.serial", "string"), ("certificate.subject", "string"),
        ("certificate.issuer", "string"), ("certificate.not_valid_before", "time"), ("certificate.not_valid_after", "time"),
        ("san.dns", "vector[string]"), ("host_cert", "bool"), ("client_cert", "bool"),
    ])

    /// Fingerprints already in `x509.log` (of the current file, in a live run). At most
    /// `loggedLimit`: past it the set starts again, and a certificate may be logged twice.
    private var logged: Set<String> = []
    static let loggedLimit = 65_536

    /// Starts a new `x509.log` file: its certificates are logged again as sessions show them,
    /// so that each rotated file's `ssl.log` joins with the `x509.log` of the same period.
    mutating func newFile() { logged.removeAll() }

    /// Hands the flow's TLS and DTLS sessions to `ssl` and their certificates not logged yet to `x509`.
    mutating func rows(_ f: FlowSummary, ssl: ([ZeekValue]) -> Void, x509: ([ZeekValue]) -> Void) {
        guard let app = f.app else { return }
        if let t = app.tls {
            ssl(Self.row(f, version: t.version.map { Self.tlsVersion($0.rawValue) }, cipher: t.cipher, sni: t.sni,
                               alert: t.respAlert ?? t.origAlert, alpn: t.alpn, outcome: t.outcome, server: t.server, client: t.client))
            certificates(t.server, seenAt: t.serverSeenAt, host: true, to: x509)
            certificates(t.client, seenAt: t.clientSeenAt, host: false, to: x509)
        }
        if let d = app.dtls {
            ssl(Self.row(f, version: d.version.map { Self.dtlsVersion($0.rawValue) }, cipher: d.cipher, sni: d.sni,
                               alert: d.respAlert ?? d.origAlert, alpn: d.alpn, outcome: d.outcome, server: d.server, client: d.client))
            certificates(d.server, seenAt: d.serverSeenAt, host: true, to: x509)
            certificates(d.client, seenAt: d.clientSeenAt, host: false, to: x509)
        }
    }

    private static func row(_ f: FlowSummary, version: String?, cipher: String?, sni: String?, alert: TLSAlert?, alpn: String?,
                            outcome: TLSOutcome, server: [CertificateSummary], client: [CertificateSummary]) -> [ZeekValue] {
        [.time(f.ts), .string(f.uid), .address(f.origAddress), .count(f.origP), .address(f.respAddress), .count(f.respP),
         .string(version), .string(cipher), .string(sni), .string(alert?.name), .string(alpn),
         outcome == .notCaptured ? .unset : .bool(outcome == .complete),
         fingerprints(server), fingerprints(client)]
    }

    /// A chain's fingerprints, leaf first; unset when no chain was seen.
    private static func fingerprints(_ chain: [CertificateSummary]) -> ZeekValue {
        let fps = chain.map(\.sha256).filter { !$0.isEmpty }
        return fps.isEmpty ? .unset : .strings(fps)
    }

    private mutating func certificates(_ chain: [CertificateSummary], seenAt: Int64, host: Bool, to x509: ([ZeekValue]) -> Void) {
        if logged.count >= Self.loggedLimit { logged.removeAll() }
        for c in chain where !c.sha256.isEmpty && logged.insert(c.sha256).inserted {
            x509([.time(seenAt), .string(c.sha256), .string(c.serialNumber.isEmpty ? nil : c.serialNumber.uppercased()),
                        .string(c.subject.isEmpty ? nil : c.subject), .string(c.issuer.isEmpty ? nil : c.issuer),
                        c.hasValidity ? .time(c.notBefore) : .unset, c.hasValidity ? .time(c.notAfter) : .unset,
                        c.dnsNames.isEmpty ? .unset : .strings(c.dnsNames), .bool(host), .bool(!host)])
        }
    }

    /// Zeek's names of TLS versions ("TLSv12"); DTLS ones as `dtlsVersion`.
    static func tlsVersion(_ v: UInt16) -> String {
        switch v {
        case 0x0002: "SSLv2"
        case 0x0300: "SSLv3"
        case 0x0301: "TLSv10"
        case 0x0302: "TLSv11"
        case 0x0303: "TLSv12"
        case 0x0304: "TLSv13"
        default: dtlsVersion(v)
        }
    }

    /// Zeek's names of DTLS versions ("DTLSv12"); others as Zeek writes them ("unknown-771").
    static func dtlsVersion(_ v: UInt16) -> String {
        switch v {
        case 0xFEFF: "DTLSv10"
        case 0xFEFD: "DTLSv12"
        case 0xFEFC: "DTLSv13"
        default: "unknown-\(v)"
        }
    }
}

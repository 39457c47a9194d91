extension AppReport {
    /// The handshake facts kept from a `TLSSession` (its buffers are released with the flow).
    struct TLS: Sendable {
        var version: TLSVersion?
        var cipher: String?
        var sni: String?
        var alpn: String?
        var certificateRequested: Bool
        var clientCertificate: TLSClientCertificateStatus
        var clientKeyExchangeSent: Bool
        var serverHelloSeen: Bool
        var origAlert: TLSAlert?
        var respAlert: TLSAlert?
        var encryptedAlerts: Int
        /// Application-data records (during and after the handshake).
        var applicationDataRecords: Int
        var outcome: TLSOutcome
        var handshakeDuration: Int64?
        var server: [CertificateSummary]
        var client: [CertificateSummary]
        var serverSeenAt: Int64
        var clientSeenAt: Int64
        /// Where each direction stopped parsing, if it did: (direction, reason, stream offset).
        var malformed: [(from: String, reason: TLSMalformation, offset: Int)]

        /// Writes the flow's `tls` object.
        func write(to w: inout JSONWriter) {
            let t = self
            w.beginObject("tls")
            w.value("version", t.version?.description)
            w.value("cipher", t.cipher)
            w.value("sni", t.sni)
            w.value("alpn", t.alpn)
            w.value("client_cert_requested", t.certificateRequested)
            if t.outcome == .notCaptured { w.null("client_cert") } else { w.value("client_cert", t.clientCertificate.name) }
            w.handshakeParties(server: t.server, seenAt: t.serverSeenAt, client: t.client, seenAt: t.clientSeenAt,
                               origAlert: t.origAlert, respAlert: t.respAlert)
            w.value("encrypted_alerts", t.encryptedAlerts)
            w.value("application_data_records", t.applicationDataRecords)
            w.value("handshake", t.outcome.name)
            if let d = t.handshakeDuration { w.value("handshake_ms", Double(d) / 1e6) } else { w.null("handshake_ms") }
            w.beginArray("malformed")
            for m in t.malformed {
                w.beginObject()
                w.value("from", m.from)
                w.value("reason", m.reason.name)
                w.value("offset", m.offset)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
    }
}

extension AppReport.TLS {
    /// The report's view of a flow's TLS state; nil when no handshake message was seen.
    init?(_ state: TLSStreamState, firstTimestamp: Int64, certificates: CertificateCache) {
        let session = state.session
        guard session.clientHello != nil || session.serverHello != nil || session.handshakeNotCaptured
                || session.orig.malformation != nil || session.resp.malformation != nil else { return nil }
        var malformed: [(from: String, reason: TLSMalformation, offset: Int)] = []
        if let m = session.orig.malformation { malformed.append(("orig", m, session.orig.malformationOffset)) }
        if let m = session.resp.malformation { malformed.append(("resp", m, session.resp.malformationOffset)) }
        let server = session.serverCertificates.map(certificates.chain) ?? []
        let client = session.clientCertificates.map(certificates.chain) ?? []
        let version = session.negotiatedVersion ?? (session.handshakeNotCaptured ? session.recordVersion : nil)
        self.init(version: version, cipher: session.serverHello?.cipherSuiteName,
                  sni: session.clientHello?.serverName, alpn: session.serverHello?.alpn ?? session.clientHello?.alpnFirst,
                  certificateRequested: session.certificateRequested, clientCertificate: session.clientCertificate,
                  clientKeyExchangeSent: session.orig.handshakeTypes.contains(.clientKeyExchange), serverHelloSeen: session.serverHello != nil,
                  origAlert: session.orig.firstAlert, respAlert: session.resp.firstAlert,
                  encryptedAlerts: session.orig.encryptedAlerts + session.resp.encryptedAlerts
                      + state.origRecords.alerts + state.respRecords.alerts,
                  applicationDataRecords: session.orig.applicationDataRecords + session.resp.applicationDataRecords
                      + state.origRecords.applicationData + state.respRecords.applicationData,
                  outcome: session.outcome, handshakeDuration: session.handshakeDuration,
                  server: server, client: client, serverSeenAt: session.serverCertificates?.timestamp ?? firstTimestamp,
                  clientSeenAt: session.clientCertificates?.timestamp ?? firstTimestamp, malformed: malformed)
    }
}

extension JSONWriter {
    /// The `certificates` object and `alerts` array that the `tls` and `dtls` objects share:
    /// each side's chain (validity judged when it was sent) and each side's first clear alert.
    mutating func handshakeParties(server: [CertificateSummary], seenAt serverSeenAt: Int64,
                                   client: [CertificateSummary], seenAt clientSeenAt: Int64,
                                   origAlert: TLSAlert?, respAlert: TLSAlert?) {
        beginObject("certificates")
        beginArray("server")
        for c in server { c.write(to: &self, seenAt: serverSeenAt) }
        endArray()
        beginArray("client")
        for c in client { c.write(to: &self, seenAt: clientSeenAt) }
        endArray()
        endObject()
        beginArray("alerts")
        for (from, alert) in [("orig", origAlert), ("resp", respAlert)] {
            if let a = alert {
                beginObject()
                value("from", from)
                value("level", a.levelName)
                value("description", a.name)
                endObject()
            }
        }
        endArray()
    }
}

extension CertificateSummary {
    /// Writes one certificate's summary (`seenAt`: when it was sent, for its validity then).
    func write(to w: inout JSONWriter, seenAt: Int64) {
        let c = self
        w.beginObject()
        w.value("subject", c.subject)
        w.value("issuer", c.issuer)
        w.beginArray("san")
        for n in c.dnsNames { w.value(nil, n) }
        w.endArray()
        if c.hasValidity {
            w.time("not_before", c.notBefore)
            w.time("not_after", c.notAfter)
        } else {
            w.null("not_before")
            w.null("not_after")
        }
        w.value("expired_at_capture", c.expiredAtCapture(seenAt))
        w.value("not_yet_valid", c.notYetValid(seenAt))
        w.value("sha256", c.sha256)
        if let e = c.parseError { w.value("parse_error", e) }
        w.endObject()
    }
}

extension TLSClientCertificateStatus {
    /// The report's word for it.
    var name: String {
        switch self {
        case .absent: "absent"
        case .empty: "empty"
        case .present: "present"
        case .encrypted: "encrypted"
        }
    }
}

extension TLSOutcome {
    /// The report's word for it.
    var name: String {
        switch self {
        case .complete: "complete"
        case .failed: "failed"
        case .incomplete: "incomplete"
        case .notCaptured: "not_captured"
        }
    }
}

/// The frozen facts of one flow's DTLS, for the report's `dtls` object: the `tls` object's
/// fields (report-schema.md) plus `srtp_profile`, `connection_id` and DTLS's own counters.
public struct DTLSReport: Sendable {
    public var version: DTLSVersion?
    public var cipher: String?
    public var sni: String?
    public var alpn: String?
    public var srtpProfile: SRTPProtectionProfile?
    /// The connection id the server asked to receive (it is in the client's records), or
    /// else the one the client asked for; nil when neither hello negotiated one.
    public var connectionID: [UInt8]?
    public var certificateRequested: Bool
    public var clientCertificate: TLSClientCertificateStatus
    public var origAlert: TLSAlert?
    public var respAlert: TLSAlert?
    public var encryptedAlerts: Int
    public var applicationDataRecords: Int
    public var outcome: TLSOutcome
    public var handshakeDuration: Int64?
    public var server: [CertificateSummary]
    public var client: [CertificateSummary]
    public var serverSeenAt: Int64
    public var clientSeenAt: Int64
    /// Whether the ServerHello came from the flow's originator (nil without one): whose
    /// certificates `server` are.
    public var serverIsOriginator: Bool?
    /// A HelloVerifyRequest (cookie exchange) was seen.
    public var helloVerifyRequest: Bool
    /// Handshake fragments that repeated messages already read (retransmitted flights).
    public var retransmittedFragments: Int
    /// Where each direction stopped parsing, if it did.
    public var malformed: [(from: String, failure: DTLSFailure)]
    /// The chains' text for the report (`CertificateCache`).
    var serverText: CertificateChainText?
    var clientText: CertificateChainText?

    /// Freezes `state`. `firstTimestamp` is the flow's first packet (the validity instant
    /// when a chain was not seen); certificates are summarised through `certificates`.
    init(_ state: DTLSFlowState, firstTimestamp: Int64, certificates: CertificateCache) {
        let s = state.serverHello
        let ch = state.clientHello
        version = state.version
        cipher = s?.cipherSuiteName
        sni = ch?.hello.serverName
        alpn = s?.hello.alpn ?? ch?.hello.alpnFirst
        srtpProfile = s?.srtpProfile
        connectionID = s?.connectionID.flatMap { $0.isEmpty ? nil : $0 } ?? ch?.connectionID.flatMap { $0.isEmpty ? nil : $0 }
        certificateRequested = state.certificateRequested
        let clientSent = state.clientIsOriginator.map { $0 ? state.orig : state.resp }
        if let list = state.clientCertificates {
            clientCertificate = list.isEmpty ? .empty : .present
        } else if version?.isDTLS13 == true {
            clientCertificate = .encrypted
        } else {
            clientCertificate = clientSent?.handshakeTypes.contains(TLSHandshakeType.certificate) == true ? .empty : .absent
        }
        origAlert = state.orig.firstAlert
        respAlert = state.resp.firstAlert
        encryptedAlerts = state.orig.encryptedAlerts + state.resp.encryptedAlerts
        applicationDataRecords = state.orig.applicationDataRecords + state.resp.applicationDataRecords
        outcome = state.outcome
        handshakeDuration = state.handshakeDuration
        let serverChain = state.serverCertificates.map(certificates.cachedChain)
        let clientChain = state.clientCertificates.map(certificates.cachedChain)
        server = serverChain?.summaries ?? []
        client = clientChain?.summaries ?? []
        serverText = serverChain?.text
        clientText = clientChain?.text
        serverSeenAt = state.serverCertificates?.timestamp ?? firstTimestamp
        clientSeenAt = state.clientCertificates?.timestamp ?? firstTimestamp
        serverIsOriginator = state.serverIsOriginator
        helloVerifyRequest = state.helloVerifyRequest != nil
        retransmittedFragments = state.orig.retransmittedFragments + state.resp.retransmittedFragments
        malformed = []
        if let f = state.orig.failure { malformed.append(("orig", f)) }
        if let f = state.resp.failure { malformed.append(("resp", f)) }
    }

    /// Freezes `state` with certificates summarised afresh (no cache shared between flows).
    public init(_ state: DTLSFlowState, firstTimestamp: Int64) {
        self.init(state, firstTimestamp: firstTimestamp, certificates: CertificateCache())
    }

    /// Writes the flow's `dtls` object.
    public func write(to w: inout JSONWriter) {
        w.beginObject("dtls")
        w.value("version", version?.description)
        w.value("cipher", cipher)
        w.value("sni", sni)
        w.value("alpn", alpn)
        w.value("srtp_profile", srtpProfile?.description)
        w.value("connection_id", connectionID.map(Self.hex))
        w.value("client_cert_requested", certificateRequested)
        if outcome == .notCaptured { w.null("client_cert") } else { w.value("client_cert", clientCertificate.name) }
        w.handshakeParties(server: server, seenAt: serverSeenAt, client: client, seenAt: clientSeenAt,
                           serverText: serverText, clientText: clientText, origAlert: origAlert, respAlert: respAlert)
        w.value("encrypted_alerts", encryptedAlerts)
        w.value("application_data_records", applicationDataRecords)
        w.value("handshake", outcome.name)
        if let d = handshakeDuration { w.value("handshake_ms", Double(d) / 1e6) } else { w.null("handshake_ms") }
        w.value("hello_verify_request", helloVerifyRequest)
        w.value("retransmitted_fragments", retransmittedFragments)
        w.beginArray("malformed")
        for m in malformed {
            w.beginObject()
            w.value("from", m.from)
            w.value("reason", m.failure.reason.name)
            w.value("offset", Int(m.failure.offset))
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    /// Lower-case hex of a connection id.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension DTLSReport {
    /// The table report's DTLS section: failed handshakes first, then the busiest flows.
    static let tableLayout = TableSection.Layout(
        title: "DTLS", noun: "flow", which: "busiest, failed handshakes first", fixed: 37, flowGap: 5, leadHeading: "", flowHeading: "FLOW",
        columnsHeading: TableReportWriter.pad("VERSION", 10) + TableReportWriter.pad("HANDSHAKE", 13) + TableReportWriter.lpad("HS ms", 7))

    /// The flow's row in that section: version, handshake outcome and time; then the cipher,
    /// SRTP profile and alerts.
    func tableRow(_ f: FlowSummary) -> TableSection.Row {
        typealias T = TableReportWriter
        var notes: [String] = []
        if let cipher { notes.append(cipher) }
        if let srtpProfile { notes.append(srtpProfile.description) }
        for (alert, fromResponder) in [(origAlert, false), (respAlert, true)] {
            if let a = alert { notes.append("\(a.levelName) alert \(a.name) from \(fromResponder ? "responder" : "originator")") }
        }
        if outcome == .failed, encryptedAlerts > 0 { notes.append("encrypted alerts \(encryptedAlerts)") }
        let ms = handshakeDuration.map { T.fixed(Double($0) / 1e6) } ?? "-"
        let text = T.pad(version?.description ?? "-", 10) + T.pad(outcome.name, 13) + T.lpad(ms, 7)
        return TableSection.Row(rank: (outcome == .failed ? 1 : 0, Double(f.origPkts + f.respPkts)), from: T.endpoint(f),
                                to: T.endpoint(f, responder: true), text: text,
                                notes: T.wrap(notes.joined(separator: "; "), width: 74))
    }
}

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
        /// The chains' text for the report, when they were summarised through a cache.
        var serverText: CertificateChainText? = nil
        var clientText: CertificateChainText? = nil

        /// Writes the flow's `tls` object: its members through cursors, in room made for their
        /// texts (keys are literal runs).
        func write(to w: inout JSONWriter) {
            let t = self
            w.open(literal: "\"tls\":{")
            w.separate()
            // The version, client certificate and outcome words are static text, written as they
            // are (no string made, measured nor escaped); room: a version's "0x" and four hex digits.
            var c = w.cursor(room: 200 &+ JSONCursor.quotedRoom(t.cipher) &+ JSONCursor.quotedRoom(t.sni) &+ JSONCursor.quotedRoom(t.alpn))
            c.literal("\"version\":")
            if let v = t.version {
                if let name = v.staticName { Self.quotedWord(name, &c) } else { c.quoted(v.description) }
            } else {
                c.literal("null")
            }
            c.literal(",\"cipher\":")
            c.quoted(t.cipher)
            c.literal(",\"sni\":")
            c.quoted(t.sni)
            c.literal(",\"alpn\":")
            c.quoted(t.alpn)
            c.literal(t.certificateRequested ? ",\"client_cert_requested\":true,\"client_cert\":" : ",\"client_cert_requested\":false,\"client_cert\":")
            if t.outcome == .notCaptured { c.literal("null") } else { Self.quotedWord(t.clientCertificate.staticName, &c) }
            w.commit(c)
            w.handshakeParties(server: t.server, seenAt: t.serverSeenAt, client: t.client, seenAt: t.clientSeenAt,
                               serverText: t.serverText, clientText: t.clientText, origAlert: t.origAlert, respAlert: t.respAlert)
            var room = 200 &+ JSONCursor.decimalRoom
            for m in t.malformed { room &+= 64 &+ JSONCursor.quotedRoom(m.from) &+ JSONCursor.quotedRoom(m.reason.name) }
            c = w.cursor(room: room)
            c.literal(",\"encrypted_alerts\":")
            c.integer(t.encryptedAlerts)
            c.literal(",\"application_data_records\":")
            c.integer(t.applicationDataRecords)
            c.literal(",\"handshake\":")
            Self.quotedWord(t.outcome.staticName, &c)
            c.literal(",\"handshake_ms\":")
            if let d = t.handshakeDuration { c.milliseconds(d) } else { c.literal("null") }
            c.literal(",\"malformed\":[")
            for (i, m) in t.malformed.enumerated() {
                c.literal(i == 0 ? "{\"from\":" : ",{\"from\":")
                c.quoted(m.from)
                c.literal(",\"reason\":")
                c.quoted(m.reason.name)
                c.literal(",\"offset\":")
                c.integer(m.offset)
                c.byte(0x7D)
            }
            c.literal("]}")
            w.commit(c)
            w.closed()
        }

        /// A report word (static text that needs no escape) between quotes.
        @inline(__always)
        private static func quotedWord(_ word: StaticString, _ c: inout JSONCursor) {
            c.byte(0x22)
            c.literal(word)
            c.byte(0x22)
        }
    }
}

extension AppReport.TLS {
    /// The report's view of a flow's TLS state; nil when no handshake message was seen.
    /// `state`: the frozen state where it lies, each field read in place (a state or session
    /// passed or bound by value was copied, hellos and all, and destroyed per flow).
    init?(_ state: UnsafePointer<TLSStreamState>, firstTimestamp: Int64, certificates: CertificateCache) {
        guard state.pointee.session.clientHello != nil || state.pointee.session.serverHello != nil
                || state.pointee.session.handshakeNotCaptured
                || state.pointee.session.orig.malformation != nil || state.pointee.session.resp.malformation != nil else { return nil }
        var malformed: [(from: String, reason: TLSMalformation, offset: Int)] = []
        if let m = state.pointee.session.orig.malformation { malformed.append(("orig", m, state.pointee.session.orig.malformationOffset)) }
        if let m = state.pointee.session.resp.malformation { malformed.append(("resp", m, state.pointee.session.resp.malformationOffset)) }
        let server = state.pointee.session.serverCertificates.map(certificates.cachedChain)
        let client = state.pointee.session.clientCertificates.map(certificates.cachedChain)
        let version = state.pointee.session.negotiatedVersion ?? (state.pointee.session.handshakeNotCaptured ? state.pointee.session.recordVersion : nil)
        self.init(version: version, cipher: state.pointee.session.serverHello?.cipherSuiteName,
                  sni: state.pointee.session.clientHello?.serverName,
                  alpn: state.pointee.session.serverHello?.alpn ?? state.pointee.session.clientHello?.alpnFirst,
                  certificateRequested: state.pointee.session.certificateRequested, clientCertificate: state.pointee.session.clientCertificate,
                  clientKeyExchangeSent: state.pointee.session.orig.handshakeTypes.contains(.clientKeyExchange),
                  serverHelloSeen: state.pointee.session.serverHello != nil,
                  origAlert: state.pointee.session.orig.firstAlert, respAlert: state.pointee.session.resp.firstAlert,
                  encryptedAlerts: state.pointee.session.orig.encryptedAlerts + state.pointee.session.resp.encryptedAlerts
                      + state.pointee.origRecords.alerts + state.pointee.respRecords.alerts,
                  applicationDataRecords: state.pointee.session.orig.applicationDataRecords + state.pointee.session.resp.applicationDataRecords
                      + state.pointee.origRecords.applicationData + state.pointee.respRecords.applicationData,
                  outcome: state.pointee.session.outcome, handshakeDuration: state.pointee.session.handshakeDuration,
                  server: server?.summaries ?? [], client: client?.summaries ?? [],
                  serverSeenAt: state.pointee.session.serverCertificates?.timestamp ?? firstTimestamp,
                  clientSeenAt: state.pointee.session.clientCertificates?.timestamp ?? firstTimestamp, malformed: malformed,
                  serverText: server?.text, clientText: client?.text)
    }
}

extension JSONWriter {
    /// The `certificates` object and `alerts` array that the `tls` and `dtls` objects share:
    /// each side's chain (validity judged when it was sent) and each side's first clear alert.
    /// `serverText` / `clientText`: the chains' text made once (`CertificateCache`), written
    /// instead of each summary when given.
    mutating func handshakeParties(server: [CertificateSummary], seenAt serverSeenAt: Int64,
                                   client: [CertificateSummary], seenAt clientSeenAt: Int64,
                                   serverText: CertificateChainText? = nil, clientText: CertificateChainText? = nil,
                                   origAlert: TLSAlert?, respAlert: TLSAlert?) {
        open(literal: "\"certificates\":{")
        open(literal: "\"server\":[")
        if let serverText { serverText.write(to: &self, seenAt: serverSeenAt) } else { for c in server { c.write(to: &self, seenAt: serverSeenAt) } }
        endArray()
        open(literal: "\"client\":[")
        if let clientText { clientText.write(to: &self, seenAt: clientSeenAt) } else { for c in client { c.write(to: &self, seenAt: clientSeenAt) } }
        endArray()
        endObject()
        open(literal: "\"alerts\":[")
        if let a = origAlert { alert(a, from: "orig") }
        if let a = respAlert { alert(a, from: "resp") }
        endArray()
    }

    /// One side's alert in the `alerts` array.
    private mutating func alert(_ a: TLSAlert, from: StaticString) {
        let level = a.levelName, description = a.name
        separate()
        var c = cursor(room: 64 &+ JSONCursor.quotedRoom(level) &+ JSONCursor.quotedRoom(description))
        c.literal("{\"from\":\"")
        c.literal(from)
        c.literal("\",\"level\":")
        c.quoted(level)
        c.literal(",\"description\":")
        c.quoted(description)
        c.byte(0x7D)
        commit(c)
    }
}

extension CertificateSummary {
    /// Writes one certificate's summary (`seenAt`: when it was sent, for its validity then)
    /// through one cursor, in room made for its texts.
    func write(to w: inout JSONWriter, seenAt: Int64) {
        let validity = hasValidity ? (TimeFormat.isoParts(notBefore, &w), TimeFormat.isoParts(notAfter, &w)) : nil
        w.separate()
        var c = w.cursor(room: jsonRoom)
        writeHead(&c, validity: validity)
        Self.writeValidityAt(&c, expired: expiredAtCapture(seenAt), notYetValid: notYetValid(seenAt))
        writeTail(&c)
        w.commit(c)
    }

    /// Room `write` may take.
    var jsonRoom: Int {
        var room = 256 &+ JSONCursor.quotedRoom(subject) &+ JSONCursor.quotedRoom(issuer) &+ JSONCursor.quotedRoom(sha256)
            &+ JSONCursor.quotedRoom(parseError)
        for n in dnsNames { room &+= 1 &+ JSONCursor.quotedRoom(n) }
        return room
    }

    /// The summary's object up to its validity bounds (`validity`: their seconds' text and
    /// microseconds, when read): what does not depend on when the certificate was sent.
    private func writeHead(_ c: inout JSONCursor, validity: ((TimeFormat.SecondText, Int), (TimeFormat.SecondText, Int))?) {
        c.literal("{\"subject\":")
        c.quoted(subject)
        c.literal(",\"issuer\":")
        c.quoted(issuer)
        c.literal(",\"san\":[")
        for (i, n) in dnsNames.enumerated() {
            if i > 0 { c.byte(0x2C) }
            c.quoted(n)
        }
        if let validity {
            c.literal("],\"not_before\":\"")
            c.iso8601(validity.0.0, micros: validity.0.1)
            c.literal("\",\"not_after\":\"")
            c.iso8601(validity.1.0, micros: validity.1.1)
            c.byte(0x22)
        } else {
            c.literal("],\"not_before\":null,\"not_after\":null")
        }
    }

    /// The members that depend on when the certificate was sent.
    @inline(__always)
    fileprivate static func writeValidityAt(_ c: inout JSONCursor, expired: Bool, notYetValid: Bool) {
        c.literal(expired ? ",\"expired_at_capture\":true" : ",\"expired_at_capture\":false")
        c.literal(notYetValid ? ",\"not_yet_valid\":true" : ",\"not_yet_valid\":false")
    }

    /// The summary's object after `writeValidityAt`'s members.
    private func writeTail(_ c: inout JSONCursor) {
        c.literal(",\"sha256\":")
        c.quoted(sha256)
        if let e = parseError {
            c.literal(",\"parse_error\":")
            c.quoted(e)
        }
        c.byte(0x7D)
    }

    /// `write`'s text but for the members that depend on when the certificate was sent:
    /// `head` goes before them, `tail` after.
    fileprivate func jsonParts() -> (head: [UInt8], tail: [UInt8]) {
        var w = JSONWriter(capacity: jsonRoom)
        let validity = hasValidity ? (TimeFormat.isoParts(notBefore, &w), TimeFormat.isoParts(notAfter, &w)) : nil
        var c = w.cursor(room: jsonRoom)
        writeHead(&c, validity: validity)
        w.commit(c)
        let head = Array(w.bytes)
        w.reset()
        c = w.cursor(room: jsonRoom)
        writeTail(&c)
        w.commit(c)
        return (head, Array(w.bytes))
    }
}

/// A chain's certificates as the report's `certificates` arrays show them, made once per chain
/// (`CertificateCache`): each summary's text but for whether it had expired or was not yet
/// valid when sent, which is judged as each flow's chain is written.
final class CertificateChainText: Sendable {
    private let text: [UInt8]
    private let parts: [(head: Range<Int>, tail: Range<Int>, hasValidity: Bool, notBefore: Int64, notAfter: Int64)]

    init(_ chain: [CertificateSummary]) {
        var text: [UInt8] = []
        var parts: [(head: Range<Int>, tail: Range<Int>, hasValidity: Bool, notBefore: Int64, notAfter: Int64)] = []
        for s in chain {
            let (head, tail) = s.jsonParts()
            let h = text.count..<text.count + head.count
            text += head
            parts.append((h, text.count..<text.count + tail.count, s.hasValidity, s.notBefore, s.notAfter))
            text += tail
        }
        self.text = text
        self.parts = parts
    }

    /// Writes the chain's summaries into the open array (`seenAt`: when the chain was sent),
    /// as `CertificateSummary.write` writes each.
    func write(to w: inout JSONWriter, seenAt: Int64) {
        text.withUnsafeBufferPointer { all in
            for p in parts {
                w.separate()
                var c = w.cursor(room: p.head.count &+ p.tail.count &+ 64)
                c.bytes(UnsafeBufferPointer(rebasing: all[p.head]))
                CertificateSummary.writeValidityAt(&c, expired: p.hasValidity && seenAt > p.notAfter,
                                                   notYetValid: p.hasValidity && seenAt < p.notBefore)
                c.bytes(UnsafeBufferPointer(rebasing: all[p.tail]))
                w.commit(c)
            }
        }
    }
}

extension TLSClientCertificateStatus {
    /// The report's word for it.
    var name: String { staticName.description }

    /// `name`, as static text (written as it is: no escape).
    var staticName: StaticString {
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
    var name: String { staticName.description }

    /// `name`, as static text (written as it is: no escape).
    var staticName: StaticString {
        switch self {
        case .complete: "complete"
        case .failed: "failed"
        case .incomplete: "incomplete"
        case .notCaptured: "not_captured"
        }
    }
}

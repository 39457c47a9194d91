#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a flow's application protocols showed, for the report's `stun`, `rtp`, `tls` and
/// `sip` fields and for the findings. Built once, when the flow ends.
struct AppReport: Sendable {
    struct STUN: Sendable {
        var stats: STUNFlowStats
        var rtt: (min: Double, p50: Double, p95: Double, max: Double)?
        /// Messages per method that had any, by class (request, indication, success, error).
        var byMethod: [(name: String, counts: InlineArray<4, Int>)]
        var errors: [(code: Int, count: Int)]
    }

    struct RTPStream: Sendable {
        var ssrc: UInt32
        var payloadType: UInt8
        var fromOriginator: Bool
        var stats: RTPStreamStats
        var lossFraction: Double { stats.expected > 0 ? Double(stats.lostForReport) / Double(stats.expected) : 0 }
    }

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
    }

    /// Boxed: 1.5 KB that most flows (media without STUN) would otherwise carry while they
    /// wait in the classification window.
    private var stunBox: FrozenBox<STUN>?
    var stun: STUN? { stunBox?.value }
    var rtp: [RTPStream] = []
    var rtcp: (sr: Int, rr: Int, other: Int)?
    var tls: TLS?
    var sip: SIPCounts?

    /// Last packet of the flow, to tell whether a TURN allocation ran out within the capture.
    var lastTimestamp: Int64 = 0

    init(_ ins: FlowInspection, firstTimestamp: Int64, lastTimestamp: Int64 = 0, certificates: CertificateCache) {
        self.lastTimestamp = lastTimestamp
        let s = ins.stun
        if s.messages > 0 || s.channelDataPackets > 0 {
            var byMethod: [(name: String, counts: InlineArray<4, Int>)] = []
            byMethod.reserveCapacity(4)
            for m in STUNMethod.allCases {
                var counts = InlineArray<4, Int>(repeating: 0)
                var any = 0
                for c in 0..<4 {
                    counts[c] = s.count(m, STUNClass(rawValue: UInt8(c))!)
                    any |= counts[c]
                }
                if any != 0 { byMethod.append((m.name, counts)) }
            }
            var errors: [(code: Int, count: Int)] = []
            for i in 0..<STUNFlowStats.errorSlots where s.errorCount[i] > 0 { errors.append((Int(s.errorCode[i]), Int(s.errorCount[i]))) }
            var rtt: (Double, Double, Double, Double)? = nil
            if s.rttCount > 0 {
                var samples = (0..<min(s.rttCount, STUNFlowStats.rttSlots)).map { s.rtt[$0] }
                samples.sort()
                let ms = { (ns: Int64) in Double(ns) / 1e6 }
                let pick = { (q: Double) in samples[min(samples.count - 1, Int((q * Double(samples.count - 1)).rounded()))] }
                rtt = (ms(s.rttMin), ms(pick(0.5)), ms(pick(0.95)), ms(s.rttMax))
            }
            stunBox = FrozenBox(STUN(stats: s, rtt: rtt, byMethod: byMethod, errors: errors))
        }
        let r = ins.rtp
        for i in 0..<r.streams where r.confirmed[i] {
            rtp.append(RTPStream(ssrc: r.ssrc[i], payloadType: r.payloadType[i], fromOriginator: r.fromOriginator[i], stats: r.stats[i]))
        }
        if r.senderReports + r.receiverReports + r.otherRTCP > 0 { rtcp = (r.senderReports, r.receiverReports, r.otherRTCP) }
        if let session = ins.tls,
           session.clientHello != nil || session.serverHello != nil || session.handshakeNotCaptured
            || session.orig.malformation != nil || session.resp.malformation != nil {
            var malformed: [(from: String, reason: TLSMalformation, offset: Int)] = []
            if let m = session.orig.malformation { malformed.append(("orig", m, session.orig.malformationOffset)) }
            if let m = session.resp.malformation { malformed.append(("resp", m, session.resp.malformationOffset)) }
            let server = session.serverCertificates.map(certificates.chain) ?? []
            let client = session.clientCertificates.map(certificates.chain) ?? []
            let version = session.negotiatedVersion ?? (session.handshakeNotCaptured ? session.recordVersion : nil)
            tls = TLS(version: version, cipher: session.serverHello?.cipherSuiteName,
                      sni: session.clientHello?.serverName, alpn: session.serverHello?.alpn ?? session.clientHello?.alpnFirst,
                      certificateRequested: session.certificateRequested, clientCertificate: session.clientCertificate,
                      clientKeyExchangeSent: session.orig.handshakeTypes.contains(16), serverHelloSeen: session.serverHello != nil,
                      origAlert: session.orig.firstAlert, respAlert: session.resp.firstAlert,
                      encryptedAlerts: session.orig.encryptedAlerts + session.resp.encryptedAlerts
                          + ins.origRecords.alerts + ins.respRecords.alerts,
                      applicationDataRecords: session.orig.applicationDataRecords + session.resp.applicationDataRecords
                          + ins.origRecords.applicationData + ins.respRecords.applicationData,
                      outcome: session.outcome, handshakeDuration: session.handshakeDuration,
                      server: server, client: client, serverSeenAt: session.serverCertificates?.timestamp ?? firstTimestamp,
                      clientSeenAt: session.clientCertificates?.timestamp ?? firstTimestamp, malformed: malformed)
        }
        if ins.sip.messages > 0 { sip = ins.sip }
    }

    var isEmpty: Bool { stun == nil && rtp.isEmpty && rtcp == nil && tls == nil && sip == nil }

    // MARK: JSON

    func write(to w: inout JSONWriter) {
        if let stun { writeSTUN(stun, to: &w) }
        if !rtp.isEmpty {
            w.beginArray("rtp")
            for s in rtp {
                w.beginObject()
                w.hex("ssrc", s.ssrc)
                w.value("payload_type", Int(s.payloadType))
                w.value("dir", s.fromOriginator ? "orig" : "resp")
                w.value("packets", Int(s.stats.packets))
                w.value("expected", Int(s.stats.expected))
                w.value("lost", Int(s.stats.lostForReport))
                w.value("jitter_ms", s.stats.jitterMilliseconds)
                w.value("max_jitter_ms", s.stats.maxJitterMilliseconds)
                w.endObject()
            }
            w.endArray()
        }
        if let rtcp {
            w.beginObject("rtcp")
            w.value("sender_reports", rtcp.sr)
            w.value("receiver_reports", rtcp.rr)
            w.value("other", rtcp.other)
            w.endObject()
        }
        if let tls { writeTLS(tls, to: &w) }
        if let sip {
            w.beginObject("sip")
            w.beginObject("requests")
            for m in SIPMethod.allCases where Int(m.rawValue) < 24 && sip.requests[Int(m.rawValue)] > 0 {
                w.value(JSONKey(m.name), Int(sip.requests[Int(m.rawValue)]))
            }
            w.endObject()
            w.beginObject("responses")
            for (code, n) in sip.responses.sorted(by: { $0.key < $1.key }) { w.value(JSONKey(String(code)), n) }
            w.endObject()
            w.beginArray("call_ids")
            for id in sip.callIDs { w.value(nil, id) }
            w.endArray()
            w.endObject()
        }
    }

    private func writeSTUN(_ s: STUN, to w: inout JSONWriter) {
        let st = s.stats
        w.beginObject("stun")
        w.value("messages", st.messages)
        let total = { (c: Int) in s.byMethod.reduce(0) { $0 + $1.counts[c] } }
        w.value("requests", total(0))
        w.value("indications", total(1))
        w.value("success", total(2))
        w.value("errors", total(3))
        w.beginObject("by_method")
        for (name, c) in s.byMethod {
            w.beginObject(JSONKey(name))
            w.value("request", c[0])
            w.value("success", c[2])
            w.value("error", c[3])
            w.value("indication", c[1])
            w.endObject()
        }
        w.endObject()
        w.value("transactions_matched", st.matched)
        w.value("unanswered", st.unanswered)
        w.value("retransmissions", st.retransmissions)
        if let rtt = s.rtt {
            w.beginObject("rtt_ms")
            w.value("min", rtt.min)
            w.value("p50", rtt.p50)
            w.value("p95", rtt.p95)
            w.value("max", rtt.max)
            w.endObject()
        } else {
            w.null("rtt_ms")
        }
        w.beginObject("error_codes")
        for e in s.errors { w.value(JSONKey(String(e.code)), e.count) }
        w.endObject()
        w.value("ms_turn", st.msTURN)
        if let v = st.msVersion { w.value("ms_version", Int(v)) } else { w.null("ms_version") }
        if let a = st.mapped { w.endpoint("mapped", a.ip, port: a.port, bracketed: !a.isIPv4) } else { w.null("mapped") }
        if let a = st.relayed { w.endpoint("relayed", a.ip, port: a.port, bracketed: !a.isIPv4) } else { w.null("relayed") }
        w.beginObject("channel_data")
        w.value("packets", st.channelDataPackets)
        w.value("bytes", st.channelDataBytes)
        w.endObject()
        w.beginObject("allocation")
        w.value("requests", st.allocateRequests)
        w.value("challenges", st.allocateChallenges)
        w.value("successes", st.allocateSuccesses)
        w.value("failures", st.allocateFailures)
        w.value("refreshes", st.refreshes)
        w.value("released", st.released)
        if let l = st.lifetime { w.value("lifetime_s", Int(l)) } else { w.null("lifetime_s") }
        if let at = st.grantedAt, !st.released {
            let end = at + Int64(st.grantedLifetime) * 1_000_000_000
            w.time("expires_at", end)
            // Expired: the flow went on past the end of the lifetime without a refresh.
            w.value("expired", lastTimestamp > end)
        }
        w.endObject()
        w.beginArray("channels")
        for i in 0..<st.channels {
            w.beginObject()
            w.hex("channel", UInt32(st.channel[i]))
            let peer = st.channelPeer[i]
            w.endpoint("peer", peer, port: st.channelPeerPort[i], bracketed: !peer.isIPv4Mapped)
            w.value("packets", Int(st.channelPackets[i]))
            w.endObject()
        }
        w.endArray()
        w.value("malformed", st.malformed)
        w.endObject()
    }

    private func writeTLS(_ t: TLS, to w: inout JSONWriter) {
        w.beginObject("tls")
        w.value("version", t.version?.description)
        w.value("cipher", t.cipher)
        w.value("sni", t.sni)
        w.value("alpn", t.alpn)
        w.value("client_cert_requested", t.certificateRequested)
        if t.outcome == .notCaptured { w.null("client_cert") } else { w.value("client_cert", clientCertText(t.clientCertificate)) }
        w.beginObject("certificates")
        w.beginArray("server")
        for c in t.server { writeCertificate(c, seenAt: t.serverSeenAt, to: &w) }
        w.endArray()
        w.beginArray("client")
        for c in t.client { writeCertificate(c, seenAt: t.clientSeenAt, to: &w) }
        w.endArray()
        w.endObject()
        w.beginArray("alerts")
        for (from, alert) in [("orig", t.origAlert), ("resp", t.respAlert)] {
            if let a = alert {
                w.beginObject()
                w.value("from", from)
                w.value("level", a.levelName)
                w.value("description", a.name)
                w.endObject()
            }
        }
        w.endArray()
        w.value("encrypted_alerts", t.encryptedAlerts)
        w.value("application_data_records", t.applicationDataRecords)
        w.value("handshake", outcomeText(t.outcome))
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

    private func writeCertificate(_ c: CertificateSummary, seenAt: Int64, to w: inout JSONWriter) {
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

    func clientCertText(_ s: TLSClientCertificateStatus) -> String {
        switch s {
        case .absent: "absent"
        case .empty: "empty"
        case .present: "present"
        case .encrypted: "encrypted"
        }
    }

    func outcomeText(_ o: TLSOutcome) -> String {
        switch o {
        case .complete: "complete"
        case .failed: "failed"
        case .incomplete: "incomplete"
        case .notCaptured: "not_captured"
        }
    }
}

/// An immutable value on the heap.
final class FrozenBox<Value: Sendable>: Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Certificate summaries by DER bytes: an Edge presents the same chain on every connection,
/// so each certificate is parsed once (at most `limit` kept).
final class CertificateCache {
    /// Keyed by a 64-bit FNV-1a hash of the DER, read 8 bytes at a time (Hasher would feed
    /// the slice byte by byte); the DER is compared on a hit.
    private var summaries: [UInt64: (der: ArraySlice<UInt8>, summary: CertificateSummary)] = [:]
    let limit: Int

    init(limit: Int = 4096) { self.limit = limit }

    func chain(_ list: TLSCertificateList) -> [CertificateSummary] {
        (0..<list.count).map { summary(list.der($0)) }
    }

    func summary(_ der: ArraySlice<UInt8>) -> CertificateSummary {
        let key = Self.hash(der)
        if let hit = summaries[key], Self.same(hit.der, der) { return hit.summary }
        if summaries.count >= limit { summaries.removeAll(keepingCapacity: true) }
        let s = CertificateSummary(der: der)
        summaries[key] = (der, s)
        return s
    }

    /// Byte equality by memcmp (`==` on slices compares element by element).
    private static func same(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    static func hash(_ der: ArraySlice<UInt8>) -> UInt64 {
        der.withUnsafeBytes { b in
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            var i = 0
            while i &+ 8 <= b.count {
                h = (h ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01B3
                i &+= 8
            }
            while i < b.count { h = (h ^ UInt64(b[i])) &* 0x0000_0100_0000_01B3; i &+= 1 }
            return h ^ UInt64(b.count)
        }
    }
}

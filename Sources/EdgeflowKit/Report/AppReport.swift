/// What a flow's application protocols showed, for the report's `stun`, `rtp`, `rtcp`, `tls`,
/// `dtls` and `sip` fields and for the findings: each protocol's part is built and written by its
/// folder (Protocols/<name>/<name>Report.swift). Built once, when the flow ends.
struct AppReport: Sendable {
    /// Boxed: 1.5 KB that most flows (media without STUN) would otherwise carry while they
    /// wait in the classification window.
    private var stunBox: FrozenBox<STUN>?
    var stun: STUN? { stunBox?.value }
    var rtp: [RTPStream] = []
    var rtcp: (sr: Int, rr: Int, other: Int)?
    var tls: TLS?
    var dtls: DTLSReport?
    var sip: SIPCounts?

    /// Last packet of the flow, to tell whether a TURN allocation ran out within the capture.
    var lastTimestamp: Int64 = 0

    init(_ facts: InspectionFacts, firstTimestamp: Int64, lastTimestamp: Int64 = 0, certificates: CertificateCache) {
        self.lastTimestamp = lastTimestamp
        stunBox = facts.stun.flatMap { STUN($0.value) }.map(FrozenBox.init)
        if let r = facts.rtp { (rtp, rtcp) = Self.rtp(r.value) }
        tls = facts.tls.flatMap { TLS($0.value, firstTimestamp: firstTimestamp, certificates: certificates) }
        dtls = facts.dtls.map { DTLSReport($0.value, firstTimestamp: firstTimestamp, certificates: certificates) }
        sip = facts.sip.flatMap { $0.messages > 0 ? $0 : nil }
    }

    var isEmpty: Bool { stun == nil && rtp.isEmpty && rtcp == nil && tls == nil && dtls == nil && sip == nil }

    /// Writes each protocol's part of the flow's JSON object.
    func write(to w: inout JSONWriter) {
        stun?.write(to: &w, lastTimestamp: lastTimestamp)
        Self.writeRTP(rtp, rtcp: rtcp, roundTrip: stun?.rtt?.p50, to: &w)
        tls?.write(to: &w)
        dtls?.write(to: &w)
        sip?.write(to: &w)
    }
}

/// An immutable value on the heap.
final class FrozenBox<Value: Sendable>: Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

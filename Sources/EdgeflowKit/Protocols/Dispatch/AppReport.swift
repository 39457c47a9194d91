/// What a flow's application protocols showed, for the report's `stun`, `rtp`, `rtcp`, `tls`,
/// `dtls` and `sip` fields, for the findings and for the table's sections: each protocol's part
/// is built and written by its folder (Protocols/<name>/<name>Report.swift), its findings are
/// checked there (<name>Findings.swift). Built once, when the flow ends, from the dispatcher's
/// `InspectionFacts`; the one list of the protocols' report parts.
///
/// A class, immutable once built: the report part a flow's summary, the calls and the
/// compliance counters share. Its fields are set where it lies on the heap; built as a value
/// and then boxed, it was copied at its initializer's end and the first copy destroyed (eight
/// references retained and released a flow).
final class AppReport: Sendable {
    let stun: STUN?
    let rtp: [RTPStream]
    /// The quality of each stream of `rtp` (same order), worked out once for the report and the calls.
    let rtpQuality: [RTPStreamQuality]
    /// Boxed, as the SIP counts are kept in the dispatcher's frozen state: most flows carry
    /// neither, and hold a reference, not the part.
    private let rtcpBox: FrozenBox<RTCPSummary>?
    var rtcp: RTCPSummary? { rtcpBox?.value }
    /// Boxed: hundreds of bytes that every inspected flow's part would otherwise carry (most
    /// flows carry neither).
    private let tlsBox: FrozenBox<TLS>?
    var tls: TLS? { tlsBox?.value }
    private let dtlsBox: FrozenBox<DTLSReport>?
    var dtls: DTLSReport? { dtlsBox?.value }
    private let sipFacts: FrozenState<SIPCounts>?
    var sip: SIPCounts? { sipFacts?.value }
    /// The flow's transactions for `stun.log` and `dns.log`, kept only when Zeek logs are
    /// written; not part of the JSON report (and not counted by `isEmpty`).
    let transactions: FrozenBox<FlowTransactions>?

    /// Last packet of the flow, to tell whether a TURN allocation ran out within the capture.
    let lastTimestamp: Int64

    init(_ facts: InspectionFacts, firstTimestamp: Int64, lastTimestamp: Int64 = 0, certificates: CertificateCache) {
        self.lastTimestamp = lastTimestamp
        let stun = facts.stun.flatMap { STUN($0) }
        self.stun = stun
        // Read through `map`: bound by `if let`, the part was destroyed through an outlined value
        // witness for every report, most of them without RTP.
        if let (streams, rtcp) = facts.rtp.map({ $0.withAddress { Self.rtp($0) } }) {
            if !streams.isEmpty {
                let roundTrip = stun?.rtt?.p50
                rtpQuality = streams.map { RTPStreamQuality($0, stunRoundTrip: roundTrip) }
            } else {
                rtpQuality = []
            }
            rtp = streams
            rtcpBox = rtcp.map(FrozenBox.init)
        } else {
            rtp = []
            rtpQuality = []
            rtcpBox = nil
        }
        tlsBox = facts.tls.flatMap { t in t.withAddress { TLS($0, firstTimestamp: firstTimestamp, certificates: certificates) } }.map(FrozenBox.init)
        dtlsBox = facts.dtls.map { FrozenBox(DTLSReport($0.value, firstTimestamp: firstTimestamp, certificates: certificates)) }
        sipFacts = facts.sip.flatMap { $0.value.messages > 0 ? $0 : nil }
        // Tested first: copied as is, even a nil went through an outlined value witness (87
        // instructions; the 5M capture's 49,043 reports carry none, JSON reports never do).
        if let t = facts.transactions { transactions = t } else { transactions = nil }
    }

    /// This report with `tls` as its TLS part (tests make reports with hostile texts this way).
    init(_ other: AppReport, tls: TLS?) {
        stun = other.stun
        rtp = other.rtp
        rtpQuality = other.rtpQuality
        rtcpBox = other.rtcpBox
        tlsBox = tls.map(FrozenBox.init)
        dtlsBox = other.dtlsBox
        sipFacts = other.sipFacts
        transactions = other.transactions
        lastTimestamp = other.lastTimestamp
    }

    var isEmpty: Bool { stun == nil && rtp.isEmpty && rtcpBox == nil && tlsBox == nil && dtlsBox == nil && sipFacts == nil }

    /// Writes each protocol's part of the flow's JSON object.
    func write(to w: inout JSONWriter) {
        stun?.write(to: &w, lastTimestamp: lastTimestamp)
        Self.writeRTP(rtp, rtpQuality, rtcp: rtcpBox, to: &w)
        tlsBox?.value.write(to: &w)
        dtlsBox?.value.write(to: &w)
        sipFacts?.value.write(to: &w)
    }

    /// Each protocol's findings about the flow, in the report's order. `transport`: the flow's
    /// IP protocol; `accessEdgeNames`: the names an Access Edge certificate may carry (asked
    /// for only when the flow carried TLS).
    func findings(_ ends: FlowEnds, transport: UInt8, accessEdgeNames: () -> [String], _ emit: (any FlowFindingFact) -> Void) {
        // The part read in its box, not bound to a name (a copy of all its fields).
        if let box = tlsBox { TLSFinding.check(box.value, ends, accessEdgeNames: accessEdgeNames()) { emit($0) } }
        if let dtls = dtlsBox?.value { DTLSFinding.check(dtls) { emit($0) } }
        if let stun { stun.withStats { STUNFinding.check($0, ends, transport: transport) { emit($0) } } }
        RTPFinding.check(rtp) { emit($0) }
    }

    /// The table report's protocol sections, in order; `tableRows` names them by index here.
    static let tableLayouts = [STUN.tableLayout, DTLSReport.tableLayout, RTPStream.tableLayout]

    /// The rows the flow offers each section of `tableLayouts` (by its index).
    func tableRows(_ f: FlowSummary, _ offer: (Int, TableSection.Row) -> Void) {
        if let stun { offer(0, stun.tableRow(f)) }
        if let dtls = dtlsBox?.value { offer(1, dtls.tableRow(f)) }
        for s in rtp { offer(2, s.tableRow(f)) }
    }
}

/// An immutable value on the heap.
final class FrozenBox<Value: Sendable>: Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

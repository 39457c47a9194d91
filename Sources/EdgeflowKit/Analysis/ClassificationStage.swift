/// Classifies flows as they end and keeps the compliance counters. While Edge roles are
/// being inferred, ended flows wait in a bounded window (default 65,536 flows) so that
/// evidence seen later in the capture still applies to them; memory stays bounded.
///
/// The properties a flow changes are marked `@exclusivity(unchecked)`: the stage is driven by
/// one thread and none of its methods re-enters another while it changes them, so the dynamic
/// exclusivity check (two runtime calls per property, about 100 instructions, and several
/// properties per flow) would guard nothing; a flood ends one flow per packet.
final class ClassificationStage {
    @exclusivity(unchecked) private(set) var topology: Topology
    @exclusivity(unchecked) private(set) var inference: RoleInference
    @exclusivity(unchecked) private(set) var compliance = Compliance()
    private let vintage: Office365Vintage
    @exclusivity(unchecked) private var rangesResolved = false
    /// Set when the capture predates every published list (`auto` then uses the oldest).
    private var rangesWarning: Finding? = nil
    /// Ended flows waiting for classification, their application facts already extracted
    /// (the flows' inspection buffers are gone), a reference: a flow without any holds 8 bytes.
    private var pending: [(record: FlowRecord, reason: FlowRecord.EndReason, app: AppReport?, icmpErrors: ICMPErrorFacts?)] = []
    private var head = 0
    private let window: Int
    private let writer: any ReportWriter
    private let certificates = CertificateCache()
    /// Ties the RTP streams of the classified flows into calls across the relay.
    @exclusivity(unchecked) private var calls: CallCorrelator
    /// Input is over: flows come in creation order and no longer move the calls' clock.
    @exclusivity(unchecked) private var inputOver = false
    private var callFindings = CallFindings()
    /// The ends' names of the flows written, in boxes shared by the flows between the same names.
    @exclusivity(unchecked) private var nameBoxes = FlowNameBoxes()

    private let dns: DNSBook

    /// `flowEndDelay`: how long after its last packet a flow may end (`FlowSettings.longestEndDelay`).
    init(topology: Topology, configured: Set<Role>, vintage: Office365Vintage, window: Int, writer: any ReportWriter, dns: DNSBook,
         flowEndDelay: Int64 = 0) {
        calls = CallCorrelator(lag: flowEndDelay)
        self.dns = dns
        self.topology = topology
        self.inference = RoleInference(configured: configured)
        self.vintage = vintage
        self.window = inference.isActive ? window : 0
        self.writer = writer
    }

    /// A flow's service was just recognised: evidence for role inference.
    func recognised(_ r: FlowRecord) {
        resolveRanges(r.firstTimestamp)
        _ = inference.observe(r, topology: &topology)
    }

    /// Whether `recognised` does anything with a flow of these services: the first flow
    /// resolves the Office 365 ranges, later ones count only when they may be role evidence
    /// (the caller then need not hand over the record).
    func takesEvidence(_ services: ServiceSet) -> Bool {
        !rangesResolved || RoleInference.mayBeEvidence(services)
    }

    func ended(_ e: EndedFlow) {
        recognised(e.record)
        let app = appReport(e)
        guard window > 0 else { return emit(e.record, e.reason, app, e.icmpErrors) }
        pending.append((e.record, e.reason, app, e.icmpErrors))
        if pending.count - head > window {
            let p = pending[head]
            emit(p.record, p.reason, p.app, p.icmpErrors)
            head += 1
            if head >= 4096 && head * 2 >= pending.count {
                pending.removeFirst(head)
                head = 0
            }
        }
    }

    /// A flow still live when input ended, after `recognised` saw every such flow and `finish`
    /// classified the waiting ones: nothing more can be learnt, so it is classified at once.
    /// `facts`: what its protocols showed, nil when it was not inspected; `icmpErrors`: what ICMP
    /// errors said of it, nil when none did.
    func endedAtEndOfInput(_ record: FlowRecord, facts: consuming InspectionFacts?, icmpErrors: ICMPErrorFacts?) {
        inputOver = true
        emit(record, .endOfInput, Self.appReport(record, facts, certificates: certificates), icmpErrors)
    }

    /// Input ended with about `flows` live flows carrying RTP (their states in use): the call
    /// correlator makes room for them before they come (`CallCorrelator.reserve`).
    func expectMedia(flows: Int) { calls.reserve(flows: flows) }

    /// `endedAtEndOfInput(_:facts:)` with the flow already classified and summarised
    /// (`prepare`, on the thread that ended it, `TableEnding`: by the topology as it is once
    /// `recognised` has seen every live flow, which no later flow changes).
    func endedAtEndOfInput(_ p: borrowing Prepared) {
        inputOver = true
        account(p)
    }

    /// What the flow's protocols showed; nil when it was not inspected or showed nothing
    /// (no report part and no transactions).
    private func appReport(_ e: EndedFlow) -> AppReport? { Self.appReport(e.record, e.inspection, certificates: certificates) }

    /// `certificates`: a cache of certificate summaries that one thread uses (the stage's, or an
    /// ending thread's own: a summary depends on the certificate alone, so any cache gives the
    /// same report part).
    /// `facts` are consumed: moved into the report part, not copied first.
    static func appReport(_ record: FlowRecord, _ facts: consuming InspectionFacts?, certificates: CertificateCache) -> AppReport? {
        guard let facts = consume facts else { return nil }
        let app = AppReport(facts, firstTimestamp: record.firstTimestamp, lastTimestamp: record.lastTimestamp, certificates: certificates)
        guard !app.isEmpty || app.transactions != nil else { return nil }
        return app
    }

    /// Classifies every waiting flow with what is known now (a live run does this each
    /// interval so that exports do not lag behind the traffic), and at the end.
    func finish() {
        while head < pending.count {
            let p = pending[head]
            emit(p.record, p.reason, p.app, p.icmpErrors)
            head += 1
        }
        pending.removeAll()
        head = 0
    }

    /// The report of everything classified so far (`final`: input is over, see `Compliance.findings`).
    func report(capture: CaptureSummary, dns: DNSBook, final: Bool = true) -> FinalReport {
        if final { calls.finish { self.written($0) } }
        var findings = compliance.findings(topology: topology, inference: inference, dns: dns, final: final)
        var callFindings = callFindings.findings
        if calls.overflow > 0 { callFindings.append(Self.callsOverflow(calls.overflow, capacity: calls.capacity)) }
        findings.insert(contentsOf: callFindings, at: findings.firstIndex { $0.severity == .info } ?? findings.endIndex)
        // Limits reached and a capture older than the ranges lead the warnings: they say which other findings may be missing.
        findings.insert(contentsOf: capture.limitFindings + (rangesWarning.map { [$0] } ?? []),
                        at: findings.firstIndex { $0.severity != .error } ?? findings.endIndex)
        return FinalReport(capture: capture, topology: topology, inferred: inference.found, rules: compliance.rules,
                           findings: findings, violations: compliance.violations, dns: DNSReport(dns))
    }

    /// With `--office365-vintage auto`, a capture older than the embedded list is checked
    /// against the ranges Microsoft published at the capture's date.
    private func resolveRanges(_ firstTimestamp: Int64) {
        guard !rangesResolved else { return }
        rangesResolved = true
        guard case .auto = vintage else { return }
        let day = firstTimestamp / (86_400 * 1_000_000_000)
        if let embeddedDay = Office365Ranges.day(Office365Ranges.embeddedVersion.prefix(8)), day < embeddedDay,
           topology.ranges.source.hasPrefix("embedded") {
            let oldest = Office365Ranges.oldestDay
            topology.ranges = Office365Ranges.historic(onDay: max(day, oldest))
            if day < oldest {
                rangesWarning = Finding(.office365RangesAfterCapture(captureDay: day, oldestDay: oldest))
            }
        }
    }

    /// A flow classified and summarised, nothing of it yet added to the run's counters, calls
    /// or report (`prepare`): what depends on the flow, the topology and the DNS names alone.
    struct Prepared {
        var record: FlowRecord
        var classification: Classification
        var summary: FlowSummary
    }

    private func emit(_ record: FlowRecord, _ reason: FlowRecord.EndReason, _ app: AppReport?, _ icmpErrors: ICMPErrorFacts?) {
        let roles = FlowClassifier.roleSets(record, in: &topology)
        // Neither end holds an Edge role and the flow has no report part (every flow of a scan):
        // it is unrelated, with no rule nor reason, and no business of the compliance counters,
        // so no `Classification` is made (nor destroyed: its violation is a reference). Here, not
        // in a function of its own: called, that took a copy of the record (and was not inlined).
        guard roles.orig.holdsEdgeRole || roles.resp.holdsEdgeRole || app.map({ !$0.isEmpty }) == true else {
            // What `apply` takes from such a classification: a new summary's verdict is
            // `unrelated` already, and it holds no rule nor reason to clear.
            let roleKinds = { (s: inout FlowSummary) in
                s.origRoleKind = roles.orig.plainRole
                s.respRoleKind = roles.resp.plainRole
            }
            // No report part and no end the capture's DNS named (every flow of a flood): the
            // code that sets names and transactions stays off its way (28 instructions a flow).
            if app == nil && dns.names.isEmpty {
                let summary = FlowSummary(record, reason: reason, icmpErrors: icmpErrors, roleKinds)
                writer.flow(summary)
                correlate(summary, first: record.firstTimestamp)
                return
            }
            // One constant that both calls read, built in place: a variable was copied for them (257 bytes).
            let summary = FlowSummary(record, reason: reason, icmpErrors: icmpErrors) { s in
                if !dns.names.isEmpty { s.shareNames(nameBoxes.names(record.originator.address, record.responder.address, in: dns)) }
                s.transactions = app?.transactions
                roleKinds(&s)
            }
            writer.flow(summary)
            correlate(summary, first: record.firstTimestamp)
            return
        }
        let c = FlowClassifier.classify(record, roles: roles, in: &topology)
        // Built in place here: a summary returned by a function was copied once and destroyed
        // twice per flow (about 230 instructions a flow of a flood).
        var summary = FlowSummary(record, reason: reason, icmpErrors: icmpErrors)
        // The ends' names are looked up only once the capture's DNS named any address (never
        // in a flood: the dictionary is not even retained until then), each past a one-bit
        // test (`DNSBook.name(of:)`: most ends were never named), and shared in a box with the
        // flows between the same names (`FlowNameBoxes`).
        if !dns.names.isEmpty { summary.shareNames(nameBoxes.names(record.originator.address, record.responder.address, in: dns)) }
        Self.complete(&summary, app, c)
        account(record, c, summary)
    }

    /// Classifies `record` by `topology` (reached in place: it is not changed) and makes its
    /// summary. Touches nothing run-wide, so an ending thread may call it with a copy of the
    /// final topology and DNS names, and boxes of the names of its own (`nameBoxes`).
    static func prepare(_ record: FlowRecord, _ reason: FlowRecord.EndReason, _ app: AppReport?, _ icmpErrors: ICMPErrorFacts?,
                        _ topology: inout Topology, names: [IPAddress: String], nameBoxes: inout FlowNameBoxes) -> Prepared {
        let c = classify(record, &topology)
        var summary = FlowSummary(record, reason: reason, icmpErrors: icmpErrors)
        summary.shareNames(nameBoxes.box(names[record.originator.address], names[record.responder.address]))
        complete(&summary, app, c)
        return Prepared(record: record, classification: c, summary: summary)
    }

    /// Gives the flow's summary its report part and its classification (its ends' names are given apart).
    @inline(__always)
    private static func complete(_ summary: inout FlowSummary, _ app: AppReport?, _ c: Classification) {
        if let app {
            if !app.isEmpty { summary.app = app }
            summary.transactions = app.transactions
        }
        summary.apply(c)
    }

    /// Adds a prepared flow to the compliance counters, the report and the calls, in the
    /// order flows end.
    private func account(_ p: borrowing Prepared) {
        account(p.record, p.classification, p.summary)
    }

    /// `account(_:)` on the parts, each reached in place: the uid's closure then captures the
    /// record alone, not the whole prepared flow (which it would copy at each use). Inlined:
    /// called, it took a copy of the summary (257 bytes a flow).
    @inline(__always)
    private func account(_ record: FlowRecord, _ c: borrowing Classification, _ summary: borrowing FlowSummary) {
        // A flow without an Edge role nor protocol facts (every flow of a scan) is no business
        // of the compliance counters: tested here, the call and its arguments are not made.
        if c.verdict != .unrelated || summary.app != nil {
            // The uid from the record: a closure holding the summary would copy it.
            compliance.add(record, c, uid: FlowSummary.uid(FlowSummary.uidCode(record)), app: summary.app, icmpErrors: summary.icmp,
                           accessEdgeNames: topology.accessEdgeNames)
        }
        writer.flow(summary)
        correlate(summary, first: record.firstTimestamp)
    }

    /// Hands the flow's RTP streams (with their quality) to the call correlator, and moves its
    /// clock on; the calls that finishes are written. Inlined: a flow without protocol facts
    /// at the end of input (most of a flood) has nothing to do here, and makes no call.
    @inline(__always)
    private func correlate(_ f: borrowing FlowSummary, first: Int64) {
        if inputOver && f.app == nil { return }
        correlateFacts(f, first: first)
    }

    /// `correlate`, out of line.
    private func correlateFacts(_ f: FlowSummary, first: Int64) {
        // A flow without protocol facts (most of a flood) never makes an `AppReport?` to test.
        guard let app = f.app, !app.rtp.isEmpty || app.stun.map({ $0.stats.ice.count > 0 }) == true
                || app.sip?.media.isEmpty == false else {
            if !inputOver { calls.advance(to: f.lastTs) { self.written($0) } }
            return
        }
        let ice = app.stun?.stats.ice.pairs ?? []
        let sdp = app.sip?.media ?? []
        let uid = f.uid
        let ends = (Call.Endpoint(ip: f.origAddress, port: UInt16(truncatingIfNeeded: f.origP)),
                    Call.Endpoint(ip: f.respAddress, port: UInt16(truncatingIfNeeded: f.respP)))
        calls.add(CallCorrelator.Flow(uid: uid, first: first, last: f.lastTs, streams: app.rtp, quality: app.rtpQuality, ends: ends,
                                      allocation: app.stun.flatMap { Self.allocation($0, uid: uid) }, ice: ice, sdp: sdp),
                  advancing: !inputOver) { self.written($0) }
    }

    /// The TURN allocation a flow's STUN made (its relayed address and channel peers), if any.
    /// The counters are read where they lie: bound to a name, their 1.8 KB were copied first.
    private static func allocation(_ stun: AppReport.STUN, uid: String) -> Call.Allocation? {
        stun.withStats { st in
            guard let r = st.pointee.relayed else { return nil }
            // Spans: an `InlineArray` read by subscript in a loop is copied for each read.
            let ips = st.pointee.channelPeer.span, ports = st.pointee.channelPeerPort.span
            let channels = st.pointee.channels
            var peers: [Call.Endpoint] = []
            peers.reserveCapacity(channels)
            for i in 0..<channels { peers.append(Call.Endpoint(ip: ips[i], port: ports[i])) }
            return Call.Allocation(uid: uid, relayed: Call.Endpoint(ip: r.ip, port: r.port), peers: peers)
        }
    }

    /// A call was finished: written, and its findings noted.
    private func written(_ call: Call) {
        writer.call(call)
        callFindings.add(call)
    }

    /// The warning when streams were not correlated into calls because too many waited.
    static func callsOverflow(_ streams: Int, capacity: Int) -> Finding {
        Finding(severity: FindingCode.limitReached.severity(), code: .limitReached,
                message: "the call correlator's \(TableReportWriter.count(capacity)) waiting RTP streams were reached: \(TableReportWriter.counted(streams, "stream")) not tied into calls; calls may be missing")
    }

    /// `FlowClassifier.classify` on the stage's topology, reached in place: read as an argument
    /// from this class's property, the topology would be copied for every flow; `inout` hands
    /// over its address (it is not changed).
    private static func classify(_ record: FlowRecord, _ topology: inout Topology) -> Classification {
        FlowClassifier.classify(record, in: &topology)
    }
}

/// Which Office 365 ranges to check against.
public enum Office365Vintage: Sendable, Equatable {
    /// The embedded (or loaded) list, or the historic ranges at the capture's date when the capture is older.
    case auto
    /// The embedded (or loaded) list, whatever the capture's date.
    case current
    /// The historic ranges at a date (days since 1970-01-01).
    case day(Int64)

    /// Parses "auto", "current" or a date "YYYY-MM-DD".
    public init?(_ text: String) {
        switch text {
        case "auto": self = .auto
        case "current": self = .current
        default:
            guard let d = Office365Ranges.day(text) else { return nil }
            self = .day(d)
        }
    }
}

/// The per-packet engine: decodes each packet, counts it, and tracks its flow. One
/// instance per run (or per worker); no allocation per packet.
public struct Analyzer: ~Copyable {
    public private(set) var tracker: FlowTracker
    public private(set) var summary = CaptureSummary()
    private var lastLinkType = LinkType(rawValue: .max)
    private var lastLinkIndex = 0

    /// - Parameter sweepsItself: false when the sweeps for idle flows are decided outside (a sharded run).
    init(settings: FlowSettings, dns: DNSBook, sweepsItself: Bool = true) {
        tracker = FlowTracker(settings: settings, dns: dns)
        tracker.sweepsItself = sweepsItself
    }

    /// Works on the flow table directly (a sharded run's own shard).
    @inline(__always)
    mutating func withTracker<R>(_ body: (inout FlowTracker) -> R) -> R { body(&tracker) }

    /// An analyzer with its own DNS table (for tools and benchmarks that drive it directly).
    public init(settings: FlowSettings) {
        self.init(settings: settings, dns: DNSBook())
    }

    /// Processes one packet.
    @inline(__always)
    public mutating func process(_ packet: Packet) {
        if let d = account(packet) {
            tracker.track(d, timestamp: packet.timestamp, bytes: packet.bytes, index: summary.packets)
        }
    }

    /// Counts and decodes one packet; returns its headers when it belongs to a flow (the
    /// reader's half of the work in a sharded run).
    @inline(__always)
    mutating func account(_ packet: Packet) -> DecodedPacket? {
        summary.packets &+= 1
        summary.bytes &+= packet.capturedLength
        summary.wireBytes &+= packet.originalLength
        if packet.capturedLength < packet.originalLength { summary.truncatedPackets &+= 1 }
        if summary.firstTimestamp == nil || packet.timestamp < summary.firstTimestamp! { summary.firstTimestamp = packet.timestamp }
        if summary.lastTimestamp == nil || packet.timestamp > summary.lastTimestamp! { summary.lastTimestamp = packet.timestamp }
        countLinkType(packet.linkType)

        let d = PacketDecoder.decode(packet.bytes, originalLength: packet.originalLength, linkType: packet.linkType)
        if let anomaly = d.anomaly { summary.decodeErrors.add(anomaly) }
        if d.tunnel != .none { summary.encapsulated[Int(d.tunnel.rawValue)] &+= 1 }
        switch d.kind {
        case .transport:
            summary.ipPackets &+= 1
            return d
        case .fragmentTail:
            summary.ipPackets &+= 1
            summary.fragmentTails &+= 1
        case .nonIP:
            summary.nonIPPackets &+= 1
        case .error:
            summary.decodeErrors.add(d.error)
        }
        return nil
    }

    @inline(__always)
    private mutating func countLinkType(_ t: LinkType) {
        if t == lastLinkType {
            summary.linkTypes[lastLinkIndex].packets &+= 1
            return
        }
        let name = t.name
        if let i = summary.linkTypes.firstIndex(where: { $0.name == name }) {
            lastLinkIndex = i
        } else {
            summary.linkTypes.append((name, 0))
            lastLinkIndex = summary.linkTypes.count - 1
        }
        lastLinkType = t
        summary.linkTypes[lastLinkIndex].packets &+= 1
    }

    /// Flows whose service was recognised since the last call.
    @inline(__always)
    public mutating func drainRecognised(_ body: (FlowRecord) -> Void) {
        guard !tracker.recognised.isEmpty else { return }
        for r in tracker.recognised { body(r) }
        tracker.recognised.removeAll(keepingCapacity: true)
    }

    /// Flows ended since the last call, in the order they ended (flows ended by the same
    /// packet in creation order).
    @inline(__always)
    public mutating func drainEnded(_ body: (EndedFlow) -> Void) {
        guard !tracker.ended.isEmpty else { return }
        if tracker.ended.count > 1 { tracker.ended.sort { $0.record.sequence < $1.record.sequence } }
        for e in tracker.ended {
            countFlow(e.record.key.proto)
            body(e)
        }
        tracker.ended.removeAll(keepingCapacity: true)
    }

    mutating func countFlow(_ proto: UInt8) {
        summary.flows &+= 1
        let name = FlowSummary.protoName(proto)
        if let i = summary.flowsByProto.firstIndex(where: { $0.name == name }) {
            summary.flowsByProto[i].flows &+= 1
        } else {
            summary.flowsByProto.append((name, 1))
        }
    }

    /// Ends all live flows (input is over) and completes the flow counters of the summary.
    /// Call `drainEnded` first. In creation order, `evidence` first sees every live flow's
    /// record; then `between` runs; then `body` gets each ended flow.
    public mutating func finish(evidence: (FlowRecord) -> Void, between: () -> Void, _ body: (EndedFlow) -> Void) {
        let order = tracker.creationOrder()
        for i in order { evidence(tracker.table[i]) }
        between()
        for i in order {
            let e = tracker.endedFlow(at: i)
            countFlow(e.record.key.proto)
            body(e)
        }
        tracker.removeAll()
        summary = currentSummary
    }

    /// The summary with the flow table's counters as they are now.
    public var currentSummary: CaptureSummary {
        var s = summary
        s.flowsEvicted = tracker.flowsEvicted
        s.flowsExpired = tracker.flowsExpired
        s.peakLiveFlows = tracker.peakLiveFlows
        s.flowsNotInspected = tracker.inspector.flowsNotInspected
        s.reassembly = .init(memoryLimit: tracker.inspector.reassemblyMemory, peakBytes: tracker.inspector.reassemblyPeak,
                             streamsOutOfMemory: tracker.inspector.streamsOutOfMemory)
        return s
    }

    /// Flows live now.
    public var liveFlows: Int { tracker.table.count }

    /// Ends flows idle at `now` (a live capture's clock, when no packet moved time on).
    public mutating func expire(now: Int64) {
        if let last = summary.lastTimestamp, now <= last { return }
        tracker.sweep(now: now)
    }

    public mutating func addWarnings(_ issues: [CaptureIssue]) { summary.warnings += issues }
    public mutating func addFile(_ file: CaptureSummary.File) { summary.files.append(file) }
}

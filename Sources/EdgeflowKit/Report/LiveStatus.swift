/// What a live run (or a replay with periodic output) has seen so far, handed to every
/// report writer and exporter each `--interval`.
public struct LiveStatus: Sendable {
    /// The report so far: capture counters, rules and findings of the flows that have ended.
    public var report: FinalReport
    /// Wall-clock time of this status and the length of the interval it closes (ns).
    public var now: Int64
    public var intervalLength: Int64
    /// Packets and captured bytes in this interval.
    public var intervalPackets: Int
    public var intervalBytes: Int
    public var liveFlows: Int
    /// Kernel counters (pcap_stats): dropped for lack of buffer space, dropped by the interface.
    public var kernelDrops: Int
    public var interfaceDrops: Int
    /// Finding codes that were not present at the previous interval.
    public var newFindings: [Finding]

    var seconds: Double { Double(max(1, intervalLength)) / 1e9 }
    /// Packets and bits per second over the interval.
    public var packetRate: Double { Double(intervalPackets) / seconds }
    public var bitRate: Double { Double(intervalBytes) * 8 / seconds }
}

extension ReportWriter {
    public func interval(_ status: LiveStatus) {}
}

/// Hands each flow and status to several writers: the report and the exporters.
public final class FanOutWriter: ReportWriter {
    private let writers: [any ReportWriter]

    public init(_ writers: [any ReportWriter]) { self.writers = writers }

    public func flow(_ flow: FlowSummary) { for w in writers { w.flow(flow) } }
    public func interval(_ status: LiveStatus) { for w in writers { w.interval(status) } }
    public func call(_ call: Call) { for w in writers { w.call(call) } }
    public func finish(_ report: FinalReport) { for w in writers { w.finish(report) } }
    public var readsTransactions: Bool { writers.contains { $0.readsTransactions } }
}

#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Everything `edgeflow live` needs.
public struct LiveOptions: Sendable {
    public var capture: LiveCaptureSettings
    /// Topology, flow settings and report format, as for `analyze` (its paths are unused).
    public var analysis: AnalyzeOptions
    /// Periodic output, in nanoseconds (default 10 s).
    public var interval: Int64 = 10_000_000_000
    /// Account to switch to once the interface is open.
    public var user: String? = nil
    /// Stop by itself after this many nanoseconds (soak tests, timed captures).
    public var duration: Int64? = nil
    /// Capture sockets, each read by a thread of its own (more than one: a PACKET_FANOUT
    /// group that hands each socket whole flows, Linux only).
    public var threads = 1

    public init(capture: LiveCaptureSettings) {
        self.capture = capture
        analysis = AnalyzeOptions(paths: [])
    }

    /// The defaults, for front ends that show them.
    public static let defaults = LiveOptions(capture: .defaults)
}

/// Captures from an interface until SIGINT/SIGTERM (or `duration`), with the same engine as
/// `analyze`: flows are reported and exported as they end or expire, a status goes to every
/// writer each interval, and the final report is written at the end. Diagnostics (start,
/// interface warnings, drops, stop) go to a swift-log `Logger`, never into the report.
/// With `threads` > 1 the interface is read through that many sockets (`LiveShards`).
public struct LiveJob {
    public var options: LiveOptions

    public init(options: LiveOptions) { self.options = options }

    /// - Parameter logger: takes the run's diagnostics: `info` at the start and the stop,
    ///   `warning` for the interface's warnings and for drops (once per interval that had
    ///   some), `debug` for each interval's counts.
    /// - Parameter report: the report's writer when it is not made from the format for `output`
    ///   (Zeek logs in a directory).
    @discardableResult
    public func run(output: OutputStream, report: (any ReportWriter)? = nil, exporters: [any ReportWriter] = [],
                    logger: Logger) throws(EdgeflowError) -> FinalReport {
        let a = options.analysis
        let topology = try a.makeTopology()
        let settings = options.capture
        let warn = { (message: String) in logger.warning("\(message)", metadata: ["interface": "\(settings.interface)"]) }
        var group = options.threads > 1 ? FanoutGroup() : nil
        var captures: [LiveCapture] = []
        for _ in 0..<max(1, options.threads) {
            let capture = try LiveCapture(settings, fanout: group, warn: warn)
            group = capture.fanoutGroup
            captures.append(capture)
        }
        let capture = captures[0]
        var started: Logger.Metadata = [
            "interface": "\(capture.interface)", "link_type": "\(capture.linkType.name)", "filter": "\(settings.filter)",
            "snaplen": .stringConvertible(settings.snaplen), "buffer_size": .stringConvertible(settings.bufferSize), "promiscuous": .stringConvertible(settings.promiscuous),
        ]
        if let group { started["threads"] = .stringConvertible(captures.count); started["fanout_group"] = .stringConvertible(group.id ?? 0) }
        logger.info("capture started", metadata: started)
        if let user = options.user {
            try dropPrivileges(to: user)
            logger.info("privileges dropped", metadata: ["user": "\(user)"])
        }
        StopSignal.install()

        let main: any ReportWriter = report ?? (a.format == .table
            ? LiveViewWriter(output: output, top: a.top, color: a.color, fullAddresses: a.fullAddresses)
            : makeReportWriter(a.format, output: output, top: a.top, color: a.color, fullAddresses: a.fullAddresses))
        let writer = exporters.isEmpty ? main : FanOutWriter([main] + exporters)
        var engine = Engine(options: a, topology: topology, writer: writer)
        if captures.count > 1 {
            var flow = a.flow
            if writer.readsTransactions { flow.transactionLogs = true }
            return sockets(captures, engine: engine, flow: flow, logger: logger)
        }

        let start = wallClock()
        var tally = IntervalTally(start: start)
        var next = start &+ options.interval
        var dropsBefore = (kernel: 0, interface: 0)
        var reason: String?
        while !StopSignal.requested {
            let n = capture.dispatch { packet in engine.ingest(packet) }
            if n == 0 { capture.wait(milliseconds: 100) }
            let now = wallClock()
            if let d = options.duration, now &- start >= d { reason = "duration"; break }
            guard now >= next else { continue }
            engine.expire(now: now)
            let drops = capture.statistics()
            if drops.dropped > dropsBefore.kernel || drops.interfaceDropped > dropsBefore.interface {
                logger.warning("packets dropped", metadata: [
                    "interface": "\(capture.interface)",
                    "kernel_drops": .stringConvertible(drops.dropped - dropsBefore.kernel), "interface_drops": .stringConvertible(drops.interfaceDropped - dropsBefore.interface),
                    "kernel_drops_total": .stringConvertible(drops.dropped), "interface_drops_total": .stringConvertible(drops.interfaceDropped),
                ])
                dropsBefore = (drops.dropped, drops.interfaceDropped)
            }
            tally.status(&engine, now: now, liveFlows: engine.liveFlows, kernelDrops: drops.dropped, interfaceDrops: drops.interfaceDropped, logger: logger)
            next = now &+ options.interval
        }

        let drops = capture.statistics()
        let report = finalReport(&engine, captures, kernelDrops: drops.dropped, interfaceDrops: drops.interfaceDropped)
        let c = report.capture
        logger.info("capture stopped", metadata: [
            "interface": "\(capture.interface)", "reason": "\(reason ?? StopSignal.reason)", "packets": .stringConvertible(c.packets), "bytes": .stringConvertible(c.bytes),
            "flows": .stringConvertible(c.flows), "kernel_drops": .stringConvertible(drops.dropped), "interface_drops": .stringConvertible(drops.interfaceDropped),
        ])
        return report
    }

    /// The loop of `--threads` > 1: the sockets' threads capture and track the flows (the
    /// sockets' idle flows are swept on their threads); this thread replays what they report
    /// into `engine`, which classifies and writes, and writes each interval's status.
    private func sockets(_ captures: [LiveCapture], engine: consuming Engine, flow: FlowSettings, logger: Logger) -> FinalReport {
        var engine = engine
        guard let dns = engine.dns else { preconditionFailure("a live run's engine reports (Engine(options:topology:writer:))") }
        let interface = captures[0].interface
        let shards = LiveShards(captures: captures, settings: flow, interval: options.interval, dns: dns)
        let start = wallClock()
        var tally = IntervalTally(start: start)
        var next = start &+ options.interval
        var dropsBefore = shards.statistics
        var reason: String?
        while !StopSignal.requested {
            usleep(20_000)
            shards.poll(&engine)
            let now = wallClock()
            if let d = options.duration, now &- start >= d { reason = "duration"; break }
            guard now >= next else { continue }
            let stats = shards.statistics
            for (i, s) in stats.enumerated() where s.kernelDrops > dropsBefore[i].kernelDrops || s.interfaceDrops > dropsBefore[i].interfaceDrops {
                logger.warning("packets dropped", metadata: [
                    "interface": "\(interface)", "socket": .stringConvertible(i),
                    "kernel_drops": .stringConvertible(s.kernelDrops - dropsBefore[i].kernelDrops),
                    "interface_drops": .stringConvertible(s.interfaceDrops - dropsBefore[i].interfaceDrops),
                    "kernel_drops_total": .stringConvertible(s.kernelDrops), "interface_drops_total": .stringConvertible(s.interfaceDrops),
                ])
            }
            dropsBefore = stats
            var open = shards.openPackets(topology: engine.topology)
            shards.replayTaken(&engine)
            for (k, n) in shards.waitingPackets(topology: engine.topology).enumerated() { open[k] += n }
            tally.status(&engine, now: now, liveFlows: shards.liveFlows, kernelDrops: Self.kernelDrops(stats),
                         interfaceDrops: Self.interfaceDrops(stats), openPackets: open, logger: logger)
            next = now &+ options.interval
        }

        shards.stop(&engine)
        let stats = shards.statistics
        let kernel = Self.kernelDrops(stats), interfaceDrops = Self.interfaceDrops(stats)
        let report = finalReport(&engine, captures, kernelDrops: kernel, interfaceDrops: interfaceDrops) { summary in
            summary.sockets = stats.map { CaptureSummary.Socket(packets: $0.packets, kernelDrops: $0.kernelDrops) }
        }
        for (i, s) in stats.enumerated() {
            logger.info("socket stopped", metadata: [
                "interface": "\(interface)", "socket": .stringConvertible(i), "packets": .stringConvertible(s.packets),
                "kernel_drops": .stringConvertible(s.kernelDrops), "interface_drops": .stringConvertible(s.interfaceDrops),
            ])
        }
        let c = report.capture
        logger.info("capture stopped", metadata: [
            "interface": "\(interface)", "reason": "\(reason ?? StopSignal.reason)", "packets": .stringConvertible(c.packets), "bytes": .stringConvertible(c.bytes),
            "flows": .stringConvertible(c.flows), "kernel_drops": .stringConvertible(kernel), "interface_drops": .stringConvertible(interfaceDrops),
            "threads": .stringConvertible(captures.count),
        ])
        return report
    }

    /// The sockets' kernel drops, summed.
    private static func kernelDrops(_ stats: [SocketReport.Statistics]) -> Int { stats.reduce(0) { $0 + $1.kernelDrops } }

    /// The interface's drops: every socket reads the same interface counter (since it opened), so the largest.
    private static func interfaceDrops(_ stats: [SocketReport.Statistics]) -> Int { stats.map(\.interfaceDrops).max() ?? 0 }

    /// Ends the run: the interface as the report's one file, the drops, and `amend`'s additions.
    private func finalReport(_ engine: inout Engine, _ captures: [LiveCapture], kernelDrops: Int, interfaceDrops: Int,
                             amend: (inout CaptureSummary) -> Void = { _ in }) -> FinalReport {
        engine.finishReport { summary in
            var file = CaptureSummary.File(path: captures[0].interface, format: "live")
            file.packets = summary.packets
            file.bytes = summary.bytes
            file.firstTimestamp = summary.firstTimestamp
            file.lastTimestamp = summary.lastTimestamp
            file.linkTypes = [captures[0].linkType.name]
            summary.files.append(file)
            summary.kernelDrops = kernelDrops
            summary.interfaceDrops = interfaceDrops
            amend(&summary)
        }
    }
}

/// The previous interval's totals, which each interval's status is measured from.
private struct IntervalTally {
    var last: Int64
    var packets = 0
    var bytes = 0
    var findings: Set<FindingCode> = []

    init(start: Int64) { last = start }

    /// Takes the engine's snapshot and hands the interval's status to its writers.
    /// - Parameter openPackets: per rule, the packets of the open flows the engine does not hold.
    mutating func status(_ engine: inout Engine, now: Int64, liveFlows: Int, kernelDrops: Int, interfaceDrops: Int,
                         openPackets: [Int] = [], logger: Logger) {
        let report = engine.snapshot(openPackets: openPackets)
        let summary = report.capture
        engine.interval(LiveStatus(report: report, now: now, intervalLength: now &- last,
                                   intervalPackets: summary.packets &- packets, intervalBytes: summary.bytes &- bytes,
                                   liveFlows: liveFlows, kernelDrops: kernelDrops, interfaceDrops: interfaceDrops,
                                   newFindings: report.findings.filter { !findings.contains($0.code) }))
        logger.debug("interval", metadata: [
            "packets": .stringConvertible(summary.packets &- packets), "bytes": .stringConvertible(summary.bytes &- bytes),
            "live_flows": .stringConvertible(liveFlows), "flows": .stringConvertible(summary.flows),
        ])
        findings = Set(report.findings.map { $0.code })
        packets = summary.packets
        bytes = summary.bytes
        last = now
    }
}

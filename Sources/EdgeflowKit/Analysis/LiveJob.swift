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
        let capture = try LiveCapture(settings, warn: { logger.warning("\($0)", metadata: ["interface": "\(settings.interface)"]) })
        logger.info("capture started", metadata: [
            "interface": "\(capture.interface)", "link_type": "\(capture.linkType.name)", "filter": "\(settings.filter)",
            "snaplen": .stringConvertible(settings.snaplen), "buffer_size": .stringConvertible(settings.bufferSize), "promiscuous": "\(settings.promiscuous)",
        ])
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

        let start = wallClock()
        var last = start
        var next = start &+ options.interval
        var packetsBefore = 0, bytesBefore = 0
        var dropsBefore = (kernel: 0, interface: 0)
        var findingsBefore: Set<FindingCode> = []
        var reason = "signal"
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
            let report = engine.snapshot()
            let summary = report.capture
            engine.interval(LiveStatus(report: report, now: now, intervalLength: now &- last,
                                       intervalPackets: summary.packets &- packetsBefore, intervalBytes: summary.bytes &- bytesBefore,
                                       liveFlows: engine.liveFlows, kernelDrops: drops.dropped, interfaceDrops: drops.interfaceDropped,
                                       newFindings: report.findings.filter { !findingsBefore.contains($0.code) }))
            logger.debug("interval", metadata: [
                "packets": .stringConvertible(summary.packets &- packetsBefore), "bytes": .stringConvertible(summary.bytes &- bytesBefore),
                "live_flows": .stringConvertible(engine.liveFlows), "flows": .stringConvertible(summary.flows),
            ])
            findingsBefore = Set(report.findings.map { $0.code })
            packetsBefore = summary.packets
            bytesBefore = summary.bytes
            last = now
            next = now &+ options.interval
        }

        let drops = capture.statistics()
        let report = engine.finishReport { summary in
            var file = CaptureSummary.File(path: capture.interface, format: "live")
            file.packets = summary.packets
            file.bytes = summary.bytes
            file.firstTimestamp = summary.firstTimestamp
            file.lastTimestamp = summary.lastTimestamp
            file.linkTypes = [capture.linkType.name]
            summary.files.append(file)
            summary.kernelDrops = drops.dropped
            summary.interfaceDrops = drops.interfaceDropped
        }
        let c = report.capture
        logger.info("capture stopped", metadata: [
            "interface": "\(capture.interface)", "reason": "\(reason)", "packets": .stringConvertible(c.packets), "bytes": .stringConvertible(c.bytes),
            "flows": .stringConvertible(c.flows), "kernel_drops": .stringConvertible(drops.dropped), "interface_drops": .stringConvertible(drops.interfaceDropped),
        ])
        return report
    }
}

import ArgumentParser
import EdgeflowKit
import Logging

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Capture from a network interface and report, export and expose metrics until stopped.",
        discussion: """
        Runs the analysis of `analyze` on live traffic. Every --interval a status goes to the \
        terminal view (or a line of type "interval" in NDJSON) and to the exporters; flows are \
        written and exported as they end or go idle. SIGINT or SIGTERM flushes, prints the final \
        report and exits 0. Needs root or CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode); \
        --user drops privileges once the interface is open. --out FILE is written in place; a \
        FILE that holds something is moved aside (FILE.YYYYMMDDTHHMMSSZ) once the capture has started. A write error is reported at once and stops \
        the capture. Diagnostics (start, interface warnings, drops, rotation, export errors, \
        stop) go to standard error as logfmt or JSON lines (--log-format), from --log-level up. \
        Exit status: 0 done, 2 an option is wrong, the interface could not be \
        opened or the output could not be written.
        """
    )

    @Argument(help: "The interface to capture on (e.g. eth0; `any` for all).")
    var interface: String

    @Option(help: ArgumentHelp("BPF capture filter in tcpdump syntax; '' captures everything. Default: the hybrid ports, DNS, SIP and IPv4 fragments.",
                               valueName: "EXPR"))
    var filter: String = LiveCaptureSettings.defaultFilter

    @Option(parsing: .unconditional, help: "Bytes kept per packet (enough for TLS certificates).")
    var snaplen = LiveCaptureSettings.defaults.snaplen

    @Option(parsing: .unconditional, help: ArgumentHelp("Kernel capture buffer (K, M, G suffixes; 4K to 2047M).", valueName: "SIZE"))
    var bufferSize = ByteSize(bytes: Int(LiveCaptureSettings.defaults.bufferSize))

    @Flag(help: "Do not put the interface into promiscuous mode.")
    var noPromiscuous = false

    @Option(parsing: .unconditional, help: "Seconds between status outputs (terminal view, NDJSON interval lines, metrics, IPFIX flushes).")
    var interval = Double(LiveOptions.defaults.interval) / 1e9

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop by itself after this many seconds.", valueName: "SECONDS"))
    var duration: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("With --metrics-listen: after the final report, keep serving the final metrics this long (or until a second signal).",
                               valueName: "SECONDS"))
    var metricsHold: Double = 0

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Capture sockets, each read by a thread of its own that tracks the flows the kernel gives it (Linux PACKET_FANOUT, hash by flow); the calling thread merges and writes. Default 1.",
                               valueName: "N"))
    var threads = LiveOptions.defaults.threads

    @Option(name: .customLong("user"), help: ArgumentHelp("Switch to this account once the interface is open (like tcpdump -Z).", valueName: "NAME"))
    var user: String?

    @OptionGroup(title: "Topology")
    var topology: TopologyOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    @OptionGroup(title: "Limits")
    var engine: EngineOptions

    @OptionGroup(title: "Export")
    var export: ExportOptions

    @OptionGroup(title: "Diagnostics")
    var log: LogOptions

    func validate() throws {
        guard interval > 0 && interval < 1e9 else { throw ValidationError("--interval must be a number of seconds above 0 and below 1000000000, not \(interval)") }
        if let duration, !(duration > 0 && duration < 1e9) { throw ValidationError("--duration must be a number of seconds above 0 and below 1000000000, not \(duration)") }
        guard metricsHold >= 0 && metricsHold < 1e9 else { throw ValidationError("--metrics-hold must be a number of seconds, not \(metricsHold)") }
        if metricsHold > 0 && export.metricsListen == nil {
            throw ValidationError("--metrics-hold keeps serving the final metrics after the report: it needs --metrics-listen ADDR:PORT")
        }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64, not \(threads)") }
        guard snaplen >= 64 else { throw ValidationError("--snaplen must be at least 64 bytes, not \(snaplen)") }
        guard bufferSize.bytes >= 4096, bufferSize.bytes <= Int(Int32.max) else {
            throw ValidationError("--buffer-size must be from 4K to 2047M (the kernel takes a 32-bit size), not \(bufferSize.bytes) bytes")
        }
        try output.validate(otherwise: .ndjson)
    }

    func run() throws {
        // Before any thread starts (the metrics server's, the sockets').
        if threads > 1 { ProcessTuning.apply() }
        let logger = log.logger()
        do {
            let config = try topology.loadConfig()
            if config.failOn != nil {
                // A settings file shared with analyze: live ends on a signal, always with status 0.
                logger.warning("\(config.place(of: "fail_on")): fail_on is for analyze and is ignored by live (its exit status is 0 after a signal)")
            }
            var settings = LiveCaptureSettings(interface: interface)
            settings.filter = filter
            settings.snaplen = snaplen
            settings.bufferSize = Int32(clamping: bufferSize.bytes)
            settings.promiscuous = !noPromiscuous
            var options = LiveOptions(capture: settings)
            try topology.apply(to: &options.analysis, config: config)
            try engine.apply(to: &options.analysis.flow, config: config)
            let exports = try export.make()
            let output = try self.output.output(inPlace: true)
            output.onWriteFailure = { error in
                logger.error("\(error); stopping the capture (exit status 2)")
                StopSignal.requestAfterWriteError()
            }
            output.onRotationFailure = { logger.error("\($0)") }
            output.onMovedAside = { moved in
                switch moved {
                case .success(let target): logger.info("previous output moved aside", metadata: ["file": "\(self.output.out ?? "")", "moved_to": "\(target)"])
                case .failure(let error): logger.warning("\(error); appending to it")
                }
            }
            output.onRotation = { logger.info("output rotated", metadata: ["file": "\(self.output.out ?? "")", "moved_to": "\($0)"]) }
            let zeek = try self.output.liveZeekLogs()
            zeek?.onWriteFailure = { error in
                logger.error("\(error); stopping the capture (exit status 2)")
                StopSignal.requestAfterWriteError()
            }
            zeek?.onWarning = { logger.warning("\($0)") }
            zeek?.onRotation = { logger.info("Zeek logs rotated", metadata: ["files": "\($0.joined(separator: ","))"]) }
            self.output.apply(to: &options.analysis, output: output, otherwise: .ndjson)
            options.interval = Int64(interval * 1e9)
            options.duration = duration.map { Int64($0 * 1e9) }
            options.user = user
            options.threads = threads
            try withExtendedLifetime(exports.server) {
                _ = try LiveJob(options: options).run(output: output, report: zeek, exporters: exports.writers, logger: logger)
                for message in ExportOptions.sendErrors(exports.writers) { logger.warning("\(message)") }
                // A write error was reported when it happened.
                do {
                    try output.close()
                    try zeek?.close()
                } catch { throw ExitCode(2) }
                if exports.server != nil && metricsHold > 0 {
                    logger.info("holding the final metrics", metadata: ["seconds": "\(metricsHold)"])
                    StopSignal.wait(seconds: metricsHold)
                }
            }
        } catch let error as EdgeflowError {
            logger.error("\(error)")
            throw ExitCode(2)
        }
    }
}

import ArgumentParser
import EdgeflowKit
#if canImport(Glibc)
import Glibc
#endif

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture from a network interface and report, export and expose metrics until stopped.",
        discussion: """
        Runs the analysis of `analyze` on live traffic. Every --interval a status goes to the \
        terminal view (or a line of type "interval" in NDJSON) and to the exporters; flows are \
        written and exported as they end or go idle. SIGINT or SIGTERM flushes, prints the final \
        report and exits 0. Needs root or CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode); \
        --user drops privileges once the interface is open. Exit status: 0 done, 2 the interface \
        could not be opened.
        """
    )

    @Argument(help: "The interface to capture on (e.g. eth0; `any` for all).")
    var interface: String

    @Option(help: ArgumentHelp("BPF capture filter in tcpdump syntax; '' captures everything. Default: the hybrid ports, DNS, SIP and IPv4 fragments.",
                               valueName: "EXPR"))
    var filter: String = LiveCaptureSettings.defaultFilter

    @Option(help: "Bytes kept per packet (enough for TLS certificates).")
    var snaplen: Int32 = 65535

    @Option(help: ArgumentHelp("Kernel capture buffer (K, M, G suffixes).", valueName: "SIZE"))
    var bufferSize: ByteSize = ByteSize(bytes: 64 << 20)

    @Flag(help: "Do not put the interface into promiscuous mode.")
    var noPromiscuous = false

    @Option(help: "Seconds between status outputs (terminal view, NDJSON interval lines, metrics, IPFIX flushes).")
    var interval: Double = 10

    @Option(help: ArgumentHelp("Stop by itself after this many seconds.", valueName: "SECONDS"))
    var duration: Double?

    @Option(help: ArgumentHelp("With --metrics-listen: after the final report, keep serving the final metrics this long (or until a second signal).",
                               valueName: "SECONDS"))
    var metricsHold: Double = 0

    @Option(name: .customLong("user"), help: ArgumentHelp("Switch to this account once the interface is open (like tcpdump -Z).", valueName: "NAME"))
    var user: String?

    @OptionGroup(title: "Topology")
    var topology: TopologyOptions

    @Option(help: "Report format: table (a live view, then the report), json, ndjson or csv. Default: table on a terminal, ndjson otherwise.")
    var format: ReportFormat?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write flows and summaries to FILE instead of standard output.", valueName: "FILE"))
    var out: String?

    @Option(help: "Flows shown in the final table, largest first.")
    var top = 20

    @OptionGroup(title: "Limits")
    var engine: EngineOptions

    @OptionGroup(title: "Export")
    var export: ExportOptions

    func validate() throws {
        guard interval > 0 else { throw ValidationError("--interval must be a positive number of seconds") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be a positive number of seconds") }
        guard snaplen >= 64 else { throw ValidationError("--snaplen must be at least 64 bytes") }
        if export.rotate != nil && out == nil { throw ValidationError("--rotate needs --out FILE") }
    }

    func run() throws {
        do {
            let config = try topology.loadConfig()
            let rotation = try export.rotation()
            let output = try out.map { (p: String) throws(EdgeflowError) in try OutputStream(path: p, rotation: rotation) } ?? OutputStream()
            var settings = LiveCaptureSettings(interface: interface)
            settings.filter = filter
            settings.snaplen = snaplen
            settings.bufferSize = Int32(clamping: bufferSize.bytes)
            settings.promiscuous = !noPromiscuous
            var options = LiveOptions(capture: settings)
            try topology.apply(to: &options.analysis, config: config)
            options.analysis.format = format ?? (output.isTerminal ? .table : .ndjson)
            options.analysis.top = top
            options.analysis.color = output.isTerminal && getenv("NO_COLOR") == nil
            try engine.apply(to: &options.analysis.flow, config: config)
            options.interval = Int64(interval * 1e9)
            options.duration = duration.map { Int64($0 * 1e9) }
            options.user = user
            let exports = try export.make()
            try withExtendedLifetime(exports.server) {
                _ = try LiveJob(options: options).run(output: output, exporters: exports.writers) { message in
                    printError("edgeflow: warning: \(message)")
                }
                output.flush()
                ExportOptions.reportSendErrors(exports.writers)
                if exports.server != nil && metricsHold > 0 { StopSignal.wait(seconds: metricsHold) }
            }
        } catch let error as EdgeflowError {
            printError("edgeflow: error: \(error)")
            throw ExitCode(2)
        }
    }
}

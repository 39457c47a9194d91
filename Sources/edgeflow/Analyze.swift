import ArgumentParser
import EdgeflowKit
#if canImport(Glibc)
import Glibc
#endif

extension ReportFormat: ExpressibleByArgument {}
extension ReaderChoice: ExpressibleByArgument {}
extension MergeOrder: ExpressibleByArgument {}

/// When `--fail-on` makes the exit status non-zero.
enum FailOn: String, ExpressibleByArgument, CaseIterable {
    /// Any flow violating the port tables, or an error finding.
    case violation
    /// As `violation`, or any warning finding.
    case warning
}

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read pcap/pcapng captures, check every flow against the hybrid port table, and report.",
        discussion: """
        Several files are merged by packet time (--merge time, like mergecap) or read one \
        after another (--merge order). Use - to read a capture from standard input. Edge roles \
        not given with --access-edge/--av-edge/--webconf-edge (or --config) are inferred from \
        the traffic. --out is written to a temporary file beside FILE and renamed over it when \
        the report is complete. Exit status: 0 done, 1 --fail-on matched, 2 an option is wrong, \
        an input could not be read or held nothing to analyse, or the report could not be written.
        """
    )

    @Argument(help: "Capture files (pcap or pcapng), or - for standard input.",
              completion: .file(extensions: ["pcap", "pcapng", "cap"]))
    var captures: [String]

    @OptionGroup(title: "Topology")
    var topology: TopologyOptions

    @Option(help: "Report format: table, json, ndjson or csv. Default: table on a terminal, json otherwise.")
    var format: ReportFormat?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to FILE instead of standard output.", valueName: "FILE"))
    var out: String?

    @Option(parsing: .unconditional, help: "Flows shown in the table view, largest first.")
    var top = 20

    @Flag(help: "Show every address whole in the table view, whatever the terminal's width (otherwise long IPv6 endpoints are shortened in the middle to fit).")
    var fullAddresses = false

    @Option(help: "Exit with status 1 when the report has a violation (or error finding), or also a warning.")
    var failOn: FailOn?

    @Option(help: "Capture reader: auto (memory-mapped for files, libpcap for pipes), mmap or libpcap.")
    var reader: ReaderChoice = .auto

    @Option(help: "How several files combine: time (interleave by timestamp) or order (one after another).")
    var merge: MergeOrder = .time

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Threads sharing the flows, the reading thread included (memory-mapped files only; default: the number of cores); 1 runs everything on one thread, for the least CPU time.",
                               valueName: "N"))
    var threads = min(64, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

    @OptionGroup(title: "Limits")
    var engine: EngineOptions

    @OptionGroup(title: "Export")
    var export: ExportOptions

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must not be negative, not \(top)") }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64, not \(threads)") }
        // Without --format, a report to a file is JSON, which cannot be split.
        try export.validate(out: out, format: format ?? .json)
    }

    func run() throws {
        do {
            try analyze()
        } catch let error as EdgeflowError {
            printError("edgeflow: error: \(error)")
            throw ExitCode(2)
        }
    }

    private func analyze() throws {
        let config = try topology.loadConfig()
        var options = AnalyzeOptions(paths: captures)
        try topology.apply(to: &options, config: config)
        try engine.apply(to: &options.flow, config: config)
        var failOn = self.failOn
        if failOn == nil, let text = config.failOn {
            guard let v = FailOn(rawValue: text) else { throw EdgeflowError("\(config.place(of: "fail_on")): fail_on must be violation or warning, not \"\(text)\"") }
            failOn = v
        }
        let exports = try export.make()
        let output = try export.output(out, inPlace: false)
        options.reader = reader
        options.merge = merge
        options.threads = threads
        options.format = format ?? (output.isTerminal ? .table : .json)
        options.top = top
        options.fullAddresses = fullAddresses
        options.color = output.isTerminal && getenv("NO_COLOR") == nil
        let report = try AnalyzeJob(options: options).run(output: output, exporters: exports.writers) { issue in
            printError("edgeflow: warning: \(issue)")
        }
        ExportOptions.reportSendErrors(exports.writers)
        if let why = report.capture.nothingAnalysed { throw EdgeflowError("nothing could be analysed: \(why)") }
        try output.close()
        if let server = exports.server {
            StopSignal.install()
            printError("edgeflow: serving metrics on port \(server.port) at /metrics; press Ctrl-C to stop")
            StopSignal.wait()
        }
        if let failOn {
            let errors = report.violations > 0 || report.findings.contains { $0.severity == .error }
            let warnings = report.findings.contains { $0.severity == .warning }
            if errors || (failOn == .warning && warnings) { throw ExitCode(1) }
        }
    }
}

func printError(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

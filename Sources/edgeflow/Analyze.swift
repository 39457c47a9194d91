import ArgumentParser
import EdgeflowKit
#if canImport(Glibc)
import Glibc
#endif

extension ReaderChoice: ExpressibleByArgument {}
extension MergeOrder: ExpressibleByArgument {}

extension FailOn: ExpressibleByArgument {}

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
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

    @OptionGroup(title: "Output")
    var output: OutputOptions

    @Option(help: "Exit with status 1 when the report has a violation (or error finding), or also a warning.")
    var failOn: FailOn?

    @Option(help: "Capture reader: auto (memory-mapped for files, libpcap for pipes), mmap or libpcap.")
    var reader = AnalyzeOptions.defaults.reader

    @Option(help: "How several files combine: time (interleave by timestamp) or order (one after another).")
    var merge = AnalyzeOptions.defaults.merge

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Threads sharing the flows, the calling thread included (memory-mapped files only): auto (the default: one per core, at most \(ThreadChoice.most), and one for captures under \(ThreadChoice.smallestSharded >> 20) MB or on fewer than \(ThreadChoice.fewestCores) cores) or a number; 1 spends the least CPU time.",
                               valueName: "auto|N"))
    var threads = ThreadsArgument.auto

    @Flag(name: .shortAndLong, help: "Show no progress line on standard error (one is shown only when it is a terminal and the run lasts).")
    var quiet = false

    @OptionGroup(title: "Limits")
    var engine: EngineOptions

    @OptionGroup(title: "Export")
    var export: ExportOptions

    func validate() throws {
        if case .count(let n) = threads, !(1...64).contains(n) { throw ValidationError("--threads must be auto or between 1 and 64, not \(n)") }
        try output.validate(otherwise: .json)
        if output.format == .zeek && output.rotate != nil {
            throw ValidationError("--rotate with --format zeek is for live runs: analyze writes each Zeek log once")
        }
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
        let failOn = try FailOn(flag: self.failOn, config: config)
        let exports = try export.make()
        let output = try self.output.output(inPlace: false)
        // With --rotate the file itself is written: what it held is kept beside it.
        let name = output.name
        output.onMovedAside = { moved in
            switch moved {
            case .success(let target):
                printError("edgeflow: note: " + TerminalText.escaped("\(name) held a previous report; it was moved to \(target)"))
            case .failure(let error):
                printError("edgeflow: warning: " + TerminalText.escaped("\(error); appending to it"))
            }
        }
        do {
            try analyze(into: output, options: options, failOn: failOn, exports: exports)
        } catch {
            // No half-written report is left behind, whichever thread still holds the stream.
            output.abandon()
            throw error
        }
    }

    private func analyze(into output: OutputStream, options: AnalyzeOptions, failOn: FailOn?,
                         exports: (writers: [any ReportWriter], server: MetricsServer?)) throws {
        var options = options
        let zeek = try self.output.zeekLogs()
        zeek?.onWarning = { printError("edgeflow: warning: " + TerminalText.escaped("\($0)")) }
        options.reader = reader
        options.merge = merge
        options.threads = threads.value
        self.output.apply(to: &options, output: output, otherwise: .json)
        if threads.value != 1 && ThreadChoice.cores > 1 { ProcessTuning.apply() }
        let line = ProgressLine.make(quiet: quiet, format: options.format, output: output)
        let progress = line.map { line in { (p: ReadProgress) in line.update(p) } }
        let report = try AnalyzeJob(options: options).run(output: output, report: zeek, exporters: exports.writers, progress: progress) { issue in
            printError("edgeflow: warning: " + TerminalText.escaped(issue.description))
        }
        ExportOptions.reportSendErrors(exports.writers)
        if let why = report.capture.nothingAnalysed { throw EdgeflowError("nothing could be analysed: \(why)") }
        try output.close()
        try zeek?.close()
        if let server = exports.server {
            StopSignal.install()
            printError("edgeflow: serving metrics on port \(server.port) at /metrics; press Ctrl-C to stop")
            StopSignal.wait()
        }
        if let failOn, failOn.fails(report) { throw ExitCode(1) }
    }
}

func printError(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// `--threads auto` or a number.
enum ThreadsArgument: ExpressibleByArgument {
    case auto
    case count(Int)

    init?(argument: String) {
        if argument == "auto" { self = .auto } else if let n = Int(argument) { self = .count(n) } else { return nil }
    }

    /// `AnalyzeOptions.threads` for it.
    var value: Int {
        switch self {
        case .auto: AnalyzeOptions.automaticThreads
        case .count(let n): n
        }
    }
}

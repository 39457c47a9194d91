import ArgumentParser
import EdgeflowKit
#if canImport(Glibc)
import Glibc
#endif

extension ReportFormat: ExpressibleByArgument {}
extension ReaderChoice: ExpressibleByArgument {}
extension MergeOrder: ExpressibleByArgument {}

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read pcap/pcapng captures and report every flow.",
        discussion: """
        Several files are merged by packet time (--merge time, like mergecap) or read one \
        after another (--merge order). Use - to read a capture from standard input.
        """
    )

    @Argument(help: "Capture files (pcap or pcapng), or - for standard input.",
              completion: .file(extensions: ["pcap", "pcapng", "cap"]))
    var captures: [String]

    @Option(help: "Report format: table, json, ndjson or csv. Default: table on a terminal, json otherwise.")
    var format: ReportFormat?

    @Option(name: .shortAndLong, help: "Write the report to FILE instead of standard output.")
    var out: String?

    @Option(help: "Flows shown in the table view, largest first.")
    var top = 20

    @Option(help: "Capture reader: auto (memory-mapped for files, libpcap for pipes), mmap or libpcap.")
    var reader: ReaderChoice = .auto

    @Option(help: "How several files combine: time (interleave by timestamp) or order (one after another).")
    var merge: MergeOrder = .time

    @Option(help: "Seconds after which an idle UDP flow ends.")
    var udpTimeout: Double = 120

    @Option(help: "Seconds after which an idle TCP connection ends; a SYN after such a pause starts a new flow.")
    var tcpTimeout: Double = 300

    @Option(help: "Most live flows held; the idlest are evicted (and counted) beyond it.")
    var maxFlows = 4_000_000

    func validate() throws {
        guard udpTimeout > 0, tcpTimeout > 0 else { throw ValidationError("timeouts must be positive numbers of seconds") }
        guard maxFlows >= 16 else { throw ValidationError("--max-flows must be at least 16") }
        guard top >= 0 else { throw ValidationError("--top must not be negative") }
    }

    func run() throws {
        let output: OutputStream
        do {
            output = try out.map { (p: String) throws(EdgeflowError) in try OutputStream(path: p) } ?? OutputStream()
        } catch {
            throw CleanExit.message("edgeflow: error: \(error)")
        }
        var options = AnalyzeOptions(paths: captures)
        options.reader = reader
        options.merge = merge
        options.format = format ?? (output.isTerminal ? .table : .json)
        options.outPath = out
        options.top = top
        options.color = output.isTerminal && getenv("NO_COLOR") == nil
        options.flow.udpTimeout = Int64(udpTimeout * 1e9)
        options.flow.tcpTimeout = Int64(tcpTimeout * 1e9)
        options.flow.maxFlows = maxFlows
        do {
            try AnalyzeJob(options: options).run(output: output) { issue in
                printError("edgeflow: warning: \(issue)")
            }
        } catch {
            printError("edgeflow: error: \(error)")
            throw ExitCode(2)
        }
    }
}

func printError(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

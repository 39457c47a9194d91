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
        the traffic. Exit status: 0 done, 1 --fail-on matched, 2 an input could not be read.
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

    @Option(help: "Flows shown in the table view, largest first.")
    var top = 20

    @Option(help: "Exit with status 1 when the report has a violation (or error finding), or also a warning.")
    var failOn: FailOn?

    @Option(help: "Capture reader: auto (memory-mapped for files, libpcap for pipes), mmap or libpcap.")
    var reader: ReaderChoice = .auto

    @Option(help: "How several files combine: time (interleave by timestamp) or order (one after another).")
    var merge: MergeOrder = .time

    @Option(help: "Seconds after which an idle UDP flow ends (default 120).")
    var udpTimeout: Double?

    @Option(help: "Seconds after which an idle TCP connection ends; a SYN after such a pause starts a new flow (default 300).")
    var tcpTimeout: Double?

    @Option(help: "Most live flows held; the idlest are evicted (and counted) beyond it (default 4000000).")
    var maxFlows: Int?

    @Option(help: "Bytes reassembled per TCP direction for TLS handshakes and STUN over TCP.")
    var reassemblyBudget = 64 * 1024

    @Option(help: ArgumentHelp("Memory all TCP reassembly buffers together may use (K, M, G suffixes); streams past it stop and are counted.",
                               valueName: "SIZE"))
    var reassemblyMemory: ByteSize = ByteSize(bytes: 256 << 20)

    @Option(help: "Most flows whose STUN/TURN, RTP, TLS and SIP are followed at once; more are only counted.")
    var maxInspectedFlows = 262_144

    @Option(help: ArgumentHelp("RTP clock rates of dynamic payload types for jitter, e.g. 96=48000,104=16000.", valueName: "PT=HZ,..."))
    var rtpClock: String?

    func validate() throws {
        if let udpTimeout, udpTimeout <= 0 { throw ValidationError("--udp-timeout must be a positive number of seconds") }
        if let tcpTimeout, tcpTimeout <= 0 { throw ValidationError("--tcp-timeout must be a positive number of seconds") }
        if let maxFlows, maxFlows < 16 { throw ValidationError("--max-flows must be at least 16") }
        guard top >= 0 else { throw ValidationError("--top must not be negative") }
        guard reassemblyBudget >= 1024 else { throw ValidationError("--reassembly-budget must be at least 1024 bytes") }
        guard maxInspectedFlows >= 0 else { throw ValidationError("--max-inspected-flows must not be negative") }
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
        let output = try out.map { (p: String) throws(EdgeflowError) in try OutputStream(path: p) } ?? OutputStream()
        var options = AnalyzeOptions(paths: captures)
        try topology.apply(to: &options, config: config)
        options.reader = reader
        options.merge = merge
        options.format = format ?? (output.isTerminal ? .table : .json)
        options.top = top
        options.color = output.isTerminal && getenv("NO_COLOR") == nil
        options.flow.udpTimeout = Int64((udpTimeout ?? config.udpTimeout ?? 120) * 1e9)
        options.flow.tcpTimeout = Int64((tcpTimeout ?? config.tcpTimeout ?? 300) * 1e9)
        options.flow.maxFlows = maxFlows ?? config.maxFlows ?? 4_000_000
        options.flow.reassemblyBudget = reassemblyBudget
        options.flow.reassemblyMemory = reassemblyMemory.bytes
        options.flow.maxInspectedFlows = maxInspectedFlows
        if let rtpClock {
            for item in rtpClock.split(separator: ",") {
                let parts = item.split(separator: "=")
                guard parts.count == 2, let pt = UInt8(parts[0].trimmingCharacters(in: .whitespaces)), pt < 128,
                      let hz = UInt32(parts[1].trimmingCharacters(in: .whitespaces)), hz > 0 else {
                    throw ValidationError("--rtp-clock takes PT=HZ pairs (payload type 0-127), e.g. 96=48000; not \"\(item)\"")
                }
                options.flow.rtpClockRates[pt] = hz
            }
        }
        var failOn = self.failOn
        if failOn == nil, let text = config.failOn {
            guard let v = FailOn(rawValue: text) else { throw EdgeflowError("\(topology.config ?? "config"): fail_on must be violation or warning") }
            failOn = v
        }
        let report = try AnalyzeJob(options: options).run(output: output) { issue in
            printError("edgeflow: warning: \(issue)")
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

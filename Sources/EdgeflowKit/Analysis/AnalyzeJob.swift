/// Which capture reader to use.
public enum ReaderChoice: String, CaseIterable, Sendable {
    /// The memory-mapped reader for regular files; libpcap for standard input, pipes and devices.
    case auto
    /// edgeflow's own memory-mapped pcap/pcapng reader.
    case mmap
    /// libpcap's offline reader.
    case libpcap
}

/// How several input files are combined.
public enum MergeOrder: String, CaseIterable, Sendable {
    /// Packets from all files are interleaved by timestamp (like mergecap).
    case time
    /// Files are read one after another, in the order given.
    case order
}

/// Everything `edgeflow analyze` needs.
public struct AnalyzeOptions: Sendable {
    public var paths: [String]
    public var reader: ReaderChoice = .auto
    public var merge: MergeOrder = .time
    public var format: ReportFormat = .table
    public var top = 20
    public var color = false
    /// The table shows every address whole, whatever the terminal's width.
    public var fullAddresses = false
    public var flow = FlowSettings()
    /// Edge addresses given by the user, per role; roles left empty are inferred.
    public var edges: [Role: [Prefix]] = [:]
    /// The Access Edge's external names, checked against its certificate and SRV targets.
    public var accessEdgeNames: [String] = []
    /// An endpoints web-service JSON file to use instead of the embedded ranges.
    public var office365File: String? = nil
    /// Where a settings file named `office365File` ("FILE:LINE"), for its messages; nil for the flag.
    public var office365Origin: String? = nil
    public var vintage: Office365Vintage = .auto
    /// Ended flows held back while roles are inferred.
    public var inferenceWindow = 16_384
    /// Threads sharing the flows, the calling thread included (memory-mapped files only; 1: all
    /// on one thread; `AnalyzeOptions.automaticThreads`: as many as pay, see `ThreadChoice`).
    public var threads = 1
    /// Items in a batch handed to a worker of a sharded run (tests make it tiny).
    var shardBatchItems = ShardedRun.batchItems
    /// `threads` for `--threads auto`: decided when the files are open (`ThreadChoice.threads`).
    public static let automaticThreads = 0

    public init(paths: [String]) { self.paths = paths }

    /// The defaults, for front ends that show them.
    public static let defaults = AnalyzeOptions(paths: [])
}

/// Reads the captures, runs the analysis, and writes the report.
public struct AnalyzeJob {
    public var options: AnalyzeOptions

    public init(options: AnalyzeOptions) { self.options = options }

    /// Runs the job. Problems inside files (a truncated last record, ...) are passed to
    /// `warn` and recorded in the report; a file that cannot be read at all throws.
    /// - Returns: the capture summary that was reported.
    @discardableResult
    /// - Parameters:
    ///   - report: the report's writer when the caller made it (a Zeek log directory); else the
    ///     one of `options.format`, writing to `output`.
    ///   - exporters: further writers (IPFIX, metrics) that see every flow and the final report.
    ///   - progress: told how far reading has got every `ReadProgress.interval` packets and
    ///     once when input is over, on the calling thread.
    public func run(output: OutputStream, report: (any ReportWriter)? = nil, exporters: [any ReportWriter] = [],
                    progress: ((ReadProgress) -> Void)? = nil,
                    warn: (CaptureIssue) -> Void) throws(EdgeflowError) -> FinalReport {
        guard !options.paths.isEmpty else { throw EdgeflowError("no capture given; name one or more pcap/pcapng files, or - for standard input") }
        guard options.paths.filter({ $0 == "-" }).count <= 1 else {
            throw EdgeflowError("standard input (-) is given twice; it can be read only once: name it once, or save it to a file first")
        }
        for path in options.paths {
            if let problem = captureProblem(path) { throw EdgeflowError("\(path): \(problem)") }
        }
        // Every input is opened before the report starts, so an unreadable file leaves no partial report.
        if useLibpcap() {
            if options.reader == .mmap { throw EdgeflowError("--reader mmap cannot read standard input or a pipe; use --reader libpcap") }
            var readers: [LibpcapReader] = []
            for path in options.paths { readers.append(try open(path) { (p: String) throws(CaptureIssue) in try LibpcapReader(path: p) }) }
            return try analyse(readers, output: output, report: report, exporters: exporters, progress: progress, warn: warn)
        } else {
            var readers: [MappedCaptureReader] = []
            for path in options.paths { readers.append(try open(path) { (p: String) throws(CaptureIssue) in try MappedCaptureReader(path: p) }) }
            return try analyse(readers, output: output, report: report, exporters: exporters, progress: progress, warn: warn)
        }
    }

    private func analyse<R: PacketReader>(_ readers: [R], output: OutputStream, report: (any ReportWriter)?, exporters: [any ReportWriter],
                                          progress: ((ReadProgress) -> Void)?, warn: (CaptureIssue) -> Void) throws(EdgeflowError) -> FinalReport {
        let topology = try options.makeTopology()
        let main = report ?? makeReportWriter(options.format, output: output, top: options.top, color: options.color, fullAddresses: options.fullAddresses)
        let writer = exporters.isEmpty ? main : FanOutWriter([main] + exporters)
        // Several threads share the flows only when every file is mapped: the workers read the
        // packets' bytes in the mapping after the calling thread has read past them.
        let files = readers.compactMap { ($0 as? MappedCaptureReader)?.lease }
        let threads = files.count == readers.count ? threads(for: files) : 1
        var engine = Engine(options: options, topology: topology, writer: writer, threads: threads, files: files)
        drive(readers, &engine, progress, warn)
        return engine.finishReport()
    }
}

extension AnalyzeOptions {
    func makeStage(topology: Topology, writer: any ReportWriter, dns: DNSBook) -> ClassificationStage {
        ClassificationStage(topology: topology, configured: Set(edges.filter { !$0.value.isEmpty }.keys),
                            vintage: vintage, window: inferenceWindow, writer: writer, dns: dns, flowEndDelay: flow.longestEndDelay)
    }

    /// The Office 365 ranges asked for; a settings file's endpoints file that cannot be used
    /// is named with the settings file and line.
    func ranges() throws(EdgeflowError) -> Office365Ranges {
        do {
            return try Office365Ranges.select(file: office365File, vintage: vintage)
        } catch {
            throw office365Origin.map { EdgeflowError("\($0): office365: \(error)") } ?? error
        }
    }

    func makeTopology() throws(EdgeflowError) -> Topology {
        var topology = Topology(ranges: try ranges())
        topology.accessEdgeNames = accessEdgeNames.map { $0.lowercased() }
        for (role, prefixes) in edges {
            for p in prefixes { topology.add(p, as: role) }
        }
        return topology
    }
}

extension AnalyzeJob {
    private func useLibpcap() -> Bool {
        switch options.reader {
        case .libpcap: return true
        case .mmap: return options.paths.contains("-")
        case .auto: return options.paths.contains { $0 == "-" || !isRegularFile($0) }
        }
    }

    /// The threads a run on `files` uses: `options.threads`, or for `--threads auto` what
    /// `ThreadChoice` decides for their size and this process's CPUs.
    func threads(for files: [FileLease]) -> Int {
        options.threads == AnalyzeOptions.automaticThreads
            ? ThreadChoice.threads(cores: ThreadChoice.cores, captureBytes: files.reduce(0) { $0 + $1.size }) : options.threads
    }

    private func open<R>(_ path: String, _ make: (String) throws(CaptureIssue) -> R) throws(EdgeflowError) -> R {
        do {
            return try make(path)
        } catch {
            throw EdgeflowError("\(error.file): \(error.detail)")
        }
    }

    /// Reads every packet of every file (interleaved by time through an `InterleavedInput`, or one
    /// file after another) into the engine, telling `progress`
    /// how far it has got; then records the files and their warnings in the summary.
    private func drive<R: PacketReader>(_ readers: [R], _ engine: inout Engine,
                                        _ progress: ((ReadProgress) -> Void)?, _ warn: (CaptureIssue) -> Void) {
        var files = readers.indices.map { i in
            CaptureSummary.File(path: options.paths[i], format: readers[i].formatName)
        }
        let inputs = InputPositions(paths: options.paths)
        var readers = readers
        // Per packet, one comparison; without `progress` it never holds.
        var checkpoint = progress == nil ? Int.max : ReadProgress.interval
        if options.merge == .time && readers.count > 1 {
            var input = InterleavedInput(readers: readers)
            var tallies = [FileTally](repeating: FileTally(), count: files.count)
            while let (packet, i) = input.next() {
                tallies[i].count(packet)
                engine.ingest(packet, file: i)
                if engine.packets >= checkpoint {
                    checkpoint &+= ReadProgress.interval
                    var read = 0
                    for j in files.indices {
                        let head = input.head(j)
                        read += inputs.position(j, offset: head?.fileOffset ?? -1, done: head == nil, file: tallies[j].adding(to: files[j]))
                    }
                    progress?(ReadProgress(bytesRead: read, totalBytes: inputs.total, packets: engine.packets, finished: false))
                }
            }
            for j in files.indices { files[j] = tallies[j].adding(to: files[j]) }
            readers = input.readers
        } else {
            // One file after another, each read by the engine in one loop, with the reader held as
            // a local: nothing per packet checks an array's uniqueness. The file's counts are the
            // engine's since it began.
            for i in readers.indices {
                var reader = readers[i]
                let start = engine.beginFile()
                while let offset = engine.ingest(from: &reader, file: i, until: checkpoint) {
                    checkpoint &+= ReadProgress.interval
                    var read = inputs.position(i, offset: offset, done: false, file: engine.fileTally(since: start).adding(to: files[i]))
                    for j in 0..<i { read += inputs.position(j, offset: -1, done: true, file: files[j]) }
                    progress?(ReadProgress(bytesRead: read, totalBytes: inputs.total, packets: engine.packets, finished: false))
                }
                readers[i] = reader
                files[i] = engine.fileTally(since: start).adding(to: files[i])
            }
        }
        if let progress {
            var read = 0
            for j in files.indices { read += inputs.position(j, offset: -1, done: true, file: files[j]) }
            progress(ReadProgress(bytesRead: read, totalBytes: inputs.total, packets: engine.packets, finished: true))
        }
        for i in readers.indices {
            var names: [String] = []
            for t in readers[i].declaredLinkTypes where !names.contains(t.name) { names.append(t.name) }
            files[i].linkTypes = names
            let issues = readers[i].issues
            issues.forEach(warn)
            engine.addWarnings(issues)
            engine.addFile(files[i])
        }
    }
}

/// One input's packets, bytes and first and last timestamps as they are read, without an
/// optional to test per packet (interleaved files; files read one after another take theirs
/// from the engine, `Engine.fileTally`); `adding(to:)` puts them in the summary's `File`.
struct FileTally {
    var packets = 0
    var bytes = 0
    var first = Int64.max
    var last = Int64.min

    @inline(__always)
    mutating func count(_ packet: Packet) {
        packets &+= 1
        bytes &+= packet.capturedLength
        first = min(first, packet.timestamp)
        last = max(last, packet.timestamp)
    }

    /// `file` with these packets counted in.
    func adding(to file: CaptureSummary.File) -> CaptureSummary.File {
        guard packets > 0 else { return file }
        var f = file
        f.packets &+= packets
        f.bytes &+= bytes
        f.firstTimestamp = min(f.firstTimestamp ?? .max, first)
        f.lastTimestamp = max(f.lastTimestamp ?? .min, last)
        return f
    }
}

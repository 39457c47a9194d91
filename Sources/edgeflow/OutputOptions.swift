import ArgumentParser
import EdgeflowKit
#if canImport(Glibc)
import Glibc
#endif

extension ReportFormat: ExpressibleByArgument {}

/// How and where the report is written, shared by `analyze` and `live`; defaults are
/// `AnalyzeOptions`'.
struct OutputOptions: ParsableArguments {
    @Option(help: "Report format: table, json, ndjson, csv, html or zeek (html: one self-contained page for a browser; zeek: Zeek's log files in the --out directory; live: table is a live view, then the report). Default: table on a terminal; otherwise json (analyze) or ndjson (live).")
    var format: ReportFormat?

    @Flag(help: "With --format zeek: write Zeek's JSON-lines logs instead of its tab-separated ones.")
    var zeekJSON = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report (live: flows and summaries) to FILE instead of standard output (-: standard output, as - for the capture is standard input).", valueName: "FILE"))
    var out: String?

    /// The file or directory `--out` names; nil for standard output (no `--out`, or `-`, as for
    /// the capture).
    var file: String? { out == "-" ? nil : out }

    @Option(parsing: .unconditional, help: "Flows shown in the table and HTML views, largest first.")
    var top = AnalyzeOptions.defaults.top

    @Flag(help: "Show every address whole in the table view, whatever the terminal's width (otherwise long IPv6 endpoints are shortened in the middle to fit).")
    var fullAddresses = AnalyzeOptions.defaults.fullAddresses

    @Option(help: ArgumentHelp("Rotate the --out file after a size (100M, 1G) or a time (15m, 1h, 1d); the old file gets a UTC timestamp suffix. Live Zeek logs: a time only, at each multiple of it, as PATH.OPEN_CLOSE.log.",
                               valueName: "SIZE|DURATION"))
    var rotate: String?

    /// Refuses a negative `--top`, and a `--rotate` that cannot work: a bad value, no file, or a
    /// form that is not written record by record. `otherwise`: the format when none is given
    /// and the output is not a terminal.
    func validate(otherwise: ReportFormat) throws {
        guard top >= 0 else { throw ValidationError("--top must not be negative, not \(top)") }
        if format == .zeek && file == nil {
            throw ValidationError("--format zeek writes several log files: name their directory with --out DIR (it is created if needed)")
        }
        if zeekJSON && format != .zeek { throw ValidationError("--zeek-json goes with --format zeek") }
        if let out {
            guard !out.isEmpty else { throw ValidationError("--out needs a path: name the file to write, or leave --out out for standard output") }
            var st = stat()
            if format != .zeek && out != "-" && stat(out, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                throw ValidationError("--out \(out) is a directory; name a file in it (e.g. \(out.hasSuffix("/") ? out : out + "/")report.\(format.map { $0 == .table ? "txt" : $0.rawValue } ?? otherwise.rawValue))")
            }
        }
        guard let rotate else { return }
        guard Rotation(rotate) != nil else {
            throw ValidationError("--rotate takes a size (512K, 100M, 1G) or a duration (30s, 15m, 1h, 1d); not \"\(rotate)\"")
        }
        guard file != nil else { throw ValidationError("--rotate needs --out FILE (a file: standard output cannot be moved aside)") }
        // Without --format, a report to a file takes the `otherwise` format.
        let format = self.format ?? otherwise
        if format == .zeek {
            guard case .duration = Rotation(rotate) else {
                throw ValidationError("--rotate with --format zeek takes a duration (30s, 15m, 1h, 1d), as Zeek rotates its logs by time; not \"\(rotate)\"")
            }
            return
        }
        guard format == .ndjson else {
            throw ValidationError("--rotate needs --format ndjson: only NDJSON is written record by record (a \(format.rawValue) report cannot be split)")
        }
    }

    /// The Zeek log directory's writer when the format is zeek (validated: `out` is given).
    func zeekLogs() throws(EdgeflowError) -> ZeekLogWriter? {
        guard format == .zeek, let out = file else { return nil }
        return try ZeekLogWriter(directory: out, json: zeekJSON)
    }

    /// A live run's Zeek log writer when the format is zeek (validated: `out` is given, and
    /// `rotate` is a duration).
    func liveZeekLogs() throws(EdgeflowError) -> ZeekLiveLogWriter? {
        guard format == .zeek, let out = file else { return nil }
        var seconds: Int?
        if let rotate, case .duration(let s) = Rotation(rotate) { seconds = s }
        return try ZeekLiveLogWriter(directory: out, json: zeekJSON, rotationSeconds: seconds)
    }

    /// The output: standard output, or `file` (see `OutputStream` for when it is replaced and when
    /// written in place). A refused rotation is reported at once; the run goes on.
    func output(inPlace: Bool) throws(EdgeflowError) -> OutputStream {
        // Zeek logs go to the `out` directory, through `zeekLogs()`.
        guard let out = file, format != .zeek else { return OutputStream() }
        let output = try OutputStream(path: out, rotation: rotate.flatMap(Rotation.init), inPlace: inPlace)
        output.onRotationFailure = { printError("edgeflow: warning: \($0)") }
        return output
    }

    /// Sets the report's form for `output`: the format asked for (else table on a terminal,
    /// `otherwise` elsewhere), the table's size, and colour on a terminal unless NO_COLOR is set.
    func apply(to options: inout AnalyzeOptions, output: OutputStream, otherwise: ReportFormat) {
        options.format = format ?? (output.isTerminal ? .table : otherwise)
        options.top = top
        options.fullAddresses = fullAddresses
        options.color = output.isTerminal && getenv("NO_COLOR") == nil
    }
}

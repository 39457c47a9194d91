#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The report as Zeek logs (`--format zeek`): `conn.log`, `dns.log`, `ssl.log`, `x509.log` and edgeflow's
/// `stun.log`, `rtp.log`, `call.log`, `edge_rules.log` and `edge_findings.log`, in Zeek's TSV form or its JSON-lines form. Rows are
/// written as flows end; each log is completed at the end of the run, with `#open` / `#close`
/// at the capture's first and last packet. A log with no row is not written (as in Zeek).
public final class ZeekLogWriter: ReportWriter {
    private enum Destination { case directory(String), stream(OutputStream) }
    private let destination: Destination
    private let conn, dns, ssl, x509, stun, rtp, calls, rules, findings: ZeekLogFile
    private var tls: ZeekTLSLogs
    private var failure: EdgeflowError?
    private var overflow = ZeekTransactionOverflow()
    /// Called once at the end when transactions were left out of `dns.log` or `stun.log`.
    public var onWarning: ((String) -> Void)?

    /// Writes each log to `directory/PATH.log` (`--zeek-json`: `json`), creating the directory
    /// when it does not exist.
    /// - Throws: when `directory` is something else than a directory, or cannot be made.
    public init(directory: String, json: Bool) throws(EdgeflowError) {
        try Self.makeDirectory(directory)
        destination = .directory(directory)
        (conn, dns, ssl, x509, stun, rtp, calls, rules, findings) = Self.logs(json: json, scratch: directory)
        tls = ZeekTLSLogs()
    }

    /// Writes every log to `output`, one after another, each with its own header (as
    /// `cat *.log` would give them).
    public init(output: OutputStream, json: Bool) {
        destination = .stream(output)
        (conn, dns, ssl, x509, stun, rtp, calls, rules, findings) = Self.logs(json: json, scratch: getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")
        tls = ZeekTLSLogs()
    }

    /// Makes sure `directory` is a directory, creating it when it does not exist.
    static func makeDirectory(_ directory: String) throws(EdgeflowError) {
        var st = stat()
        if stat(directory, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw EdgeflowError("\(directory) exists and is not a directory; Zeek logs need a directory (an existing one, or a path to create)")
            }
        } else if mkdir(directory, 0o777) != 0 {
            throw EdgeflowError("cannot create the Zeek log directory \(directory): \(String(cString: strerror(errno))); check its parent exists and is writable")
        }
    }

    private static func logs(json: Bool, scratch: String)
        -> (ZeekLogFile, ZeekLogFile, ZeekLogFile, ZeekLogFile, ZeekLogFile, ZeekLogFile, ZeekLogFile, ZeekLogFile, ZeekLogFile) {
        func file(_ s: ZeekLogSchema) -> ZeekLogFile { ZeekLogFile(s, json: json, scratchDirectory: scratch) }
        return (file(ZeekConnLog.schema), file(ZeekDNSLog.schema), file(ZeekTLSLogs.ssl), file(ZeekTLSLogs.x509), file(ZeekSTUNLog.schema),
                file(ZeekRTPLog.schema), file(ZeekCallLog.schema), file(ZeekEdgeLogs.rules), file(ZeekEdgeLogs.findings))
    }

    public func flow(_ f: FlowSummary) {
        conn.write(ZeekConnLog.row(f))
        for row in ZeekDNSLog.rows(f) { dns.write(row) }
        tls.rows(f, ssl: ssl.write, x509: x509.write)
        for row in ZeekSTUNLog.rows(f) { stun.write(row) }
        for row in ZeekRTPLog.rows(f) { rtp.write(row) }
        overflow.add(f)
    }

    public var readsTransactions: Bool { true }

    public func call(_ c: Call) {
        for row in ZeekCallLog.rows(c) { calls.write(row) }
    }

    public func finish(_ report: FinalReport) {
        for s in report.rules { rules.write(ZeekEdgeLogs.row(s)) }
        for f in report.findings {
            for row in ZeekEdgeLogs.rows(f) { findings.write(row) }
        }
        let opened = report.capture.firstTimestamp ?? 0
        let closed = report.capture.lastTimestamp ?? opened
        if let warning = overflow.warning { onWarning?(warning) }
        for log in [conn, dns, ssl, x509, stun, rtp, calls, rules, findings] where log.count > 0 {
            do {
                switch destination {
                case .stream(let output):
                    try log.finish(to: output, opened: opened, closed: closed)
                    output.flush()
                case .directory(let directory):
                    let output = try OutputStream(path: directory + "/" + log.schema.path + ".log")
                    try log.finish(to: output, opened: opened, closed: closed)
                    try output.close()
                }
            } catch {
                if failure == nil { failure = error }
            }
        }
    }

    /// Throws the first error met while writing the logs (they were completed by `finish`).
    public func close() throws(EdgeflowError) {
        if let failure { throw failure }
        if case .stream(let output) = destination, let error = output.failure { throw error }
    }
}

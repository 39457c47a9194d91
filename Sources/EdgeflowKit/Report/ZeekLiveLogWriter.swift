#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Zeek logs of a live run (`live --format zeek --out DIR [--rotate DURATION]`): each row is
/// written to `DIR/PATH.log` as its flow ends, the file opened (with `#open` at the wall-clock
/// time) at its first row. With a rotation period, at each multiple of the period since the
/// epoch (as Zeek aligns `Log::rotation_interval` to the clock) every open log gets its `#close`
/// at that boundary and is renamed `PATH.OPEN_CLOSE.log` (both `%Y-%m-%d-%H-%M-%S`, UTC); the
/// next row starts a fresh file. At the end of the run the rules and findings are written and
/// every log is closed (and, with rotation, renamed with the stop time as its close).
public final class ZeekLiveLogWriter: ReportWriter {
    private let logs: [ZeekLiveLog]
    private let conn, dns, ssl, x509, stun, rtp, calls, rules, findings: ZeekLiveLog
    private var overflow = ZeekTransactionOverflow()
    /// Called once at the end when transactions were left out of `dns.log` or `stun.log`.
    public var onWarning: ((String) -> Void)?
    private var tls = ZeekTLSLogs()
    private let period: Int64?
    private var boundary: Int64?
    private let clock: () -> Int64
    /// Called after each rotation with the files the logs were renamed to.
    public var onRotation: (([String]) -> Void)?
    /// Called once, at the first write or rename error (the run then stops writing that log).
    public var onWriteFailure: ((EdgeflowError) -> Void)?

    /// - Parameter rotationSeconds: the rotation period; nil writes each log to one file until the end.
    /// - Throws: when `directory` is something else than a directory, or cannot be made.
    public convenience init(directory: String, json: Bool, rotationSeconds: Int?) throws(EdgeflowError) {
        try self.init(directory: directory, json: json, rotationSeconds: rotationSeconds, clock: wallClock)
    }

    /// `clock`: wall-clock time in ns since the epoch (tests set it).
    init(directory: String, json: Bool, rotationSeconds: Int?, clock: @escaping () -> Int64) throws(EdgeflowError) {
        try ZeekLogWriter.makeDirectory(directory)
        func log(_ s: ZeekLogSchema) -> ZeekLiveLog { ZeekLiveLog(s, json: json, directory: directory) }
        (conn, dns, ssl, x509, stun, rtp, calls, rules, findings) =
            (log(ZeekConnLog.schema), log(ZeekDNSLog.schema), log(ZeekTLSLogs.ssl), log(ZeekTLSLogs.x509), log(ZeekSTUNLog.schema),
             log(ZeekRTPLog.schema), log(ZeekCallLog.schema), log(ZeekEdgeLogs.rules), log(ZeekEdgeLogs.findings))
        logs = [conn, dns, ssl, x509, stun, rtp, calls, rules, findings]
        period = rotationSeconds.map { Int64($0) * 1_000_000_000 }
        self.clock = clock
        if let period { boundary = Self.boundary(after: clock(), period: period) }
    }

    /// The first multiple of `period` after `now`.
    private static func boundary(after now: Int64, period: Int64) -> Int64 { (now / period + 1) * period }

    public func flow(_ f: FlowSummary) {
        let now = rotateIfDue()
        conn.write(ZeekConnLog.row(f), now: now)
        for row in ZeekDNSLog.rows(f) { dns.write(row, now: now) }
        tls.rows(f, ssl: { ssl.write($0, now: now) }, x509: { x509.write($0, now: now) })
        for row in ZeekSTUNLog.rows(f) { stun.write(row, now: now) }
        for row in ZeekRTPLog.rows(f) { rtp.write(row, now: now) }
        overflow.add(f)
        reportFailure()
    }

    public var readsTransactions: Bool { true }

    public func call(_ c: Call) {
        let now = rotateIfDue()
        for row in ZeekCallLog.rows(c) { calls.write(row, now: now) }
        reportFailure()
    }

    /// Each interval: rotates when a boundary has passed, and makes the rows so far visible.
    public func interval(_ status: LiveStatus) {
        _ = rotateIfDue()
        for log in logs { log.flush() }
        reportFailure()
    }

    public func finish(_ report: FinalReport) {
        let now = rotateIfDue()
        for s in report.rules { rules.write(ZeekEdgeLogs.row(s), now: now) }
        for f in report.findings {
            for row in ZeekEdgeLogs.rows(f) { findings.write(row, now: now) }
        }
        if let warning = overflow.warning { onWarning?(warning) }
        let renamed = logs.compactMap { $0.close(at: now, rename: period != nil) }
        if !renamed.isEmpty { onRotation?(renamed) }
        reportFailure()
    }

    /// Throws the first error met while writing the logs.
    public func close() throws(EdgeflowError) {
        if let failure = logs.lazy.compactMap(\.failure).first { throw failure }
    }

    /// Closes and renames every open log when the boundary has passed; returns the time now.
    private func rotateIfDue() -> Int64 {
        let now = clock()
        guard let period, let b = boundary, now >= b else { return now }
        let renamed = logs.compactMap { $0.close(at: b, rename: true) }
        tls.newFile()
        boundary = Self.boundary(after: now, period: period)
        if !renamed.isEmpty { onRotation?(renamed) }
        return now
    }

    private var failureReported = false
    private func reportFailure() {
        guard !failureReported, let failure = logs.lazy.compactMap(\.failure).first else { return }
        failureReported = true
        onWriteFailure?(failure)
    }
}

/// One log of a live run: the file being written, opened at its first row.
final class ZeekLiveLog {
    let schema: ZeekLogSchema
    private let json: Bool
    private let path: String
    private let directory: String
    private var output: OutputStream?
    private var opened: Int64 = 0
    private var w = JSONWriter(capacity: 1024)
    /// The first error; nothing more is written to this log after it.
    private(set) var failure: EdgeflowError?

    init(_ schema: ZeekLogSchema, json: Bool, directory: String) {
        self.schema = schema
        self.json = json
        self.directory = directory
        path = directory + "/" + schema.path + ".log"
    }

    /// Appends one row (`values` in the schema's column order), opening the file if needed.
    func write(_ values: [ZeekValue], now: Int64) {
        guard failure == nil else { return }
        let output: OutputStream
        if let open = self.output {
            output = open
        } else {
            do {
                // In place: the file can be followed as it grows.
                output = try OutputStream(path: path, inPlace: true)
            } catch {
                failure = error
                return
            }
            self.output = output
            opened = now
            if !json { output.write(schema.header(opened: now)) }
        }
        schema.encode(values, json: json, into: &w)
        output.write(w.bytes)
        if let error = output.failure { failure = error }
    }

    func flush() {
        guard let output, failure == nil else { return }
        output.flush()
        if let error = output.failure { failure = error }
    }

    /// Writes `#close` at `closed` and closes the file; with `rename`, moves it to
    /// `PATH.OPEN_CLOSE.log` and returns that name. Nothing happens when no file is open.
    func close(at closed: Int64, rename moving: Bool) -> String? {
        guard let output else { return nil }
        self.output = nil
        if !json { output.write(ZeekLogSchema.closeLine(closed)) }
        do {
            try output.close()
        } catch {
            if failure == nil { failure = error }
            return nil
        }
        guard moving else { return nil }
        let base = directory + "/" + schema.path + "." + ZeekLogFile.stamp(opened) + "_" + ZeekLogFile.stamp(closed)
        var target = base + ".log"
        var n = 1
        while access(target, F_OK) == 0 { target = base + "-\(n).log"; n += 1 }
        guard rename(path, target) == 0 else {
            if failure == nil {
                failure = EdgeflowError("cannot rename \(path) to \(target): \(String(cString: strerror(errno))); check the directory is writable")
            }
            return nil
        }
        return target
    }
}

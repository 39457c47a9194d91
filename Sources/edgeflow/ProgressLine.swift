import EdgeflowKit
#if canImport(Glibc)
import Glibc
#endif

/// `analyze`'s progress on a terminal's standard error: one line, redrawn in place at most
/// every `refresh` (bytes read of the total, packets per second, time left), and erased when
/// input is over, before the report and any warning are written. The first line waits one
/// `refresh`, so that a short run shows none.
final class ProgressLine {
    private let refresh: Int64
    private let start: Int64
    private var lastDraw: Int64
    private var drawn = false

    /// `refresh` in nanoseconds; the environment's `EDGEFLOW_PROGRESS_MS` (tests) overrides it.
    init(refresh: Int64 = 250_000_000) {
        let override = getenv("EDGEFLOW_PROGRESS_MS").flatMap { Int64(String(cString: $0)) }
        self.refresh = override.map { max(0, $0) * 1_000_000 } ?? refresh
        start = Self.now()
        lastDraw = start
    }

    /// A progress line for `analyze`, or nil when there must be none: `--quiet`, standard error
    /// not a terminal, or a report streamed to the same terminal (only the table is written
    /// after reading).
    static func make(quiet: Bool, format: ReportFormat, output: OutputStream) -> ProgressLine? {
        guard !quiet, isatty(STDERR_FILENO) != 0 else { return nil }
        if output.isTerminal && format != .table { return nil }
        return ProgressLine()
    }

    func update(_ p: ReadProgress) {
        if p.finished {
            if drawn { emit("\r\u{1B}[K") }
            drawn = false
            return
        }
        let now = Self.now()
        guard now - lastDraw >= refresh else { return }
        lastDraw = now
        drawn = true
        emit("\r" + Self.text(p, elapsed: now - start) + "\u{1B}[K")
    }

    /// "edgeflow: 12.3 MB of 45.6 MB (27%), 812k packets/s, 0:41 left"; without a total
    /// (standard input), "edgeflow: 12.3 MB read, 812k packets/s".
    static func text(_ p: ReadProgress, elapsed: Int64) -> String {
        let seconds = max(Double(elapsed) / 1e9, 1e-3)
        let rate = "\(count(Double(p.packets) / seconds)) packets/s"
        guard let total = p.totalBytes, total > 0 else { return "edgeflow: \(size(p.bytesRead)) read, \(rate)" }
        let read = min(p.bytesRead, total)
        let percent = read * 100 / total
        var line = "edgeflow: \(size(read)) of \(size(total)) (\(percent)%), \(rate)"
        if read > 0 {
            let left = Int((Double(total - read) / (Double(read) / seconds)).rounded(.up))
            line += ", " + clock(left) + " left"
        }
        return line
    }

    /// Bytes in decimal units, one decimal: "812 B", "12.3 kB", "4.6 GB".
    static func size(_ bytes: Int) -> String {
        let units = ["kB", "MB", "GB", "TB"]
        guard bytes >= 1000 else { return "\(bytes) B" }
        var v = Double(bytes) / 1000
        var u = 0
        while v >= 999.95 && u < units.count - 1 { v /= 1000; u += 1 }
        return oneDecimal(v) + " " + units[u]
    }

    /// A rate: "950", "81.2k", "1.4M".
    static func count(_ v: Double) -> String {
        if v < 1000 { return String(Int(v)) }
        if v < 999_950 { return oneDecimal(v / 1000) + "k" }
        return oneDecimal(v / 1_000_000) + "M"
    }

    /// "0:41", "12:05", "3:02:10".
    static func clock(_ seconds: Int) -> String {
        let s = seconds % 60, m = seconds / 60 % 60, h = seconds / 3600
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h == 0 { return "\(m):\(ss)" }
        return "\(h):" + (m < 10 ? "0\(m)" : "\(m)") + ":" + ss
    }

    private static func oneDecimal(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    private static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    private func emit(_ text: String) {
        var text = text
        text.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// When a long-running output file is closed and a fresh one started.
public enum Rotation: Sendable, Equatable {
    /// After this many bytes.
    case size(Int)
    /// After this many seconds.
    case duration(Int)

    /// Parses "100M", "1G", "512K" (sizes, as `ByteSize`) or "30s", "15m", "1h", "1d" (durations).
    public init?(_ text: String) {
        let seconds = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = text.last.flatMap({ seconds[String($0)] }), let n = Int(text.dropLast()), n > 0 {
            self = .duration(n * unit)
        } else if ByteSize.hasUnit(text), let size = ByteSize(text), size.bytes > 0 {
            self = .size(size.bytes)
        } else {
            return nil
        }
    }
}

/// Buffered output to standard output or a file; a file can rotate at record boundaries.
public final class OutputStream {
    private var file: UnsafeMutablePointer<FILE>
    private let owned: Bool
    private var buffer: [UInt8] = []
    /// Where the output goes, for messages.
    public let name: String
    private let rotation: Rotation?
    private var written = 0
    private var openedAt = time(nil)
    /// Files closed by rotation, oldest first.
    public private(set) var rotated: [String] = []

    /// Standard output.
    public init() {
        file = fdopen(STDOUT_FILENO, "w")
        owned = true
        name = "standard output"
        rotation = nil
        buffer.reserveCapacity(1 << 16)
    }

    /// A file, created or truncated.
    /// - Parameter rotation: when to move the file aside (to `path.YYYYMMDDTHHMMSSZ`) and start a new one.
    /// - Throws: a message naming the file and the system error.
    public init(path: String, rotation: Rotation? = nil) throws(EdgeflowError) {
        guard let f = fopen(path, "w") else {
            throw EdgeflowError("cannot write \(path): \(String(cString: strerror(errno))); check the directory exists and is writable")
        }
        file = f
        owned = true
        name = path
        self.rotation = rotation
        buffer.reserveCapacity(1 << 16)
    }

    /// Whether output goes to a terminal.
    public var isTerminal: Bool { isatty(fileno(file)) != 0 }

    /// The terminal's width in columns, when output goes to a terminal that says.
    public var terminalColumns: Int? {
        var size = winsize()
        guard isTerminal, ioctl(fileno(file), UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    public func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
        written += bytes.count
        if buffer.count >= 1 << 16 { flush() }
    }

    public func write(_ text: String) { write(Array(text.utf8)) }

    /// A record (one NDJSON line) is complete: the file may rotate here.
    public func endOfRecord() {
        guard let rotation else { return }
        switch rotation {
        case .size(let limit): if written >= limit { rotate() }
        case .duration(let seconds): if time(nil) - openedAt >= seconds { rotate() }
        }
    }

    private func rotate() {
        flush()
        var stamp = [CChar](repeating: 0, count: 32)
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        _ = strftime(&stamp, stamp.count, "%Y%m%dT%H%M%SZ", &parts)
        let suffix = stamp.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var target = name + "." + suffix
        var n = 1
        while access(target, F_OK) == 0 { target = name + "." + suffix + "-\(n)"; n += 1 }
        guard rename(name, target) == 0, let fresh = fopen(name, "w") else { return }
        fclose(file)
        file = fresh
        rotated.append(target)
        written = 0
        openedAt = time(nil)
    }

    public func flush() {
        if !buffer.isEmpty {
            _ = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            buffer.removeAll(keepingCapacity: true)
        }
        fflush(file)
    }

    deinit {
        flush()
        if owned { fclose(file) }
    }
}

/// An error shown to the user: what went wrong, where, and what to do.
public struct EdgeflowError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

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
///
/// A file without rotation is written to a temporary file beside it and renamed over it by
/// `close()`, so a run that fails leaves an existing file as it was. With `inPlace` (live runs)
/// or rotation, and for devices, links and files in a directory that takes no new file, the
/// file itself is written, and only truncated when the first bytes go out; with `inPlace` or
/// rotation, an existing file that holds something is moved aside then, as a rotation would,
/// instead (a restarted live run, or a rotated analyze run, keeps what the last one wrote).
/// The first write error is kept (`failure`), passed to `onWriteFailure`, and nothing more is
/// written; `close()` throws it.
public final class OutputStream {
    private var file: UnsafeMutablePointer<FILE>
    /// A plain buffer of `bufferSize` bytes, `buffered` of them written (appending to an array
    /// costs a uniqueness check and a generic copy per write). The counters every write changes
    /// are reached without a dynamic exclusivity check: a stream is written from one thread,
    /// and no method that changes them calls back into another (the check would cost about
    /// 100 instructions per property per write; a flood writes one flow per packet).
    /// `buffered` is readable for tests.
    private let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: OutputStream.bufferSize)
    @exclusivity(unchecked) private(set) var buffered = 0
    private static let bufferSize = 1 << 16
    /// Where the output goes, for messages.
    public let name: String
    private let rotation: Rotation?
    /// The temporary file written until `close()` renames it over `name`.
    private var temporary: String? {
        didSet { forgetTemporary() }
    }
    /// `temporary`'s slot in `BusErrorGuard`: removed if a capture shrinks under its mapping.
    private var temporarySlot: Int?
    /// An in-place file is truncated when the first bytes are flushed; `removeIfUnused`: it did not exist before.
    private var truncatePending = false, removeIfUnused = false
    /// An in-place or rotated file that held something is moved aside when the first bytes are flushed.
    private var moveAsidePending = false
    private var closed = false, rotationRefused = false
    @exclusivity(unchecked) private var written = 0
    private var openedAt = time(nil)
    /// Files closed by rotation, oldest first.
    public private(set) var rotated: [String] = []
    /// The first write error; nothing is written after it.
    @exclusivity(unchecked) public private(set) var failure: EdgeflowError?
    /// Called once, at the first write error.
    public var onWriteFailure: ((EdgeflowError) -> Void)?
    /// Called once when a rotation is refused (the file is then written on, unrotated).
    public var onRotationFailure: ((EdgeflowError) -> Void)?
    /// Called after each rotation with the name the old file was moved to.
    public var onRotation: ((String) -> Void)?
    /// Called when an in-place or rotated file that held something was moved aside at the first write,
    /// with its new name; or, if it could not be, with why (it is then appended to).
    public var onMovedAside: ((Result<String, EdgeflowError>) -> Void)?

    /// Standard output.
    public init() {
        file = fdopen(STDOUT_FILENO, "w")
        name = "standard output"
        rotation = nil
    }

    /// A file. Nothing that exists is truncated here: see the type's notes.
    /// - Parameter rotation: when to move the file aside (to `path.YYYYMMDDTHHMMSSZ`) and start a new one.
    /// - Parameter inPlace: write the file itself (a live run's file can be followed as it grows).
    /// - Throws: a message naming the file and the system error.
    public init(path: String, rotation: Rotation? = nil, inPlace: Bool = false) throws(EdgeflowError) {
        name = path
        self.rotation = rotation
        var st = stat()
        // lstat: a symbolic link is written through, not replaced by a regular file.
        let exists = lstat(path, &st) == 0
        if rotation == nil && !inPlace && (!exists || (st.st_mode & S_IFMT) == S_IFREG),
           let (f, temporary) = Self.temporaryFile(beside: path, mode: exists ? st.st_mode & 0o7777 : nil) {
            file = f
            self.temporary = temporary
            temporarySlot = BusErrorGuard.removeOnFault(temporary)
        } else {
            // In place: asked for, a device or link, or a file whose directory takes no new file.
            let regular = exists && (st.st_mode & S_IFMT) == S_IFREG
            guard let f = fopen(path, "a") else { throw Self.openError(path) }
            file = f
            _ = fstat(fileno(f), &st)
            let holdsBytes = (st.st_mode & S_IFMT) == S_IFREG && st.st_size > 0
            moveAsidePending = (inPlace || rotation != nil) && regular && holdsBytes
            truncatePending = holdsBytes && !moveAsidePending
            removeIfUnused = !exists
        }
    }

    /// A hidden temporary file in `path`'s directory (so that the rename cannot cross file
    /// systems) with `mode`, or the umask's default; nil when the directory refuses it.
    private static func temporaryFile(beside path: String, mode: mode_t?) -> (UnsafeMutablePointer<FILE>, String)? {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array((directory + "." + base + ".edgeflow-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { return nil }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard let f = fdopen(fd, "w") else {
            closeDescriptor(fd)
            unlink(temporary)
            return nil
        }
        let mask = umask(0)
        umask(mask)
        _ = fchmod(fd, mode ?? 0o666 & ~mask)
        return (f, temporary)
    }

    private static func openError(_ path: String) -> EdgeflowError {
        EdgeflowError("cannot write \(path): \(String(cString: strerror(errno))); check the directory exists and is writable")
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
        guard failure == nil, var source = bytes.baseAddress else { return }
        written += bytes.count
        var left = bytes.count
        while left > Self.bufferSize &- buffered {
            let n = Self.bufferSize &- buffered
            (buffer + buffered).initialize(from: source, count: n)
            buffered = Self.bufferSize
            flush()
            guard failure == nil else { return }
            source += n
            left &-= n
        }
        (buffer + buffered).initialize(from: source, count: left)
        buffered &+= left
    }

    public func write(_ text: String) { write(Array(text.utf8)) }

    /// Writes `bytes` to the file from where they lie, after what is buffered (flushed first):
    /// for a writer that gathers records in a buffer of its own, so that they are not copied
    /// into this one (`JSONReportWriter`'s flow objects).
    func writeThrough(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        flush()
        guard failure == nil else { return }
        written &+= bytes.count
        if fwrite(source, 1, bytes.count, file) != bytes.count { fail(errno) }
    }

    /// The most room `withRoom` makes: the buffer's size.
    static let roomLimit = bufferSize

    /// Lets `body` write up to `n` bytes (at most `roomLimit`) through a cursor straight into
    /// the buffer, flushed first when less room is left: a record written in place, not into a
    /// writer's buffer and copied here (a flood writes one flow record per packet).
    @inline(__always)
    func withRoom(_ n: Int, _ body: (inout JSONCursor) -> Void) {
        precondition(n <= Self.roomLimit, "a record of up to \(n) bytes written into a \(Self.roomLimit)-byte buffer")
        if Self.bufferSize &- buffered < n {
            flush()
            // After a write error nothing more goes out (records written into the room left
            // are dropped by the next `flush`), and the room may not have been made.
            guard failure == nil else { return }
        }
        let start = buffer + buffered
        var c = JSONCursor(p: start)
        body(&c)
        let count = c.p - start
        buffered &+= count
        written &+= count
    }

    /// A record (one NDJSON line) is complete: the file may rotate here.
    public func endOfRecord() {
        guard let rotation, !rotationRefused else { return }
        switch rotation {
        case .size(let limit): if written >= limit { rotate() }
        case .duration(let seconds): if time(nil) - openedAt >= seconds { rotate() }
        }
    }

    private func rotate() {
        flush()
        guard failure == nil else { return }
        switch moveAside(rotating: true) {
        case .success(let target):
            rotated.append(target)
            written = 0
            openedAt = time(nil)
            onRotation?(target)
        case .failure(let error):
            refuseRotation(error.description)
        }
    }

    /// Renames the file to `name.YYYYMMDDTHHMMSSZ` (`-1`, `-2`... when taken) and goes on in a
    /// new one. - Returns: the new name, or why not (the file is then written on).
    private func moveAside(rotating: Bool) -> Result<String, EdgeflowError> {
        let (verb, then) = rotating ? ("rotate", "rotation stops, ") : ("move", "")
        var stamp = [CChar](repeating: 0, count: 32)
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        _ = strftime(&stamp, stamp.count, "%Y%m%dT%H%M%SZ", &parts)
        let suffix = stamp.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var target = name + "." + suffix
        var n = 1
        while access(target, F_OK) == 0 { target = name + "." + suffix + "-\(n)"; n += 1 }
        guard rename(name, target) == 0 else {
            return .failure(EdgeflowError("cannot \(verb) \(name) to \(target): \(String(cString: strerror(errno))); \(then)\(name) keeps growing"))
        }
        guard let fresh = fopen(name, "w") else {
            return .failure(EdgeflowError("cannot start a new \(name) after moving it to \(target): \(String(cString: strerror(errno))); \(then)\(target) keeps growing"))
        }
        fclose(file)
        file = fresh
        return .success(target)
    }

    private func refuseRotation(_ message: String) {
        rotationRefused = true
        onRotationFailure?(EdgeflowError(message))
    }

    public func flush() {
        guard failure == nil else { buffered = 0; return }
        removeIfUnused = false
        if moveAsidePending {
            moveAsidePending = false
            onMovedAside?(moveAside(rotating: false))
        }
        if truncatePending {
            truncatePending = false
            if ftruncate(fileno(file), 0) != 0 { buffered = 0; return fail(errno) }
        }
        if buffered > 0 {
            let complete = fwrite(buffer, 1, buffered, file) == buffered
            buffered = 0
            if !complete { return fail(errno) }
        }
        if fflush(file) != 0 { fail(errno) }
    }

    private func fail(_ code: Int32) {
        var reason = String(cString: strerror(code))
        if code == EPIPE { reason += " (the program reading it has exited)" }
        failure = EdgeflowError("cannot write \(name): \(reason)")
        onWriteFailure?(failure!)
    }

    /// Flushes and closes; a temporary file replaces the target.
    /// - Throws: the first write error, or why the file could not be closed or renamed.
    public func close() throws(EdgeflowError) {
        guard !closed else { return }
        flush()
        closed = true
        if fclose(file) != 0 && failure == nil { fail(errno) }
        if let failure {
            // A report that could not be written whole leaves no file behind (the target keeps what it held).
            if let temporary {
                self.temporary = nil
                unlink(temporary)
            } else if removeIfUnused {
                unlink(name)
            }
            throw failure
        }
        if let temporary {
            self.temporary = nil
            guard rename(temporary, name) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw EdgeflowError("cannot replace \(name): \(reason); the report was not written")
            }
        }
    }

    /// The run failed: its report is given up. A temporary file, or a file created for
    /// nothing, goes away (the target keeps what it held); a file written in place keeps what
    /// was written. Called on a failure path, not left to `deinit`: a report writer's thread
    /// may still hold this stream when the process exits. Does nothing once closed.
    public func abandon() {
        guard !closed else { return }
        closed = true
        if let temporary {
            self.temporary = nil
            fclose(file)
            unlink(temporary)
        } else if removeIfUnused {
            fclose(file)
            unlink(name)
        } else if truncatePending || moveAsidePending {
            fclose(file)   // never written to: the file stays as it was
        } else {
            flush()
            fclose(file)
        }
    }

    /// The temporary file was renamed or removed: it no longer goes when a capture shrinks.
    private func forgetTemporary() {
        guard temporary == nil, let slot = temporarySlot else { return }
        temporarySlot = nil
        BusErrorGuard.keep(temporary: slot)
    }

    deinit {
        abandon()
        buffer.deallocate()
    }
}

/// close(2), out of reach of `OutputStream.close()`'s name.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }

/// An error shown to the user: what went wrong, where, and what to do.
public struct EdgeflowError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered output to standard output or a file.
public final class OutputStream {
    private let file: UnsafeMutablePointer<FILE>
    private let owned: Bool
    private var buffer: [UInt8] = []
    /// Where the output goes, for messages.
    public let name: String

    /// Standard output.
    public init() {
        file = fdopen(STDOUT_FILENO, "w")
        owned = true
        name = "standard output"
        buffer.reserveCapacity(1 << 16)
    }

    /// A file, created or truncated.
    /// - Throws: a message naming the file and the system error.
    public init(path: String) throws(EdgeflowError) {
        guard let f = fopen(path, "w") else {
            throw EdgeflowError("cannot write \(path): \(String(cString: strerror(errno))); check the directory exists and is writable")
        }
        file = f
        owned = true
        name = path
        buffer.reserveCapacity(1 << 16)
    }

    /// Whether output goes to a terminal.
    public var isTerminal: Bool { isatty(fileno(file)) != 0 }

    public func write(_ bytes: [UInt8]) {
        buffer += bytes
        if buffer.count >= 1 << 16 { flush() }
    }

    public func write(_ text: String) { write(Array(text.utf8)) }

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

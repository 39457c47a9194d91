#if canImport(Glibc)
import Glibc
#endif

/// How far a run has read through its captures: what `AnalyzeJob.run` hands its `progress`
/// every `interval` packets, and once more when input is over (before the report is written).
/// The reading loop only compares the packet count with the next checkpoint; the position is
/// worked out at the checkpoint.
public struct ReadProgress: Sendable, Equatable {
    /// Bytes of the inputs read so far: the memory-mapped reader's offset; for a file libpcap
    /// reads, an estimate from its records (pcap's 24-byte header and 16 bytes per record).
    public var bytesRead: Int
    /// The inputs' sizes added up; nil when one has no size (standard input, a pipe).
    public var totalBytes: Int?
    /// Packets read so far.
    public var packets: Int
    /// Input is over.
    public var finished: Bool

    public init(bytesRead: Int, totalBytes: Int?, packets: Int, finished: Bool) {
        self.bytesRead = bytesRead
        self.totalBytes = totalBytes
        self.packets = packets
        self.finished = finished
    }

    /// Packets between two checkpoints.
    public static let interval = 4096
}

/// The inputs' sizes and where each reader is, for `ReadProgress`.
struct InputPositions {
    /// Each input's size; nil for one that is not a regular file.
    let sizes: [Int?]

    init(paths: [String]) {
        sizes = paths.map { path in
            var st = stat()
            guard path != "-", stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            return Int(st.st_size)
        }
    }

    var total: Int? {
        var sum = 0
        for s in sizes {
            guard let s else { return nil }
            sum += s
        }
        return sum
    }

    /// Where input `i` is: `offset` when the reader tells it (-1 when not); the whole file
    /// once it is read (`done`); otherwise an estimate from the packets it has given (`file`).
    func position(_ i: Int, offset: Int, done: Bool, file: CaptureSummary.File) -> Int {
        if offset >= 0 && !done { return offset }
        let estimate = 24 + file.bytes + 16 * file.packets
        if done, let size = sizes[i] { return size }
        return sizes[i].map { min($0, estimate) } ?? estimate
    }
}

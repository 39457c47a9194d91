#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole capture file. Pages already consumed can be
/// handed back to the kernel with `release(before:)`, so resident memory stays flat while
/// a large file streams through.
final class MappedFile {
    let path: String
    let base: UnsafeRawPointer?
    let size: Int
    /// Pages before this offset were handed back (or, with `dropsElsewhere`, left to be).
    private(set) var releasedUpTo = 0
    /// Whether `release` leaves the pages it frees to another thread (`takeDrops`, `drop`) instead
    /// of dropping them itself: a sharded run's reader (`ShardedRun`), whose thread is the busiest.
    /// Set before the reader frees any page.
    var dropsElsewhere = false
    /// Pages from here to `releasedUpTo` were freed and not handed on by `takeDrops` yet.
    private var takenUpTo = 0
    /// Where the reader was when `release` last looked: at most `releaseStep` bytes
    /// (and a record) behind how far it has read.
    private(set) var readTo = 0
    /// Pages from this offset on are kept (`keep(from:)`).
    private var keptFrom = Int.max
    /// `release` looks again once the reader is here: one comparison per packet.
    private var releaseAt: Int
    /// Pages are dropped every `releaseStep` bytes read, up to `releaseLag` bytes behind the reader.
    private let releaseStep: Int
    private let releaseLag: Int
    /// The mapping's slot in `BusErrorGuard` (nil: empty file, or every slot taken).
    private var guardSlot: Int? = nil

    /// Opens and maps `path`. Throws a message naming the file and the system error.
    /// - Parameters:
    ///   - releaseStep: bytes read between two looks at the pages to drop.
    ///   - releaseLag: bytes kept behind the reader (a record, with room to spare).
    init(path: String, releaseStep: Int = 8 << 20, releaseLag: Int = 8 << 20) throws(CaptureIssue) {
        self.releaseStep = releaseStep
        self.releaseLag = releaseLag
        releaseAt = releaseStep
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CaptureIssue(kind: .readError, file: path, packet: 0, offset: -1,
                               detail: "cannot open: \(String(cString: strerror(errno)))", fatal: true)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw CaptureIssue(kind: .readError, file: path, packet: 0, offset: -1,
                               detail: "cannot stat: \(String(cString: strerror(errno)))", fatal: true)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw CaptureIssue(kind: .readError, file: path, packet: 0, offset: -1,
                               detail: "not a regular file; use --reader libpcap for pipes and devices", fatal: true)
        }
        let length = Int(st.st_size)
        if length == 0 {
            self.path = path; self.base = nil; self.size = 0
            return
        }
        guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw CaptureIssue(kind: .readError, file: path, packet: 0, offset: -1,
                               detail: "cannot map: \(String(cString: strerror(errno)))", fatal: true)
        }
        _ = madvise(p, length, MADV_SEQUENTIAL)
        self.path = path
        self.base = UnsafeRawPointer(p)
        self.size = length
        guardSlot = BusErrorGuard.watch(base: UnsafeRawPointer(p), size: length, path: path)
    }

    /// The reader is at `offset`: every `releaseStep` bytes, drops the resident pages wholly
    /// before `offset - releaseLag` and before `keep(from:)`'s offset; pages touched again are
    /// re-read from the file.
    @inline(__always)
    func release(before offset: Int) {
        if offset >= releaseAt { releaseNow(before: offset) }
    }

    /// The offset from which `release(before:)` next drops pages: a reader may call it only
    /// from there on.
    var nextRelease: Int { releaseAt }

    /// Keeps the pages from `offset` on, whatever the reader's position (a sharded run's
    /// workers still read there), until a later call moves it on. Only the reader's thread may
    /// call it.
    func keep(from offset: Int) { keptFrom = offset }

    private func releaseNow(before offset: Int) {
        readTo = offset
        releaseAt = offset &+ releaseStep
        guard let base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = min(offset &- releaseLag, keptFrom) / page * page
        guard end > releasedUpTo else { return }
        if !dropsElsewhere {
            _ = madvise(UnsafeMutableRawPointer(mutating: base) + releasedUpTo, end - releasedUpTo, MADV_DONTNEED)
        }
        releasedUpTo = end
    }

    /// The pages `release` freed since the last call (page-aligned offsets; empty: none), for
    /// another thread to `drop`. The reader's thread only.
    func takeDrops() -> Range<Int> {
        defer { takenUpTo = releasedUpTo }
        return takenUpTo..<releasedUpTo
    }

    /// Hands the pages of `range` (page-aligned offsets, freed by `release`) back to the kernel;
    /// any thread: the mapping never moves while it is held.
    func drop(_ range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base) + range.lowerBound, range.count, MADV_DONTNEED)
    }

    deinit {
        if let guardSlot { BusErrorGuard.forget(guardSlot) }
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }
}

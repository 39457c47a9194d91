#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole capture file. Pages already consumed can be
/// handed back to the kernel with `release(before:)`, so resident memory stays flat while
/// a large file streams through. The file stays open while it is mapped, so that a sharded
/// run's threads each map it again (`init(again:)`), each dropping its own mapping's pages.
final class MappedFile {
    let path: String
    let base: UnsafeRawPointer?
    let size: Int
    /// The open file (-1 for an empty one, which is not mapped).
    private let descriptor: Int32
    /// Pages before this offset were handed back.
    private(set) var releasedUpTo = 0
    /// `release` looks again once the reader is here: one comparison per packet.
    private var releaseAt: Int
    /// Pages are dropped every `releaseStep` bytes read, up to `releaseLag` bytes behind the reader.
    private let releaseStep: Int
    private let releaseLag: Int

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
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw CaptureIssue(kind: .readError, file: path, packet: 0, offset: -1,
                               detail: "cannot stat: \(String(cString: strerror(errno)))", fatal: true)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw CaptureIssue(kind: .readError, file: path, packet: 0, offset: -1,
                               detail: "not a regular file; use --reader libpcap for pipes and devices", fatal: true)
        }
        let length = Int(st.st_size)
        if length == 0 {
            close(fd)
            self.path = path; self.base = nil; self.size = 0; self.descriptor = -1
            return
        }
        guard let p = Self.map(fd, length) else {
            let error = errno
            close(fd)
            throw CaptureIssue(kind: .readError, file: path, packet: 0, offset: -1,
                               detail: "cannot map: \(String(cString: strerror(error)))", fatal: true)
        }
        self.path = path
        self.base = p
        self.size = length
        self.descriptor = fd
    }

    /// A mapping of its own of `other`'s file, as big as `other`'s (a file that grows meanwhile
    /// is read as far as `other` reads it): a sharded run's thread reads and drops its pages
    /// without touching `other`'s. Throws when the system refuses another mapping.
    init(again other: MappedFile, releaseStep: Int = 8 << 20, releaseLag: Int = 8 << 20) throws(CaptureIssue) {
        self.releaseStep = releaseStep
        self.releaseLag = releaseLag
        releaseAt = releaseStep
        path = other.path
        size = other.size
        guard other.descriptor >= 0 else { base = nil; descriptor = -1; return }
        let fd = dup(other.descriptor)
        guard fd >= 0, let p = Self.map(fd, size) else {
            let error = errno
            if fd >= 0 { close(fd) }
            throw CaptureIssue(kind: .readError, file: path, packet: 0, offset: -1,
                               detail: "cannot map it again for another thread: \(String(cString: strerror(error))); run it with --threads 1", fatal: true)
        }
        base = p
        descriptor = fd
    }

    /// `length` bytes of `fd` mapped read-only for reading front to back; nil when refused.
    private static func map(_ fd: Int32, _ length: Int) -> UnsafeRawPointer? {
        guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { return nil }
        _ = madvise(p, length, MADV_SEQUENTIAL)
        return UnsafeRawPointer(p)
    }

    /// The reader is at `offset`: every `releaseStep` bytes, drops this mapping's resident pages
    /// wholly before `offset - releaseLag`; pages touched again are re-read from the file.
    @inline(__always)
    func release(before offset: Int) {
        if offset >= releaseAt { releaseNow(before: offset) }
    }

    /// The offset from which `release(before:)` next drops pages: a reader may call it only
    /// from there on.
    var nextRelease: Int { releaseAt }

    private func releaseNow(before offset: Int) {
        releaseAt = offset &+ releaseStep
        guard let base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = (offset &- releaseLag) / page * page
        guard end > releasedUpTo else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base) + releasedUpTo, end - releasedUpTo, MADV_DONTNEED)
        releasedUpTo = end
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
        if descriptor >= 0 { close(descriptor) }
    }
}

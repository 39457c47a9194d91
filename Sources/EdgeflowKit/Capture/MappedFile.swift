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
    private var releasedUpTo = 0
    /// For a view (`view()`): the file that owns the mapping, kept alive while the view is.
    private let owner: MappedFile?
    private static let releaseStep = 8 << 20

    /// Opens and maps `path`. Throws a message naming the file and the system error.
    init(path: String) throws(CaptureIssue) {
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
        owner = nil
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
    }

    /// The same mapping for a thread that reads the file on its own (a flow worker of a sharded
    /// run): it never releases pages, since the owner's reader does that for the whole run.
    private init(viewOf owner: MappedFile) {
        self.owner = owner
        path = owner.path
        base = owner.base
        size = owner.size
        releasedUpTo = Int.max  // `release` then never finds a step to release
    }

    /// A view of this mapping (see `init(viewOf:)`).
    func view() -> MappedFile { MappedFile(viewOf: self) }

    /// Drops resident pages wholly before `offset`, but for the last `releaseLag` bytes (flow
    /// workers of a sharded run may still be reading packets there); pages touched again are
    /// re-read from the file.
    @inline(__always)
    func release(before offset: Int) {
        if offset &- releasedUpTo >= MappedFile.releaseStep &+ MappedFile.releaseLag { releaseNow(before: offset &- MappedFile.releaseLag) }
    }

    static let releaseLag = 8 << 20

    private func releaseNow(before offset: Int) {
        guard let base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = offset / page * page
        guard end > releasedUpTo else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base) + releasedUpTo, end - releasedUpTo, MADV_DONTNEED)
        releasedUpTo = end
    }

    deinit {
        if owner == nil, let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }
}

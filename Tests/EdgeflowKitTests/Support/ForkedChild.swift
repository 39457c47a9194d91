import Foundation
@testable import EdgeflowKit

/// What a forked child wrote to standard error, and how it ended.
struct ChildEnding { var exitStatus: Int32?; var signal: Int32?; var stderr: String }

/// Forks; the child sends standard error into a pipe and runs `body`, which must end the
/// process (exit or fault) and should only touch memory and make system calls (the test runner
/// is threaded). A run ended in the child removes only the temporary file of `slot`, if given:
/// the other temporary reports are those of tests running meanwhile in this process.
///
/// A global first read in the child waits for its one-time initialization's lock, which a
/// thread of the parent may have held when it forked, and would never be given back (a flow
/// table's seed hung a child at full CPU): such globals are read before forking, and a child
/// still running after `limit` seconds is ended by `SIGALRM`, a failed test, not a hung run.
func inForkedChild(removing slot: Int = -1, limit: UInt32 = 300, _ body: () -> Never) -> ChildEnding {
    _ = FlowTable.processSeed
    var fds: [Int32] = [0, 0]
    precondition(pipe(&fds) == 0, "pipe: \(errno)")
    let pid = fork()
    // A failed fork (-1) must not read as the parent of a child that exited 0.
    precondition(pid >= 0, "fork: \(errno)")
    if pid == 0 {
        alarm(limit)
        BusErrorGuard.removeOnlyOnFault(temporary: slot)
        _ = dup2(fds[1], 2)
        body()
    }
    close(fds[1])
    var text = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fds[0], &chunk, chunk.count)
        if n <= 0 { break }
        text += chunk[..<n]
    }
    close(fds[0])
    // Not a normal exit until `waitpid` says how this child ended: only this child (not any
    // child of another test, `waitpid(-1, ...)`), waited for again when a signal interrupts it.
    var status: Int32 = -1
    var reaped = waitpid(pid, &status, 0)
    while reaped == -1 && errno == EINTR { reaped = waitpid(pid, &status, 0) }
    precondition(reaped == pid, "waitpid: \(reaped), errno \(errno)")
    let signalled = status & 0x7f
    return ChildEnding(exitStatus: signalled == 0 ? (status >> 8) & 0xff : nil,
                       signal: signalled != 0 && signalled != 0x7f ? signalled : nil,
                       stderr: String(decoding: text, as: UTF8.self))
}

/// Field `field` (0: the process's mapped pages, 1: its resident pages) of `/proc/self/statm`,
/// in bytes, read without allocating (a forked child of the threaded test runner may call it).
func statmBytes(_ field: Int) -> Int {
    var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    return withUnsafeMutableBytes(of: &buffer) { b -> Int in
        let fd = open("/proc/self/statm", O_RDONLY)
        let n = read(fd, b.baseAddress, b.count)
        close(fd)
        var (pages, at) = (0, 0)
        for i in 0..<max(n, 0) {
            let c = b[i]
            if c == 32 {
                if at == field { break }
                (pages, at) = (0, at + 1)
            } else if c >= 48 && c <= 57 {
                pages = pages * 10 + Int(c - 48)
            } else {
                break
            }
        }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// In a forked child: lowers the address-space limit (`RLIMIT_AS`) to `bytes` above what the
/// process has mapped, so that the kernel refuses what goes beyond.
func limitAddressSpace(toMappedPlus bytes: Int) {
    let resource = __rlimit_resource_t(RLIMIT_AS.rawValue)
    var limit = rlimit()
    _ = getrlimit(resource, &limit)
    limit.rlim_cur = rlim_t(statmBytes(0) + bytes)
    _ = setrlimit(resource, &limit)
}

/// `prctl`, found through `dlsym` (Swift cannot import a C variadic function); looked up before
/// forking (the child of a threaded process must not take the loader's lock).
private typealias ProcessControl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
private let processControl = unsafeBitCast(dlsym(nil, "prctl"), to: ProcessControl?.self)

/// `inForkedChild` for a child that measures its resident memory: it turns transparent huge
/// pages off first (`PR_SET_THP_DISABLE`), as khugepaged could otherwise fill the huge-page-advised
/// ranges it inherited from the test runner into whole huge pages while it measures. A child that
/// cannot turn them off exits with status 3.
func inMeasuringChild(_ body: () -> Never) -> ChildEnding {
    let control = processControl
    return inForkedChild {
        guard control?(41, 1, 0, 0, 0) == 0 else { _exit(3) }
        body()
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Turns the bus error of a capture file that shrank while it was mapped into a message and
/// exit status 2 (and ends the run so for memory refused mid-run, `stop`).
///
/// A mapped file that another program shortens (log rotation, a restarted `tcpdump -w` on the
/// same name) makes the next read of a page past its new end raise SIGBUS, which would end the
/// run with no word. The handler installed here matches the fault's address against the
/// mapped captures: for one of them it writes which file and which byte are gone and what to
/// do, removes the temporary report files that would have replaced `--out`, and exits with
/// status 2; any other bus error, and one sent by `kill`, goes to the handler that was there before.
///
/// Hand-written: no library catches a fault in a mapping. A signal handler may only read
/// memory prepared before the fault and call async-signal-safe functions (`write`, `unlink`,
/// `_exit`), so every message is formatted when its file is mapped, but for the offset.
enum BusErrorGuard {
    /// A mapped capture: its address range and its message, before and after the offset.
    struct Region {
        var start: UInt = 0
        var end: UInt = 0
        /// `head` then `tail`, one allocation; nil in a free slot.
        var text: UnsafeMutablePointer<UInt8>? = nil
        var headLength = 0
        var tailLength = 0
    }

    /// Captures mapped at once (more are read unguarded, as before) and temporary files.
    static let regionCapacity = 256
    static let temporaryCapacity = 16

    private struct Tables: @unchecked Sendable {
        let regions = UnsafeMutablePointer<Region>.allocate(capacity: BusErrorGuard.regionCapacity)
        /// NUL-terminated paths; nil in a free slot.
        let temporaries = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: BusErrorGuard.temporaryCapacity)
        init() {
            regions.initialize(repeating: Region(), count: BusErrorGuard.regionCapacity)
            temporaries.initialize(repeating: nil, count: BusErrorGuard.temporaryCapacity)
        }
    }

    /// Written under `lock`, read by the handler without it (it cannot wait for a lock): a
    /// region is filled before its file's bytes are read, and emptied after its last read.
    private static let tables = Tables()
    private static let lock = Mutex<Bool>(false)   // whether the handler is installed
    /// Set by the first thread that reports a fault; another one faulting meanwhile waits for the exit.
    private static let reporting = Atomic<Bool>(false)
    /// The handler before ours. Kept in memory of its own with room to spare: glibc writes its
    /// whole `struct sigaction` (152 bytes), which is more than Swift allocates for the imported
    /// type, and a global of that type overflowed into the next one.
    nonisolated(unsafe) private static let previous = paddedAction()

    private static func paddedAction() -> UnsafeMutablePointer<sigaction> {
        let bytes = max(256, MemoryLayout<sigaction>.stride)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        return raw.bindMemory(to: sigaction.self, capacity: 1)
    }

    /// Guards the mapping of `path` at `base`, `size` bytes long. Returns the slot to give
    /// `forget`, or nil when every slot is taken (the file is then read unguarded).
    static func watch(base: UnsafeRawPointer, size: Int, path: String) -> Int? {
        let head = Array("edgeflow: error: \(path): the file shrank while it was being read: byte ".utf8)
        let tail = Array((" of the \(size) bytes it had when opened is gone; the run stopped there (a report for --out "
            + "was not written and the file keeps what it held; output already sent to standard output or written in place "
            + "is cut short). Analyse a copy of a capture that another program still writes or rotates, or read it "
            + "through standard input (cat FILE | edgeflow analyze -)\n").utf8)
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let start = UInt(bitPattern: base)
        return lock.withLock { installed -> Int? in
            if !installed {
                install()
                installed = true
            }
            guard let slot = (0..<regionCapacity).first(where: { tables.regions[$0].text == nil }) else { return nil }
            let text = UnsafeMutablePointer<UInt8>.allocate(capacity: head.count + tail.count)
            text.initialize(from: head, count: head.count)
            (text + head.count).initialize(from: tail, count: tail.count)
            tables.regions[slot] = Region(start: start, end: start + (UInt(size) + page - 1) / page * page,
                                          text: text, headLength: head.count, tailLength: tail.count)
            return slot
        }
    }

    /// The mapping of `slot` is about to go.
    static func forget(_ slot: Int) {
        lock.withLock { _ in
            let text = tables.regions[slot].text
            tables.regions[slot] = Region()
            text?.deallocate()
        }
    }

    /// `path` is removed if a watched capture shrinks (a temporary report file). Returns the
    /// slot to give `keep(temporary:)`, or nil when every slot is taken.
    static func removeOnFault(_ path: String) -> Int? {
        lock.withLock { _ -> Int? in
            guard let slot = (0..<temporaryCapacity).first(where: { tables.temporaries[$0] == nil }) else { return nil }
            tables.temporaries[slot] = strdup(path)
            return slot
        }
    }

    /// The temporary file of `slot` was renamed or removed: it no longer goes on a fault.
    static func keep(temporary slot: Int) {
        lock.withLock { _ in
            free(tables.temporaries[slot])
            tables.temporaries[slot] = nil
        }
    }

    /// In a process forked from a threaded one (the tests' children): a fault removes only
    /// the temporary file of `slot`; the others are the parent's, written by its other threads.
    /// Takes no lock (another thread may have held it at the fork) and allocates nothing.
    static func removeOnlyOnFault(temporary slot: Int) {
        for i in 0..<temporaryCapacity where i != slot { tables.temporaries[i] = nil }
    }

    /// Ends the run as a shrunk capture does, for a failure that no caller could take back (the
    /// system refusing memory a flow table needs mid-run): writes `message` as an error on
    /// standard error, removes the temporary report files and exits with status 2. Any thread;
    /// one that stops or faults meanwhile waits for the exit.
    static func stop(_ message: String) -> Never {
        let text = Array("edgeflow: error: \(message)\n".utf8)
        if reporting.exchange(true, ordering: .acquiringAndReleasing) {
            while true { pause() }
        }
        _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        // Under the lock when it comes free (no path freed while it is unlinked), without it when
        // it does not: in a forked child (the tests') a thread that is not there may hold its copy.
        var tries = 0
        while tries < 1000, lock.withLockIfAvailable({ _ in removeTemporaries() }) == nil {
            tries += 1
            sched_yield()
        }
        if tries == 1000 { removeTemporaries() }
        _exit(2)
    }

    /// `stop` for memory the system refused mid-run: "out of memory for `what`: the system
    /// refused `detail`; the run stopped (...). `advice`".
    static func refused(_ what: String, _ detail: String, advice: String) -> Never {
        stop("""
            out of memory for \(what): the system refused \(detail); the run stopped (a report for --out was not \
            written and the file keeps what it held; output already sent to standard output or written in place is \
            cut short). \(advice), or give edgeflow more memory (ulimit -v, the container's memory limit)
            """)
    }

    /// Removes the temporary report files (in the handler, or before `stop` exits).
    private static func removeTemporaries() {
        for i in 0..<temporaryCapacity {
            if let path = tables.temporaries[i] { unlink(path) }
        }
    }

    /// The watched region holding `address`, if any.
    static func region(holding address: UInt) -> Region? {
        for i in 0..<regionCapacity {
            let r = tables.regions[i]
            if r.text != nil && address >= r.start && address < r.end { return r }
        }
        return nil
    }

    private static func install() {
        let action = paddedAction()
        action.pointee.__sigaction_handler.sa_sigaction = busErrorHandler
        action.pointee.sa_flags = SA_SIGINFO
        sigemptyset(&action.pointee.sa_mask)
        _ = sigaction(SIGBUS, action, previous)
    }

    /// In the handler: reports a fault in `region` and exits.
    fileprivate static func report(_ region: Region, at address: UInt) -> Never {
        if reporting.exchange(true, ordering: .acquiringAndReleasing) {
            while true { pause() }
        }
        // The offset's digits, written backwards into 24 bytes on the stack.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var n = address - region.start
            var at = buffer.count
            repeat {
                at -= 1
                buffer[at] = UInt8(truncatingIfNeeded: 48 + n % 10)
                n /= 10
            } while n > 0
            if let text = region.text {
                _ = write(2, text, region.headLength)
                _ = write(2, buffer.baseAddress! + at, buffer.count - at)
                _ = write(2, text + region.headLength, region.tailLength)
            }
        }
        removeTemporaries()
        _exit(2)
    }

    /// A bus error elsewhere: the previous handler takes it when the faulting access runs
    /// again, or, for a signal sent (`kill`, si_code ≤ 0: no access to run again), when it is
    /// raised again (delivered once this handler returns).
    fileprivate static func passOn(sent: Bool) {
        _ = sigaction(SIGBUS, previous, nil)
        if sent { _ = raise(SIGBUS) }
    }
}

private let busErrorHandler: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = { _, info, _ in
    let address = UInt(bitPattern: info?.pointee._sifields._sigfault.si_addr)
    let sent = (info?.pointee.si_code ?? 0) <= 0
    if !sent, let region = BusErrorGuard.region(holding: address) { BusErrorGuard.report(region, at: address) }
    BusErrorGuard.passOn(sent: sent)
}

import Foundation
import Testing
@testable import EdgeflowKit

/// A capture that shrinks under its mapping: the read past its new end runs in a forked child
/// (a bus error ends the process), which only touches memory, so the fork is safe in a
/// threaded test runner.
@Suite("Bus errors in mapped captures", .serialized)
struct BusErrorGuardTests {
    /// Loads the byte at `address` in a forked child (`inForkedChild`), removing only the
    /// temporary file of `slot` on a fault.
    private func touchInChild(_ address: UnsafeRawPointer, removing slot: Int = -1) -> ChildEnding {
        inForkedChild(removing: slot) {
            let byte = address.load(as: UInt8.self)
            _exit(Int32(byte) == 255 ? 4 : 3)   // reached only if the page is still there
        }
    }

    private func file(size: Int) -> String {
        let path = scratchPath("shrink") + ".pcap"
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 0xAB, count: size))
        return path
    }

    @Test("a read past the new end of a mapped capture says which file and byte are gone, removes the temporary report and exits 2")
    func shrunkCapture() throws {
        let path = file(size: 65_536)
        defer { unlink(path) }
        let temporary = scratchPath("report") + ".json"
        _ = FileManager.default.createFile(atPath: temporary, contents: Data("partial".utf8))
        defer { unlink(temporary) }
        let mapped = try MappedFile(path: path)
        let slot = try #require(BusErrorGuard.removeOnFault(temporary))
        defer { BusErrorGuard.keep(temporary: slot) }
        // Another test's report in progress: the child leaves it (CI once lost one so).
        let other = scratchPath("report") + ".json"
        _ = FileManager.default.createFile(atPath: other, contents: Data("another test's".utf8))
        defer { unlink(other) }
        let otherSlot = try #require(BusErrorGuard.removeOnFault(other))
        defer { BusErrorGuard.keep(temporary: otherSlot) }
        #expect(truncate(path, 100) == 0)
        // Bytes of the first page past the new end read as zeros (no fault); the next page is gone.
        let base = try #require(mapped.base)
        #expect(base.load(fromByteOffset: 200, as: UInt8.self) == 0)
        let ending = touchInChild(base + 8_192 + 5, removing: slot)
        #expect(ending.exitStatus == 2)
        #expect(ending.stderr == "edgeflow: error: \(path): the file shrank while it was being read: byte 8197 of the 65536 "
            + "bytes it had when opened is gone; the run stopped there (a report for --out was not written and the file keeps "
            + "what it held; output already sent to standard output or written in place is cut short). Analyse a copy of a "
            + "capture that another program still writes or rotates, or read it through standard input "
            + "(cat FILE | edgeflow analyze -)\n")
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(FileManager.default.fileExists(atPath: other))
    }

    @Test("a mapping that was let go, or never watched, is not taken for a capture: its bus error stays a bus error")
    func otherMappings() throws {
        let path = file(size: 65_536)
        defer { unlink(path) }
        var base: UnsafeRawPointer?
        do {
            let mapped = try MappedFile(path: path)
            base = mapped.base
            #expect(BusErrorGuard.region(holding: UInt(bitPattern: base!) + 65_535) != nil)
        }
        // The same range mapped again by hand, unwatched, after the capture's mapping went.
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        let raw = try #require(mmap(nil, 65_536, PROT_READ, MAP_PRIVATE, fd, 0))
        defer { munmap(raw, 65_536) }
        #expect(BusErrorGuard.region(holding: UInt(bitPattern: raw)) == nil)
        #expect(truncate(path, 100) == 0)
        let ending = touchInChild(UnsafeRawPointer(raw) + 8_192)
        #expect(ending.exitStatus != 2 && !ending.stderr.contains("shrank"), "\(ending)")
        #expect(ending.signal == SIGBUS || ending.exitStatus.map { $0 != 0 } == true, "\(ending)")
    }
}

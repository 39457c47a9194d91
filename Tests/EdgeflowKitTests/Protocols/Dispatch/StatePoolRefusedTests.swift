import Foundation
import Testing
@testable import EdgeflowKit

/// A chunk the system refuses ends the run with a message naming the limits to lower and exit
/// status 2, not a crash. The refusal is the kernel's: a forked child lowers its address-space
/// limit (`RLIMIT_AS`) to 3 MiB above what it has mapped, then takes blocks until a chunk
/// does not fit (`inForkedChild`).
@Suite("State pools refused memory", .serialized)
struct StatePoolRefusedTests {
    /// A state of 200 bytes (25 words).
    struct Block { var words = InlineArray<25, UInt64>(repeating: 0) }

    @Test("a chunk refused by the system (RLIMIT_AS): the error says which states and bytes and what to lower, the temporary report goes, exit status 2")
    func refusedChunk() throws {
        let pool = StatePool<Block>(kind: "test states")
        let temporary = scratchPath("report") + ".json"
        _ = FileManager.default.createFile(atPath: temporary, contents: Data("partial".utf8))
        defer { unlink(temporary) }
        let slot = try #require(BusErrorGuard.removeOnFault(temporary))
        defer { BusErrorGuard.keep(temporary: slot) }
        let ending = inForkedChild(removing: slot) {
            // Chunks of 64, 128, 256, 512 and 1,024 KiB fit in 3 MiB (1,984 KiB); the 2 MiB one does not.
            limitAddressSpace(toMappedPlus: 3 << 20)
            while true { _ = pool.allocate() }
        }
        let stderr = ending.stderr
        #expect(ending.signal == nil && ending.exitStatus == 2, "\(ending)")
        #expect(stderr.hasPrefix("edgeflow: error: out of memory for the inspected flows' protocol states: the system refused 2097152 bytes more for test states (Cannot allocate memory; 2031616 bytes held for 9766 of them"), "\(stderr)")
        #expect(stderr.contains("Lower --max-inspected-flows (or --max-flows)"), "\(stderr)")
        #expect(stderr.hasSuffix("\n") && stderr.filter { $0 == "\n" }.count == 1, "\(stderr)")
        #expect(access(temporary, F_OK) != 0, "the temporary report is removed")
    }
}

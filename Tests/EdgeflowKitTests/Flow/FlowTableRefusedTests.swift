import Foundation
import Testing
@testable import EdgeflowKit

/// A flow table the system refuses to grow ends the run with a message naming what to lower
/// and exit status 2, not a trap. The refusal is the kernel's: a forked child lowers its
/// address-space limit (`RLIMIT_AS`) to 8 MiB above what it has mapped, then adds flows until
/// the records' or the slots' next doubling does not fit.
@Suite("Flow table refused memory", .serialized)
struct FlowTableRefusedTests {
    @Test("growth refused by the system (RLIMIT_AS): the error says how many bytes for what and to lower --max-flows, the temporary report goes, exit status 2")
    func refusedGrowth() throws {
        let temporary = scratchPath("table-report") + ".json"
        _ = FileManager.default.createFile(atPath: temporary, contents: Data("partial".utf8))
        defer { unlink(temporary) }
        let slot = try #require(BusErrorGuard.removeOnFault(temporary))
        defer { BusErrorGuard.keep(temporary: slot) }
        let ending = inForkedChild(removing: slot) {
            var table = FlowTable(capacity: 16)
            limitAddressSpace(toMappedPlus: 8 << 20)
            var n: UInt32 = 0
            while true {
                let k = FlowKey(a: IPAddress(ipv4: 0x0A00_0000 | n), b: IPAddress(ipv4: 0xC0A8_0001),
                                aPort: 50_000, bPort: 3478, proto: 17, ipVersion: 4)
                _ = table.insert(FlowRecord(key: k, sequence: Int(n), originatorIsA: true, timestamp: 0), hash: table.hash(k))
                n &+= 1
            }
        }
        let stderr = ending.stderr
        #expect(ending.signal == nil && ending.exitStatus == 2, "\(ending)")
        #expect(stderr.hasPrefix("edgeflow: error: out of memory for the flow table: the system refused "), "\(stderr)")
        // Either doubling may be the one refused: the records' or the slots' (both `mmap`, `mremap`).
        let refused = stderr.contains(" bytes for its records of ") || stderr.contains(" bytes for its ") && stderr.contains(" slots (")
        #expect(refused, "\(stderr)")
        #expect(stderr.contains("(Cannot allocate memory); the run stopped"), "\(stderr)")
        #expect(stderr.contains("Lower --max-flows, or give edgeflow more memory"), "\(stderr)")
        #expect(stderr.hasSuffix("\n") && stderr.filter { $0 == "\n" }.count == 1, "\(stderr)")
        #expect(access(temporary, F_OK) != 0, "the temporary report is removed")
    }
}

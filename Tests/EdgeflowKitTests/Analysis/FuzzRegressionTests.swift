import Testing
@testable import EdgeflowKit

/// Inputs libFuzzer found crashing (Fuzz/run.sh, address sanitizer), kept so they stay fixed.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// FuzzSTUN: a 10-byte MS-TURN-looking frame made TCPFraming read 4 bytes at offset 8.
    @Test("TCP framing of a 10-byte MS-TURN control header")
    func shortMSTURNFrame() {
        let input: [UInt8] = [0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        let pdu = input.withUnsafeBytes { TCPFraming.next($0) }
        #expect(pdu.kind == .msTURNControl && pdu.length == 4)
    }
}

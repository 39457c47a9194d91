import Testing
@testable import EdgeflowKit

@Suite("Layout")
struct LayoutTests {
    /// Results are plain data: bitwise-copyable and of bounded size.
    @Test func sizes() {
        func isBitwiseCopyable<T: BitwiseCopyable>(_: T.Type) -> Bool { true }
        #expect(isBitwiseCopyable(STUNMessage.self) && isBitwiseCopyable(TCPPDU.self))
        #expect(MemoryLayout<STUNMessage>.size <= 1024)
        // A stream's time slices live out of line (Benchmarks/README.md: 320 bytes a stream, 2,096 an RTP flow).
        #expect(MemoryLayout<RTPStreamStats>.size <= 320 && MemoryLayout<RTPFlowStats>.size <= 2096)
    }
}

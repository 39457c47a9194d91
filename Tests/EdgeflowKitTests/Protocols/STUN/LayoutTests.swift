import Testing
@testable import EdgeflowKit

@Suite("Layout")
struct LayoutTests {
    /// Results are plain data: bitwise-copyable and of bounded size.
    @Test func sizes() {
        func isBitwiseCopyable<T: BitwiseCopyable>(_: T.Type) -> Bool { true }
        #expect(isBitwiseCopyable(STUNMessage.self) && isBitwiseCopyable(TCPPDU.self) && isBitwiseCopyable(RTPStreamStats.self))
        #expect(MemoryLayout<STUNMessage>.size <= 1024)
    }
}

import Testing
@testable import EdgeflowKit

/// `--threads auto` must never cost where sharding cannot pay: one core, or a small capture.
@Suite("Automatic thread count")
struct ThreadChoiceTests {
    @Test("one thread on one core or for a capture under 32 MB; else one per core, at most 4")
    func choice() {
        #expect(ThreadChoice.threads(cores: 1, captureBytes: 1 << 30) == 1)
        #expect(ThreadChoice.threads(cores: 2, captureBytes: 31 << 20) == 1)
        #expect(ThreadChoice.threads(cores: 2, captureBytes: 32 << 20) == 2)
        #expect(ThreadChoice.threads(cores: 3, captureBytes: 1 << 30) == 3)
        #expect(ThreadChoice.threads(cores: 16, captureBytes: 1 << 30) == 4)
    }
}

import Testing
@testable import EdgeflowKit

/// A finding's message names the endpoints noted in it, joined when read.
@Suite("Finding subjects")
struct FindingSubjectsTests {
    @Test("a finding names five endpoints, then counts the rest; a repeated one is named once")
    func findingSubjects() {
        var f = Finding(severity: .warning, code: .limitReached, message: "seen at")
        #expect(f.message == "seen at")
        for s in ["a", "b", "a", "c", "d", "e", "f", "g", "f"] { f.addSubject(s) }
        #expect(f.message == "seen at a, b, c, d, e and 3 more")
        f.message = "replaced"
        #expect(f.message == "replaced")
    }
}

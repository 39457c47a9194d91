import Testing
@testable import EdgeflowKit

/// ICE ufrag pairs from Binding requests' USERNAME ("RFRAG:LFRAG", RFC 8445 §7.2.2).
@Suite("ICE ufrag pairs")
struct ICEPairsTests {
    static func note(_ pairs: inout ICEPairs, _ u: String) {
        Array(u.utf8).withUnsafeBytes { pairs.note(username: $0) }
    }

    /// The checks of both agents swap the ufrags (L's check to R is "R:L", R's to L is "L:R"):
    /// one session.
    @Test func bothDirectionsGiveOnePair() {
        var p = ICEPairs()
        Self.note(&p, "pLyZHR:GwL3AHBovubLvCqn")
        Self.note(&p, "GwL3AHBovubLvCqn:pLyZHR")
        #expect(p.pairs == ["GwL3AHBovubLvCqn:pLyZHR"])
        #expect(p.skipped == 0)
    }

    @Test func boundedAndMalformedUsernamesAreCounted() {
        var p = ICEPairs()
        for u in ["a1:b1", "a2:b2", "a3:b3", "a4:b4", "a5:b5", "nocolon", ":b", "a:", String(repeating: "x", count: 40) + ":" + String(repeating: "y", count: 40)] {
            Self.note(&p, u)
        }
        #expect(p.pairs == ["a1:b1", "a2:b2", "a3:b3", "a4:b4"])
        #expect(p.skipped == 5)
    }
}

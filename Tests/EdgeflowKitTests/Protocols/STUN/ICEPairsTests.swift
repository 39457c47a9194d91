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

    /// ndpi-skype-conference-call.pcap frames 1 and 2 (`tshark -r F -Y "frame.number==N" -T fields
    /// -e udp.payload`): the two agents' first checks, 192.168.2.20:49282 ↔ 104.46.40.49:60642,
    /// each with MS-IMPLEMENTATION-VERSION 3 and MS-CANDIDATE-IDENTIFIER (Microsoft's ICE);
    /// `tshark -V` shows USERNAME "gppe:zWyk" (ICE-CONTROLLING) and "zWyk:gppe" (ICE-CONTROLLED).
    static let skypeChecks = [
        hex("000100542112a442c55a4fdfde0c325e304c60c700060009677070653a7a57796b000000002400046efffeff802a00080000000000bf431780"
                     + "54000131000000807000040000000300080014c3926666385c09a134e40a0c6c2ef3061a8b62ab802800041fb59b6b"),
        hex("000100542112a4423cc85da6a06278cef536c2e1000600097a57796b3a67707065000000002400046efffeff8029000800000000000297938"
                     + "05400013100000080700004000000030008001479eff31a2f89ec90aec43a8f630ccaa83c18d8f580280004e46f7e16"),
    ]

    /// [MS-ICE2] §3.1.5.2.2 ("Validating the STUN Binding Request"): a USERNAME is valid when it
    /// is two values separated by a colon, the first the receiving endpoint's own ufrag, the
    /// form of RFC 8445 §7.2.2; so Microsoft's clients' checks of one session also give one pair.
    @Test func msICE2ChecksOfBothAgentsGiveOnePair() throws {
        var p = ICEPairs()
        var seen: [String] = []
        for bytes in Self.skypeChecks {
            try bytes.withUnsafeBytes { b in
                let m = try STUNDecoder.decode(b)
                #expect(m.method == .binding && m.messageClass == .request && m.attributes.msImplementationVersion == 3)
                let u = try #require(m.attributes.username).slice(of: b)
                seen.append(String(decoding: u, as: UTF8.self))
                p.note(username: u)
            }
        }
        #expect(seen == ["gppe:zWyk", "zWyk:gppe"])
        #expect(p.pairs == ["gppe:zWyk"] && p.skipped == 0)
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

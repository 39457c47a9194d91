import Testing
@testable import EdgeflowKit

@Suite("Service sets: members and main service")
struct ServiceSetTests {
    /// The README's order of the services (the `services` list's), each the bit of its raw value.
    static let listed = ["sip-tls", "tls", "turn-tcp", "stun", "dtls", "sip", "dns", "rtp", "rtcp"]
    /// The main service's precedence: the session protocol on TCP, media over its signalling on UDP.
    static let precedence = ["sip-tls", "turn-tcp", "tls", "rtp", "stun", "dtls", "sip", "dns", "rtcp"]

    @Test("every set of bits, those of no service too: members in the README's order, the main one by precedence")
    func everySet() {
        for bits in 0..<(1 << 12) {
            var set = ServiceSet()
            set.bits = UInt16(bits)
            let expected = Self.listed.indices.filter { bits & (1 << ($0 + 1)) != 0 }.map { Self.listed[$0] }
            var visited: [String] = []
            set.forEach { visited.append($0.name) }
            #expect(visited == expected, "bits \(bits)")
            #expect(set.members.map(\.name) == expected)
            #expect(set.main.name == (Self.precedence.first(where: expected.contains) ?? "unknown"), "bits \(bits)")
        }
    }
}

import Testing
@testable import EdgeflowKit

/// The STUN/TURN findings of exchanges whose meaning RFC 8656 (TURN) and RFC 8445 (ICE) fix:
/// a TURN request refused with 441 Wrong Credentials, Allocate challenged with 401 again and
/// again, an ICE Binding refused with 487 Role Conflict (no TURN failure), requests to Office
/// 365 that nothing answered.
@Suite("STUN/TURN findings")
struct STUNFindingsTests {
    static let av = "203.0.113.20", o365 = "52.114.0.3"

    /// A STUN message of `type` (method and class bits), transaction `id`, with ERROR-CODE `error`.
    static func message(_ type: UInt16, id: UInt8, error: UInt16? = nil) -> STUNMessage {
        var attributes: [UInt8] = []
        if let error { attributes = [0x00, 0x09, 0x00, 0x04, 0x00, 0x00, UInt8(error / 100), UInt8(error % 100)] }
        let header: [UInt8] = [UInt8(type >> 8), UInt8(type & 0xFF), 0x00, UInt8(attributes.count), 0x21, 0x12, 0xA4, 0x42]
        return stun(header + [UInt8](repeating: id, count: 12) + attributes)!
    }

    static let allocateRequest: UInt16 = 0x0003, allocateError: UInt16 = 0x0113
    static let bindingRequest: UInt16 = 0x0001, bindingError: UInt16 = 0x0111

    static func findings(_ exchange: [(STUNMessage, fromOriginator: Bool)]) -> [STUNFinding] {
        var st = STUNFlowStats()
        for (i, m) in exchange.enumerated() { withUnsafePointer(to: m.0) { st.record($0, timestamp: Int64(i) * 1_000_000, fromOriginator: m.fromOriginator) } }
        var out: [STUNFinding] = []
        withUnsafePointer(to: st) { STUNFinding.check($0, ends, transport: 17) { out.append($0) } }
        return out
    }

    /// A/V Edge :3478 → Office 365 :3478 over UDP.
    static var ends: FlowEnds {
        let key = FlowKey(a: IPAddress(av)!, b: IPAddress(o365)!, aPort: 3478, bPort: 3478, proto: 17, ipVersion: 4)
        return FlowEnds(FlowRecord(key: key, sequence: 0, originatorIsA: true, timestamp: 0),
                        Classification(origRole: .avEdge, respRole: .office365, rule: nil, verdict: .allowed))
    }

    @Test("Allocate refused with 441: turn_allocate_failed, an error named with RFC 8656's reason phrase")
    func wrongCredentials() {
        let f = Self.findings([(Self.message(Self.allocateRequest, id: 1), true), (Self.message(Self.allocateError, id: 1, error: 441), false)])
        #expect(f == [.turnRefused(errorCode: 441)])
        #expect(f.first?.code == .turnAllocateFailed && f.first?.severity == .error)
        #expect(f.first?.message(Self.ends) == "TURN requests refused with 441 Wrong Credentials:")
        #expect(f.first?.subject(Self.ends) == "Office 365 52.114.0.3:3478")
    }

    @Test("Allocate answered 401 three times, never accepted: turn_auth_loop only (401 is the normal challenge)")
    func authLoop() {
        var exchange: [(STUNMessage, fromOriginator: Bool)] = []
        for id: UInt8 in 1...3 {
            exchange.append((Self.message(Self.allocateRequest, id: id), true))
            exchange.append((Self.message(Self.allocateError, id: id, error: 401), false))
        }
        let f = Self.findings(exchange)
        #expect(f == [.turnAuthLoop] && f.first?.code == .turnAuthLoop)
    }

    @Test("an ICE Binding refused with 487 Role Conflict is no TURN failure; Binding requests never answered are stun_unanswered")
    func bindingOnly() {
        let conflict = Self.findings([(Self.message(Self.bindingRequest, id: 1), true), (Self.message(Self.bindingError, id: 1, error: 487), false)])
        #expect(conflict.isEmpty)
        let unanswered = Self.findings([(Self.message(Self.bindingRequest, id: 1), true), (Self.message(Self.bindingRequest, id: 2), true)])
        #expect(unanswered == [.unanswered] && unanswered.first?.code == .stunUnanswered)
        #expect(unanswered.first?.subject(Self.ends) == "203.0.113.20:3478 → 52.114.0.3:3478")
    }
}

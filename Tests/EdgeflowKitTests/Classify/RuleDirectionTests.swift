import Foundation
import Testing
@testable import EdgeflowKit

/// A hybrid rule is a direction (Microsoft's table lists both directions of each media rule):
/// its status comes from the packets that go its way, on any flow, whoever opened it. The
/// expected statuses follow from the table: e.g. Office 365 :3478 → A/V Edge :3478 packets are
/// `stun-udp-in` traffic even when they answer the A/V Edge.
@Suite("Rule status by packet direction")
struct RuleDirectionTests {
    typealias C = ClassificationTests
    static let av = C.av, ae = C.ae

    static func rules(_ sessions: [[[UInt8]]]) throws -> (rules: [String: [String: Any]], flows: [[String: Any]], codes: [String], messages: [String]) {
        let r = try C.report(sessions, configure: C.withTopology)
        let rules = Dictionary(uniqueKeysWithValues: (r["rules"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
        let findings = r["findings"] as! [[String: Any]]
        return (rules, r.flows, findings.map { $0["code"] as! String }, findings.map { $0["message"] as! String })
    }

    @Test("UDP 3478 ↔ 3478 opened by the A/V Edge and answered: both rules seen, the inbound one only through replies")
    func udpOpenedByEdge() throws {
        let r = try Self.rules([C.udp(Self.av, 3478, "52.114.0.3", 3478)])
        #expect(r.rules["stun-udp-out"]?["status"] as? String == "seen")
        #expect(r.rules["stun-udp-in"]?["status"] as? String == "seen")
        #expect(r.rules["stun-udp-out"]?["flows_opened"] as? Int == 1 && r.rules["stun-udp-in"]?["flows_opened"] as? Int == 0)
        // One request out, one response in: each rule has the packets of its own direction.
        #expect(r.rules["stun-udp-out"]?["packets"] as? Int == 1 && r.rules["stun-udp-in"]?["packets"] as? Int == 1)
        let f = try #require(r.flows.first)
        #expect(f["rule"] as? String == "stun-udp-out" && f["reply_rule"] as? String == "stun-udp-in")
        #expect(!r.messages.contains { $0.contains("stun-udp-in") && $0.contains("never seen") })
        #expect(r.codes.contains("rule_replies_only"))
    }

    @Test("UDP 3478 ↔ 3478 opened by Office 365: stun-udp-in opened, stun-udp-out seen through the replies")
    func udpOpenedByOffice365() throws {
        let r = try Self.rules([C.udp("52.114.0.4", 3478, Self.av, 3478)])
        #expect(r.rules["stun-udp-in"]?["flows_opened"] as? Int == 1 && r.rules["stun-udp-in"]?["status"] as? String == "seen")
        #expect(r.rules["stun-udp-out"]?["flows_opened"] as? Int == 0 && r.rules["stun-udp-out"]?["status"] as? String == "seen")
        #expect(r.flows.first?["rule"] as? String == "stun-udp-in" && r.flows.first?["reply_rule"] as? String == "stun-udp-out")
    }

    @Test("one-way UDP: the sender's rule is unanswered, the reverse rule never seen")
    func oneWay() throws {
        let r = try Self.rules([C.udp(Self.av, 3478, "52.114.0.3", 3478, replies: false)])
        #expect(r.rules["stun-udp-out"]?["status"] as? String == "unanswered")
        #expect(r.rules["stun-udp-in"]?["status"] as? String == "not_seen")
        #expect(r.flows.first?["reply_rule"] is NSNull)
        #expect(r.codes.contains("rule_unanswered") && r.codes.contains("rule_not_seen"))
    }

    @Test("A/V Edge → Office 365 :443: the connection's replies are stun-tcp-in traffic; a reset is not")
    func tcpReplies() throws {
        let answered = try Self.rules([C.tcp(Self.av, 50100, "52.114.0.1", 443)])
        #expect(answered.rules["stun-tcp-out"]?["status"] as? String == "seen")
        #expect(answered.rules["stun-tcp-in"]?["status"] as? String == "seen" && answered.rules["stun-tcp-in"]?["flows_opened"] as? Int == 0)
        // SYN-ACK and one data segment from Office 365 :443.
        #expect(answered.rules["stun-tcp-in"]?["packets"] as? Int == 2)
        #expect(answered.flows.first?["reply_rule"] as? String == "stun-tcp-in")

        let refused = try Self.rules([C.tcp(Self.av, 50100, "52.114.0.1", 443, answer: "rst")])
        #expect(refused.rules["stun-tcp-out"]?["status"] as? String == "unanswered")
        #expect(refused.rules["stun-tcp-in"]?["status"] as? String == "not_seen")
        #expect(refused.flows.first?["reply_rule"] is NSNull)
    }

    @Test("SIP on 5061 has no reply rule: an outbound session does not make sip-mtls-in seen")
    func sipDirections() throws {
        let r = try Self.rules([C.tcp(Self.ae, 50001, "52.112.1.5", 5061)])
        #expect(r.rules["sip-mtls-out"]?["status"] as? String == "seen")
        #expect(r.rules["sip-mtls-in"]?["status"] as? String == "not_seen")
        #expect(r.flows.first?["reply_rule"] is NSNull)
    }

    @Test("violations count toward no rule, in either direction")
    func violationsDoNotCount() throws {
        // Source port 3479 (the table requires 3478), and plaintext SIP on 5061.
        let r = try Self.rules([C.udp(Self.av, 3479, "52.114.0.5", 3478),
                                C.tcp(Self.ae, 50003, "52.112.1.8", 5061, payload: C.sipOptions)])
        for id in ["stun-udp-out", "stun-udp-in", "sip-mtls-out", "sip-mtls-in"] {
            #expect(r.rules[id]?["status"] as? String == "not_seen", "\(id)")
            #expect(r.rules[id]?["flows"] as? Int == 0, "\(id)")
        }
        #expect(r.flows.allSatisfy { $0["reply_rule"] is NSNull })
    }

    @Test("a connection captured without its SYN opens no rule, yet its sender's rule is not 'seen only in replies'")
    func midConnection() throws {
        // Data both ways on A/V Edge :50100 ↔ Office 365 :443, no handshake captured.
        let frames = [Frames.tcp4(Self.av, 50100, "52.114.0.1", 443, flags: C.ack | C.psh, seq: 101, ack: 901, payload: [0x17, 3, 3, 0, 1, 0]),
                      Frames.tcp4("52.114.0.1", 443, Self.av, 50100, flags: C.ack | C.psh, seq: 901, ack: 107, payload: [0x17, 3, 3, 0, 1, 0])]
        let r = try Self.rules([frames])
        #expect(r.rules["stun-tcp-out"]?["flows_opened"] as? Int == 0 && r.rules["stun-tcp-out"]?["status"] as? String == "seen")
        #expect(r.rules["stun-tcp-in"]?["status"] as? String == "seen")
        #expect(!r.messages.contains { $0.contains("rule stun-tcp-out") && $0.contains("only in the replies") })
        #expect(r.messages.contains { $0.contains("rule stun-tcp-in") && $0.contains("only in the replies") })
    }
}

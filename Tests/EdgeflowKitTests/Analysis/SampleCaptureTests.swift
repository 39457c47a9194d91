import Testing
@testable import EdgeflowKit

/// The bundled sample holds one scripted instance of each Edge traffic kind
/// (Scripts/gen_edge_capture.py --sample; tshark decodes them the same way).
@Suite("Bundled sample capture")
struct SampleCaptureTests {
    let report: [String: Any]

    init() throws {
        report = try analyzeJSON([repositoryRoot + "/Captures/edge-sample.pcap"])
    }

    private func flow(_ origH: String, _ origP: Int, _ respH: String, _ respP: Int) -> [String: Any]? {
        report.flows.first {
            $0["orig_h"] as? String == origH && $0["orig_p"] as? Int == origP && $0["resp_h"] as? String == respH && $0["resp_p"] as? Int == respP
        }
    }

    @Test("SIP over TLS on 5061 both ways completes; a refused and an unanswered attempt")
    func federation() throws {
        let out = try #require(flow("203.0.113.10", 49710, "52.112.1.5", 5061))
        #expect(out["service"] as? String == "sip-tls" && out["conn_state"] as? String == "SF")
        let inbound = try #require(flow("52.112.1.5", 52344, "203.0.113.10", 5061))
        #expect(inbound["service"] as? String == "sip-tls")
        let refused = try #require(flow("203.0.113.10", 49711, "52.113.10.20", 5061))
        #expect(refused["conn_state"] as? String == "REJ")
        let silent = try #require(flow("203.0.113.10", 49712, "52.122.3.3", 5061))
        #expect(silent["conn_state"] as? String == "S0" && silent["orig_pkts"] as? Int == 4 && silent["resp_pkts"] as? Int == 0)
        let v6 = try #require(flow("2001:db8:10::10", 49720, "2603:1063::5", 5061))
        #expect(v6["service"] as? String == "sip-tls")
    }

    @Test("STUN/TURN on UDP 3478 with relayed RTP, and MS-TURN over TCP 443")
    func media() throws {
        let relay = try #require(flow("203.0.113.20", 3478, "52.114.50.7", 3478))
        #expect(relay["services"] as? [String] == ["stun", "rtp"])
        let tcp = try #require(flow("203.0.113.20", 50123, "52.114.50.7", 443))
        #expect(tcp["service"] as? String == "turn-tcp")
        let plaintext = try #require(flow("203.0.113.10", 49713, "52.112.1.5", 5060))
        #expect(plaintext["service"] as? String == "sip")
    }

    @Test("capture totals")
    func totals() {
        #expect(report.capture["packets"] as? Int == 260)
        #expect(report.capture["ip_fragment_tails"] as? Int == 1)
        #expect((report.capture["decode_errors"] as? [String: Int])?.isEmpty == true)
        #expect(report.flows.count == 18)
    }

    @Test("the pcapng twin gives the same flows")
    func pcapngTwin() throws {
        let twin = try analyzeJSON([repositoryRoot + "/Captures/edge-sample.pcapng"])
        #expect(twin.flows.map { $0["uid"] as! String } == report.flows.map { $0["uid"] as! String })
    }
}

import Foundation
import Testing
@testable import EdgeflowKit

/// Findings that need no Edge role, for flows that have none (verdict `unrelated`): made, at
/// severity info.
@Suite("Findings about traffic without an Edge role")
struct UnrelatedFindingTests {
    /// zeek-tls-1.2-handshake-failure.pcap: tshark shows the server 74.125.239.37:443 answer
    /// the ClientHello with a fatal alert (`tls.alert_message.level` 2, `.desc` 40,
    /// handshake_failure). No Edge role is given nor inferable.
    @Test func failedHandshakeIsInformation() throws {
        let path = repositoryRoot + "/Captures/public/zeek-tls-1.2-handshake-failure.pcap"
        let alerts = try tsharkFields(path, ["-Y", "tls.alert_message", "-e", "ip.src", "-e", "tls.alert_message.level", "-e", "tls.alert_message.desc"])
        #expect(alerts == [["74.125.239.37", "2", "40"]])
        let report = try analyzeJSON([path])
        #expect(report.flows.first?["verdict"] as? String == "unrelated")
        let findings = report["findings"] as? [[String: Any]] ?? []
        let failed = try #require(findings.first { $0["code"] as? String == "tls_handshake_failed" })
        #expect(failed["severity"] as? String == "info")
        #expect((failed["message"] as? String)?.contains("handshake_failure") == true)
        #expect((failed["message"] as? String)?.contains("74.125.239.37:443") == true)
    }

    /// arkime-stun-ice-testcall.pcap: its 7 error responses are all Binding (tshark `stun.type`
    /// 0x0111; codes 401 and 500), ICE checks rather than TURN: no TURN failure is reported.
    @Test func bindingErrorsAreNoTURNFailure() throws {
        let path = repositoryRoot + "/Captures/public/arkime-stun-ice-testcall.pcap"
        let errors = try tsharkFields(path, ["-Y", "stun.type.class==0x0011", "-e", "stun.type"])
        #expect(errors.count == 7 && errors.allSatisfy { $0 == ["0x0111"] })
        let findings = try analyzeJSON([path])["findings"] as? [[String: Any]] ?? []
        #expect(!findings.contains { ($0["code"] as? String)?.hasPrefix("turn_") == true })
    }
}

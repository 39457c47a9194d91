import Foundation
import Testing
@testable import EdgeflowKit

/// Capture text on a terminal: control characters as visible escapes, hand-written vectors.
@Suite("Terminal text")
struct TerminalTextTests {
    /// An SRV name that clears the screen, retitles the window (OSC 0 ... BEL), starts a line
    /// of its own and hides behind DEL and a C1 CSI (U+009B).
    static let hostile = "_sip._tls.evil.example\u{1B}[2J\u{1B}]0;owned\u{07}\nINFO fake\u{7F}\u{9B}31m"

    @Test("C0, DEL and C1 become \\xHH or \\u{HH}; other text (UTF-8 included) is left alone")
    func vectors() {
        #expect(TerminalText.escaped(Self.hostile) == #"_sip._tls.evil.example\x1b[2J\x1b]0;owned\x07\x0aINFO fake\x7f\u{9b}31m"#)
        #expect(TerminalText.escaped("sip.contoso.com → 203.0.113.10:5061 é\t") == #"sip.contoso.com → 203.0.113.10:5061 é\x09"#)
        #expect(TerminalText.escaped("plain") == "plain")
    }

    static func written(_ body: (EdgeflowKit.OutputStream) -> Void) throws -> String {
        let path = scratchPath("terminal") + ".txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try EdgeflowKit.OutputStream(path: path)
        body(output)
        try output.close()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    static func report(_ findings: [Finding]) -> FinalReport {
        FinalReport(capture: CaptureSummary(), topology: Topology(ranges: Office365Ranges.embedded()), inferred: [],
                    rules: [], findings: findings, violations: 0, dns: DNSReport(DNSBook()))
    }

    @Test("the table view writes a finding's capture text escaped, with no control byte but its line ends")
    func table() throws {
        let finding = Finding(severity: .error, code: .dnsSRVFailed, message: "SRV lookup \(Self.hostile) failed")
        let text = try Self.written { out in
            TableReportWriter(output: out, top: 5, color: false, width: 80).finish(Self.report([finding]))
        }
        #expect(!text.utf8.contains { ($0 < 0x20 && $0 != 0x0A) || $0 == 0x7F })
        #expect(!text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
        #expect(text.contains(#"\x1b[2J\x1b]0;owned\x07\x0aINFO"#), "\(text)")
        #expect(!text.contains("\nINFO fake"))
    }

    @Test("the live view names a new finding by its code (dns_srv_failed), its message escaped; more than 5 are counted")
    func liveView() throws {
        let findings = [Finding(severity: .error, code: .dnsSRVFailed, message: "SRV lookup \(Self.hostile) failed")]
            + (0..<6).map { _ in Finding(severity: .warning, code: .limitReached, message: "a limit") }
        let text = try Self.written { out in
            let view = LiveViewWriter(output: out, top: 5, color: false, fullAddresses: true)
            view.interval(LiveStatus(report: Self.report([]), now: 0, intervalLength: 1_000_000_000, intervalPackets: 0, intervalBytes: 0,
                                     liveFlows: 0, kernelDrops: 0, interfaceDrops: 0, newFindings: findings))
        }
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[1] == #"  new [error] dns_srv_failed: SRV lookup _sip._tls.evil.example\x1b[2J\x1b]0;owned\x07\x0aINFO fake\x7f\u{9b}31m failed"#, "\(text)")
        #expect(lines[2] == "  new [warning] limit_reached: a limit")
        #expect(lines.last == "  and 2 more new (the final report lists every finding)")
        #expect(lines.count == 7)
    }
}

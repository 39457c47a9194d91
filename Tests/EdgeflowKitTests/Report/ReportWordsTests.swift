import Foundation
import Testing
@testable import EdgeflowKit

/// The words a report uses for its facts: endpoints, severities, undeclared Edge addresses,
/// and tables that fit the terminal without cutting addresses from the left.
@Suite("Report words")
struct ReportWordsTests {
    static let sample = repositoryRoot + "/Captures/edge-sample.pcap"

    static func findings(_ r: [String: Any]) -> [[String: Any]] { r["findings"] as! [[String: Any]] }

    @Test("IPv6 endpoints with a port are written [address]:port in findings (RFC 5952 §6)")
    func bracketedIPv6() throws {
        // tshark: the IPv6 federation attempt goes to 2603:1063::5 port 5061.
        let rows = try tsharkFields(Self.sample, ["-Y", "ipv6 and tcp.flags.syn == 1 and tcp.flags.ack == 0", "-e", "ipv6.dst", "-e", "tcp.dstport"])
        #expect(rows.map { $0.joined(separator: " ") } == ["2603:1063::5 5061"])
        let r = try analyzeJSON([Self.sample])
        let failed = try #require(Self.findings(r).first { $0["code"] as? String == "tls_handshake_failed" })
        let message = failed["message"] as! String
        #expect(message.hasSuffix("Access Edge 2001:db8:10::10 → Office 365 [2603:1063::5]:5061"))
        #expect(IPAddress("2001:db8::1")!.text(port: 3478) == "[2001:db8::1]:3478")
        #expect(IPAddress("192.0.2.1")!.text(port: 3478) == "192.0.2.1:3478")
    }

    /// The README's words for `client_cert` and `handshake`, and the versions' names (written as
    /// static text by the `tls` object; an unknown version as "0x" and four hex digits).
    @Test("TLS versions, client certificate states and handshake outcomes as the report names them")
    func tlsWords() {
        #expect([0x0002, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7F1C, 0xFEFD].map { TLSVersion(rawValue: $0).description }
                == ["SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3", "0x7f1c", "0xfefd"])
        #expect(TLSVersion(rawValue: 0x7F1C).staticName == nil)
        #expect([TLSClientCertificateStatus.present, .empty, .absent, .encrypted].map(\.name) == ["present", "empty", "absent", "encrypted"])
        #expect([TLSOutcome.complete, .failed, .incomplete, .notCaptured].map(\.name) == ["complete", "failed", "incomplete", "not_captured"])
    }

    @Test("every flow counted as a violation has a finding of error severity")
    func violationsAreErrors() throws {
        let r = try analyzeJSON([Self.sample])
        let violating = Set(r.flows.filter { $0["verdict"] as? String == "violation" }.map { $0["uid"] as! String })
        #expect(violating.count == 3)
        let inErrors = Set(Self.findings(r).filter { $0["severity"] as? String == "error" }.flatMap { $0["flows"] as! [String] })
        #expect(violating.isSubset(of: inErrors))
    }

    @Test("with roles given, an undeclared address acting as the Access Edge is named with the flag to add it to")
    func undeclaredEdge() throws {
        // tshark: 2001:db8:10::10 sends a TLS ClientHello to Office 365 (2603:1063::5) on 5061.
        let hellos = try tsharkFields(Self.sample, ["-Y", "tls.handshake.type == 1", "-e", "ipv6.src", "-e", "tcp.dstport"])
        #expect(hellos.contains(["2001:db8:10::10", "5061"]))
        let r = try analyzeJSON([Self.sample]) { o in
            o.edges[.accessEdge] = [Prefix("203.0.113.10")!]
            o.edges[.avEdge] = [Prefix("203.0.113.20")!]
        }
        let u = try #require(Self.findings(r).first { $0["code"] as? String == "undeclared_edge" })
        #expect(u["severity"] as? String == "warning")
        #expect((u["message"] as! String).hasPrefix("2001:db8:10::10 acts as the Access Edge (TLS on TCP 5061 with Office 365 2603:1063::5)"))
        #expect((u["message"] as! String).contains("add it to --access-edge"))
        // Declared, it is no longer named.
        let declared = try analyzeJSON([Self.sample]) { o in
            o.edges[.accessEdge] = [Prefix("203.0.113.10")!, Prefix("2001:db8:10::10")!]
            o.edges[.avEdge] = [Prefix("203.0.113.20")!]
        }
        #expect(!Self.findings(declared).contains { $0["code"] as? String == "undeclared_edge" })
    }

    @Test("the table fits the width it is given by shortening IPv6 endpoints in the middle, never from the left")
    func tableWidth() throws {
        for columns in [80] {
            let r = try CommandLineTests.run(["analyze", Self.sample, "--format", "table", "--top", "20"], environment: ["COLUMNS": "\(columns)"])
            #expect(r.status == 0)
            let flowRows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  tcp ") || $0.hasPrefix("  udp ") || $0.hasPrefix("! ") }
            #expect(flowRows.count == 18)
            #expect(flowRows.allSatisfy { $0.count <= columns }, "\(columns) columns")
            let v6 = try #require(flowRows.first { $0.contains("…") })
            // The start of the address and the port are kept.
            #expect(v6.contains("[2001:db8") && v6.contains("]:49720"))
        }
        let wide = try CommandLineTests.run(["analyze", Self.sample, "--format", "table"], environment: ["COLUMNS": "200"])
        #expect(wide.stdout.contains("[2001:db8:10::10]:49720 [2603:1063::5]:5061"))
        let full = try CommandLineTests.run(["analyze", Self.sample, "--format", "table", "--full-addresses"], environment: ["COLUMNS": "80"])
        #expect(full.stdout.contains("[2001:db8:10::10]:49720 [2603:1063::5]:5061") && !full.stdout.contains("…"))
    }
}

/// The README's sample output is what the README's first command prints (with `--top 8`, at
/// 80 columns): the user's guide shows real output.
@Suite("README sample")
struct ReadmeSampleTests {
    @Test("the README's sample table equals the output of edgeflow on the bundled capture")
    func sampleIsCurrent() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "```\nedgeflow  Captures/edge-sample.pcap\n"))
        let end = try #require(readme.range(of: "\n```\n", range: start.upperBound..<readme.endIndex))
        let sample = String(readme[readme.index(start.lowerBound, offsetBy: 4)..<end.lowerBound]) + "\n"
        let r = try CommandLineTests.run(["analyze", "Captures/edge-sample.pcap", "--format", "table", "--top", "8"],
                                         environment: ["COLUMNS": "80"], directory: repositoryRoot)
        #expect(r.status == 0)
        #expect(r.stdout == sample)
    }
}

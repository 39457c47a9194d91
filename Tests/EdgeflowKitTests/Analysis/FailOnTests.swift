import Foundation
import Testing
import EdgeflowKit

/// The `--fail-on` exit policy, on bundled captures whose verdicts are known: the Edge sample
/// has port-table violations and error findings (its table view's verdict line); the Zeek NAPTR
/// capture, with its DNS server named as the Access Edge, only warns that rules were not seen.
@Suite("--fail-on")
struct FailOnTests {
    static func report(_ path: String, accessEdge: String? = nil) throws -> FinalReport {
        var options = AnalyzeOptions(paths: [repositoryRoot + path])
        options.format = .json
        if let accessEdge { options.edges[.accessEdge] = [try #require(Prefix(accessEdge))] }
        let out = scratchPath("fail-on") + ".json"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let stream = try OutputStream(path: out)
        let report = try AnalyzeJob(options: options).run(output: stream) { _ in }
        try stream.close()
        return report
    }

    @Test("violations and error findings fail under either policy")
    func violations() throws {
        let r = try Self.report("/Captures/edge-sample.pcap")
        #expect(r.violations == 3)
        #expect(FailOn.violation.fails(r) && FailOn.warning.fails(r))
    }

    @Test("warnings fail only under `warning`")
    func warnings() throws {
        let r = try Self.report("/Captures/public/zeek-naptr.pcap", accessEdge: "192.0.2.250")
        #expect(r.violations == 0 && !r.findings.isEmpty && r.findings.allSatisfy { $0.severity == .warning })
        #expect(!FailOn.violation.fails(r))
        #expect(FailOn.warning.fails(r))
    }

    @Test("the flag wins over the settings file; a wrong fail_on names its line")
    func fromConfig() throws {
        let config = try ConfigFile(text: "udp_timeout = 60\nfail_on = \"warning\"\n", name: "edge.toml")
        #expect(try FailOn(flag: nil, config: config) == .warning)
        #expect(try FailOn(flag: .violation, config: config) == .violation)
        #expect(try FailOn(flag: nil, config: ConfigFile()) == nil)
        let bad = try ConfigFile(text: "fail_on = \"always\"\n", name: "edge.toml")
        #expect(throws: EdgeflowError.self) { try FailOn(flag: nil, config: bad) }
        do { _ = try FailOn(flag: nil, config: bad) } catch { #expect(error.description.hasPrefix("edge.toml:1: fail_on must be violation or warning")) }
    }
}

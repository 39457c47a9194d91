import Foundation
import Testing
@testable import EdgeflowKit

@Suite("Prometheus metrics")
struct MetricsTests {
    @Test("every metric family of a scrape has a # HELP line right before its # TYPE line (Prometheus text format 0.0.4)")
    func helpOnEveryFamily() throws {
        let metrics = MetricsExporter()
        var options = AnalyzeOptions(paths: [repositoryRoot + "/Captures/edge-sample.pcap"])
        options.format = .json
        let out = scratchPath("metrics") + ".json"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream, exporters: [metrics]) { _ in }
        try stream.close()
        let lines = String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n")
        let types = lines.indices.filter { lines[$0].hasPrefix("# TYPE ") }
        // The sample has TLS, STUN and rules: most families are there.
        #expect(types.count >= 14)
        for i in types {
            let name = lines[i].split(separator: " ")[2]
            #expect(i > 0 && lines[i - 1].hasPrefix("# HELP \(name) ") && lines[i - 1].count > "# HELP \(name) ".count + 10, "\(name)")
        }
        #expect(lines.filter { $0.hasPrefix("# HELP") }.count == types.count)
    }
}

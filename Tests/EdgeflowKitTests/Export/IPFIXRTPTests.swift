import Foundation
import Testing
@testable import EdgeflowKit

/// The RTP elements of IPFIX records (templates 258/259) for the flows of
/// Captures/calls/relay-call.pcap, as tshark's IPFIX dissector (cflow) reads them back, against
/// tshark's per-leg RTP stream table (Fixtures/relay-call.rtp-streams.txt).
@Suite("IPFIX RTP elements")
struct IPFIXRTPTests {
    typealias R = RelayCallCaptureTests

    /// The flows edgeflow ends for CAPTURE.
    static func flows(_ capture: String) throws -> [FlowSummary] {
        final class Keep: ReportWriter {
            var flows: [FlowSummary] = []
            func flow(_ flow: FlowSummary) { flows.append(flow) }
            func finish(_ report: FinalReport) {}
        }
        let keep = Keep()
        var options = AnalyzeOptions(paths: [capture])
        options.format = .json
        let out = scratchPath("ipfix-rtp") + ".json"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream, exporters: [keep]) { _ in }
        try stream.close()
        return keep.flows
    }

    /// The messages for FLOWS (the templates, then each flow in a message of its own) in a pcap
    /// as UDP to 4739, read back by tshark: per message, the set id and the enterprise elements'
    /// values (hex) in order.
    static func decoded(_ flows: [FlowSummary]) throws -> [(set: String, enterprise: [String])] {
        var e = IPFIXEncoder(observationDomain: 3)
        var messages = [e.templateMessage(exportTime: 1_772_442_010)]
        for f in flows {
            #expect(e.add(f, exportTime: 1_772_442_010) == nil)
            let m = e.flush(exportTime: 1_772_442_010)
            messages.append(try #require(m))
        }
        let frames = messages.map { Frames.udp4("127.0.0.1", 40000, "127.0.0.1", 4739, payload: $0) }
        let path = CaptureFile.temporary(CaptureFile.pcap(frames.enumerated().map {
            TestRecord(seconds: 1_772_442_010 + UInt32($0.offset), fraction: 0, data: $0.element)
        }))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rows = try tsharkFields(path, ["-d", "udp.port==4739,cflow", "-E", "aggregator=;", "-e", "cflow.flowset_id",
                                           "-e", "cflow.enterprise_private_entry"], occurrence: "a")
        return rows.map { ($0[0], $0.count > 1 ? $0[1].split(separator: ";").map(String.init) : []) }
    }

    @Test("per direction: packets lost and expected equal tshark's Lost and Pkts + Lost, the largest jitter its Max Jitter")
    func rtpElementsMatchTshark() throws {
        let flows = try Self.flows(R.capture("relay-call"))
        let rtpFlows = flows.filter { !($0.app?.rtp.isEmpty ?? true) }
        #expect(rtpFlows.count == 2)
        let decoded = try Self.decoded(flows)
        #expect(decoded.count == flows.count + 1)
        // The template set (2) announces the four templates; flows without RTP keep 256.
        #expect(decoded[0].set == "2")
        let rows = try R.streams("relay-call")
        for (f, d) in zip(flows, decoded.dropFirst()) {
            let isRTP = !(f.app?.rtp.isEmpty ?? true)
            #expect(d.set == (isRTP ? "258" : "256"), "\(f.uid)")
            guard isRTP else { continue }
            // Roles, rule, verdict (strings; tshark lists no empty one, such as no rule), then the six RTP elements.
            #expect(d.enterprise.count == (f.rule == nil ? 9 : 10), "\(d.enterprise)")
            let values = d.enterprise.suffix(6).map { UInt64($0.replacingOccurrences(of: ":", with: ""), radix: 16) ?? .max }
            let orig = "\(f.origH):\(f.origP)", resp = "\(f.respH):\(f.respP)"
            for (i, (src, dst)) in [(orig, resp), (resp, orig)].enumerated() {
                let mine = rows.filter { $0.src == src && $0.dst == dst }
                #expect(!mine.isEmpty, "\(src) → \(dst)")
                #expect(values[3 * i] == UInt64(mine.map(\.lost).reduce(0, +)), "\(src) → \(dst) lost")
                #expect(values[3 * i + 1] == UInt64(mine.map { $0.packets + $0.lost }.reduce(0, +)), "\(src) → \(dst) expected")
                // tshark prints milliseconds to 1 µs.
                let jitter = Double(values[3 * i + 2]), want = (mine.map(\.maxJitterMs).max() ?? -1) * 1000
                #expect(abs(jitter - want) <= 1, "\(src) → \(dst) max jitter \(jitter) µs vs tshark \(want)")
            }
        }
    }
}

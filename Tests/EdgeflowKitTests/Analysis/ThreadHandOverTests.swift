import Foundation
import Testing
@testable import EdgeflowKit

/// The writer a sharded run formats with on a thread of its own must hand everything on in
/// the order given, and finish only after the last flow.
@Suite("Background report writer")
struct BackgroundReportWriterTests {
    /// Records, in order, what reaches it (from the writer's thread, read after `finish`).
    final class Recorder: ReportWriter, @unchecked Sendable {
        var events: [String] = []
        func flow(_ flow: FlowSummary) { events.append("flow \(flow.origP)") }
        func interval(_ status: LiveStatus) { events.append("interval \(status.intervalPackets)") }
        func finish(_ report: FinalReport) { events.append("finish") }
    }

    private func flow(_ port: UInt16) -> FlowSummary {
        let key = FlowKey(a: IPAddress("192.0.2.1")!, b: IPAddress("198.51.100.2")!, aPort: port, bPort: 3478, proto: 17, ipVersion: 4)
        return FlowSummary(FlowRecord(key: key, sequence: Int(port), originatorIsA: true, timestamp: 0), reason: .endOfInput)
    }

    @Test("flows and statuses arrive in order, across batch boundaries, before the final report")
    func order() {
        let recorder = Recorder()
        let writer = BackgroundReportWriter(recorder, queuedBatches: 2)
        let report = FinalReport(capture: CaptureSummary(), topology: Topology(ranges: Office365Ranges.embedded()), inferred: [],
                                 rules: [], findings: [], violations: 0, dns: DNSReport(DNSBook()))
        var expected: [String] = []
        for p in 1...1_000 as ClosedRange<UInt16> {
            writer.flow(flow(p))
            expected.append("flow \(p)")
            if p == 300 {
                writer.interval(LiveStatus(report: report, now: 0, intervalLength: 1, intervalPackets: 300, intervalBytes: 0,
                                           liveFlows: 0, kernelDrops: 0, interfaceDrops: 0, newFindings: []))
                expected.append("interval 300")
            }
        }
        writer.finish(report)
        expected.append("finish")
        #expect(recorder.events == expected)
    }
}

/// The queue between the reading thread and a worker must not hold on to batches it has
/// passed on, even when it never runs empty (it held every one until then, and a 5M-packet
/// run with two threads peaked anywhere between 170 and 250 MB).
@Suite("Batch queue")
struct BatchQueueTests {
    final class Payload: @unchecked Sendable {}

    @Test("batches taken from a queue that never empties are released")
    func releasesTaken() {
        let queue = BatchQueue<Payload>(limit: .max)
        var taken: [Weak] = []
        for _ in 0..<10 { queue.put(Payload()) }
        for _ in 0..<1_000 {
            queue.put(Payload())
            let p = queue.take()
            taken.append(Weak(p))
        }
        #expect(taken.allSatisfy { $0.object == nil })
        #expect(queue.takeAll().count == 10)
    }

    struct Weak {
        weak var object: Payload?
        init(_ o: Payload?) { object = o }
    }
}

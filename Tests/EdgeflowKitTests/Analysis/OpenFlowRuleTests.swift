import Testing
@testable import EdgeflowKit

/// A live interval counts what open flows carried toward the hybrid rules, so that a
/// connection open for days keeps its rule seen; the final report does not change.
@Suite("Open flows in a live interval's rule counts")
struct OpenFlowRuleTests {
    private final class Discard: ReportWriter {
        func flow(_ flow: FlowSummary) {}
        func finish(_ report: FinalReport) {}
        func interval(_ status: LiveStatus) {}
    }

    /// One thread's options for the bundled sample.
    private func sampleOptions() -> AnalyzeOptions {
        var options = AnalyzeOptions(paths: [repositoryRoot + "/Captures/edge-sample.pcap"])
        options.threads = 1
        return options
    }

    /// An engine that has read every packet of `options`' capture, its flows not ended.
    private func ingested(_ options: AnalyzeOptions) throws -> Engine {
        var engine = Engine(options: options, topology: try options.makeTopology(), writer: Discard())
        var reader = try MappedCaptureReader(path: options.paths[0])
        while let packet = reader.next() { engine.ingest(packet) }
        return engine
    }

    @Test("after the sample's last packet, before its flows end, ended plus open packets per rule equal the final report's")
    func snapshotCountsOpenFlows() throws {
        let options = sampleOptions()
        var engine = try ingested(options)
        let interval = engine.snapshot()
        let final = engine.finishReport()

        // tshark -r Captures/edge-sample.pcap -Y '(ip.src==203.0.113.10 || ipv6.src==2001:db8:10::10)
        // && tcp.dstport==5061': 26 frames from the Access Edge, all to Office 365 addresses.
        let sipOut = try #require(interval.rules.first { $0.rule.id == "sip-mtls-out" })
        #expect(sipOut.packets + sipOut.openPackets == 26)
        // Some of those connections are still open: without them the interval would count less.
        #expect(sipOut.openPackets > 0)
        for (open, ended) in zip(interval.rules, final.rules) {
            #expect(open.packets + open.openPackets == ended.packets, "\(open.rule.id)")
            #expect(ended.openPackets == 0)
        }
    }

    @Test("live --threads N: flows ended on a socket but not yet replayed count in an interval with the open flows, so no rule packet is missing")
    func waitingEndedFlows() throws {
        let options = sampleOptions()
        var engine = try ingested(options)
        let final = engine.finishReport()

        // One socket's worker sees every packet, then a sweep a day later ends every flow: all of
        // them are ended events the calling thread has not replayed.
        let worker = ShardWorker(settings: options.flow)
        var t = worker.makeTracker()
        var counts = CaptureSummary()
        var cache = LinkTypeCache()
        var again = try MappedCaptureReader(path: options.paths[0])
        var last: Int64 = 0
        while let p = again.next() {
            var d = DecodedPacket()
            guard counts.account(p, &cache, into: &d) else { continue }
            worker.track(d, timestamp: p.timestamp, bytes: p.bytes, index: Int(p.timestamp), &t)
            last = p.timestamp
        }
        let later = last + 86_400 * 1_000_000_000
        worker.sweep(now: later, index: Int(later), &t)
        #expect(t.table.count == 0)
        let waiting = LiveShards.waitingPackets([worker.takeEvents()], topology: engine.topology)

        // tshark: 26 frames from the Access Edge to Office 365 on 5061 (see above).
        let sipOut = try #require(final.rules.firstIndex { $0.rule.id == "sip-mtls-out" })
        #expect(waiting[sipOut] == 26)
        #expect(waiting == final.rules.map(\.packets))
    }
}

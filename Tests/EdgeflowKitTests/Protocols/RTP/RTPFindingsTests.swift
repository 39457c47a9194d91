import Testing
@testable import EdgeflowKit

/// The media findings of streams with known loss and jitter (RFC 3550 A.3 and A.8), judged by
/// Call Quality Dashboard's thresholds (loss over 10 %, jitter over 30 ms).
@Suite("RTP findings")
struct RTPFindingsTests {
    /// A/V Edge 203.0.113.20:50000 → Office 365 52.114.0.3:3478.
    static var ends: FlowEnds {
        let key = FlowKey(a: IPAddress("203.0.113.20")!, b: IPAddress("52.114.0.3")!, aPort: 50000, bPort: 3478, proto: 17, ipVersion: 4)
        return FlowEnds(FlowRecord(key: key, sequence: 0, originatorIsA: true, timestamp: 0),
                        Classification(origRole: .avEdge, respRole: .office365, rule: nil, verdict: .allowed))
    }

    /// A G.711 stream (PT 0, 8 kHz, 20 ms a packet) of sequence numbers 0..<`count`, without
    /// those `lost` leaves out; `late` delays every other packet by that many milliseconds.
    static func stream(ssrc: UInt32, fromOriginator: Bool, count: Int, lost: (Int) -> Bool = { _ in false }, late: Int64 = 0) -> AppReport.RTPStream {
        var stats = RTPStreamStats()
        for i in 0..<count where !lost(i) {
            let arrival = Int64(i) * 20_000_000 + (i % 2 == 1 ? late * 1_000_000 : 0)
            stats.record(sequence: UInt16(i), timestamp: UInt32(i * 160), arrivalNanoseconds: arrival, payloadType: 0, marker: false, clockRate: 8000)
        }
        return AppReport.RTPStream(ssrc: ssrc, payloadType: 0, codec: .pcmu, fromOriginator: fromOriginator, stats: stats)
    }

    static func findings(_ streams: [AppReport.RTPStream]) -> [RTPFinding] {
        var out: [RTPFinding] = []
        RTPFinding.check(streams) { out.append($0) }
        return out
    }

    @Test("sequence 0 to 99 with every fifth (2, 7, ... 97) lost, one way only: media_loss at 20 % and one_way_media")
    func lossOneWay() {
        let f = Self.findings([Self.stream(ssrc: 0x1234, fromOriginator: true, count: 100, lost: { $0 % 5 == 2 })])
        #expect(f == [.loss(ssrc: 0x1234, fromOriginator: true, percent: 20), .oneWay])
        #expect(f.map(\.code) == [.mediaLoss, .oneWayMedia] && f.allSatisfy { $0.severity == .warning })
        #expect(f.first?.subject(Self.ends) == "SSRC 0x1234 203.0.113.20 → 52.114.0.3 20 %")
        #expect(f.last?.subject(Self.ends) == "203.0.113.20:50000 ↔ 52.114.0.3:3478")
    }

    @Test("both directions, none lost, on time: no finding; every other packet 80 ms late: media_jitter")
    func jitter() throws {
        #expect(Self.findings([Self.stream(ssrc: 1, fromOriginator: true, count: 60), Self.stream(ssrc: 2, fromOriginator: false, count: 60)]).isEmpty)
        let f = Self.findings([Self.stream(ssrc: 1, fromOriginator: true, count: 60), Self.stream(ssrc: 2, fromOriginator: false, count: 60, late: 80)])
        guard case .jitter(let ssrc, let fromOriginator, let ms) = try #require(f.first), f.count == 1 else {
            Issue.record("expected one jitter finding, got \(f)")
            return
        }
        // Each transit difference is 80 ms, so the estimate approaches 80 ms from below.
        #expect(ssrc == 2 && !fromOriginator && ms > 30 && ms < 80)
        #expect(f.first?.code == .mediaJitter)
    }

    @Test("streams of fewer than 50 packets expected are not judged for loss")
    func shortStreams() {
        #expect(Self.findings([Self.stream(ssrc: 3, fromOriginator: true, count: 40, lost: { $0 % 2 == 1 }),
                               Self.stream(ssrc: 4, fromOriginator: false, count: 40)]).isEmpty)
    }
}

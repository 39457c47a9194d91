/// What a flow's RTP showed wrong, by Call Quality Dashboard's thresholds: loss, jitter, and
/// media that flows one way only.
enum RTPFinding: FlowFindingFact, Equatable {
    /// A stream (`fromOriginator`: sent by the flow's originator) lost more than 10 % (`percent`).
    case loss(ssrc: UInt32, fromOriginator: Bool, percent: Double)
    /// A stream's jitter exceeded 30 ms.
    case jitter(ssrc: UInt32, fromOriginator: Bool, milliseconds: Double)
    /// 50 RTP packets or more, all in one direction.
    case oneWay

    var code: FindingCode {
        switch self {
        case .loss: .mediaLoss
        case .jitter: .mediaJitter
        case .oneWay: .oneWayMedia
        }
    }

    /// The findings of the flow's RTP streams, in report order. Loss and jitter are judged
    /// only on streams of 50 packets expected or more.
    static func check(_ streams: [AppReport.RTPStream], _ emit: (RTPFinding) -> Void) {
        for s in streams where s.stats.expected >= 50 {
            if s.lossFraction > 0.10 { emit(.loss(ssrc: s.ssrc, fromOriginator: s.fromOriginator, percent: s.lossFraction * 100)) }
            if s.stats.jitterMilliseconds > 30 {
                emit(.jitter(ssrc: s.ssrc, fromOriginator: s.fromOriginator, milliseconds: s.stats.jitterMilliseconds))
            }
        }
        var fromOrig = 0, fromResp = 0
        for s in streams {
            if s.fromOriginator { fromOrig += Int(s.stats.packets) } else { fromResp += Int(s.stats.packets) }
        }
        if fromOrig + fromResp >= 50, fromOrig == 0 || fromResp == 0 { emit(.oneWay) }
    }
}

// MARK: - Words

extension RTPFinding {
    func message(_ e: FlowEnds) -> String {
        switch self {
        case .loss: "RTP loss above 10 % (Call Quality Dashboard's threshold):"
        case .jitter: "RTP jitter above 30 ms (Call Quality Dashboard's threshold):"
        case .oneWay: "RTP flows one way only (the other direction is blocked or not relayed):"
        }
    }

    func subject(_ e: FlowEnds) -> String? {
        switch self {
        case .loss(let ssrc, let fromOriginator, let percent):
            "SSRC 0x\(String(ssrc, radix: 16)) \(e.addresses(fromOriginator: fromOriginator)) \(JSONWriter.format(percent, decimals: 1)) %"
        case .jitter(let ssrc, let fromOriginator, let milliseconds):
            "SSRC 0x\(String(ssrc, radix: 16)) \(e.addresses(fromOriginator: fromOriginator)) \(JSONWriter.format(milliseconds, decimals: 1)) ms"
        case .oneWay:
            "\(e.orig.address.text(port: e.orig.port)) ↔ \(e.serverEndpoint)"
        }
    }
}

/// The findings of calls across the relay: a poor stream with the leg it is on and the
/// measure that failed, and a leg whose media flows one way only. Grouped by what they say
/// (a handful of distinct messages), each listing its legs' flows.
struct CallFindings {
    /// A leg's place in its stream, upstream first.
    enum Position: Hashable {
        case only, first, beyond
    }

    enum Fact: Hashable {
        /// A leg CQD's classifier calls poor, for `reason`.
        case poor(RTPStreamQuality.Reason, Position)
        /// A call's flow with 50 RTP packets or more, all in one direction.
        case oneWay
    }

    private var grouped: [Fact: Finding] = [:]
    private var order: [Fact] = []

    /// Notes the findings of a finished call. A flow counts once per fact, though several of
    /// its streams show it (a flow belongs to one call). A measure that failed on a stream's
    /// first leg is noted there only: its later legs inherit it.
    mutating func add(_ call: Call) {
        var directions: [String: (orig: Int64, resp: Int64)] = [:]
        var flowOrder: [String] = []
        var noted: Set<Noted> = []
        for s in call.streams {
            for (i, leg) in s.legs.enumerated() {
                if directions[leg.uid] == nil { flowOrder.append(leg.uid) }
                var d = directions[leg.uid] ?? (0, 0)
                if leg.stream.fromOriginator { d.orig += leg.stream.stats.packets } else { d.resp += leg.stream.stats.packets }
                directions[leg.uid] = d
                guard leg.quality.label == .poor else { continue }
                let position: Position = s.legs.count == 1 ? .only : i == 0 ? .first : .beyond
                for r in leg.quality.reasons {
                    if position == .beyond, s.legs[0].quality.label == .poor, s.legs[0].quality.reasons.contains(r) { continue }
                    if noted.insert(Noted(fact: .poor(r, position), uid: leg.uid)).inserted { note(.poor(r, position), uid: leg.uid) }
                }
            }
        }
        for uid in flowOrder {
            let d = directions[uid]!
            if d.orig + d.resp >= 50, d.orig == 0 || d.resp == 0 { note(.oneWay, uid: uid) }
        }
    }

    private struct Noted: Hashable {
        var fact: Fact
        var uid: String
    }

    private mutating func note(_ fact: Fact, uid: String) {
        if grouped[fact] == nil {
            grouped[fact] = Finding(severity: fact.code.severity(), code: fact.code, message: fact.message)
            order.append(fact)
        }
        grouped[fact]!.flowCount += 1
        if grouped[fact]!.flows.count < Finding.maximumFlows, !grouped[fact]!.flows.contains(uid) { grouped[fact]!.flows.append(uid) }
    }

    /// The findings, in the order first met.
    var findings: [Finding] { order.compactMap { grouped[$0] } }
}

// MARK: - Words

extension CallFindings.Fact {
    var code: FindingCode {
        switch self {
        case .poor: .callPoorMedia
        case .oneWay: .callOneWayMedia
        }
    }

    var message: String {
        switch self {
        case .poor(let reason, let position):
            "poor media in a call across the relay (Call Quality Dashboard's audio thresholds): \(reason.measure) on \(position.words)"
        case .oneWay:
            "media flows one way only on a leg of a call across the relay (the other direction is blocked, or not relayed on this leg)"
        }
    }
}

extension CallFindings.Position {
    var words: String {
        switch self {
        case .only: "the stream's only leg"
        case .first: "the stream's first leg (before the relay)"
        case .beyond: "a leg beyond the relay (its first leg was not)"
        }
    }
}

extension RTPStreamQuality.Reason {
    /// The measure that failed, for a finding.
    var measure: String {
        switch self {
        case .roundTrip: "round trip over 500 ms"
        case .packetLossRate: "packet loss over 10 %"
        case .jitter: "jitter over 30 ms"
        case .tooShort: "500 packets or fewer"
        case .noClock: "no RTP clock"
        case .notAudio: "not audio"
        }
    }
}

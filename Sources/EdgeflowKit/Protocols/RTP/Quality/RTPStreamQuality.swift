/// One stream's quality as the report gives it, computed when its flow is written (nothing of
/// it runs per packet): RFC 3611 burst/gap metrics, the G.107 E-model and the label in the
/// shape of Call Quality Dashboard's audio classifier.
struct RTPStreamQuality: Sendable {
    /// Network one-way delay taken when the flow measured no round trip (a continental path).
    static let assumedNetworkDelay = 50.0
    /// Receive jitter buffer added to the network one-way delay (two 20 ms frames, what an
    /// adaptive buffer holds on a quiet network); codec and packetisation delay are not added.
    static let jitterBuffer = 40.0

    /// Call Quality Dashboard's audio classifier ("Stream Classification in Call Quality
    /// Dashboard (CQD)", learn.microsoft.com/microsoftteams/stream-classification-in-call-quality-dashboard):
    /// an audio stream of more than 500 packets ("Packet Utilization") is Poor when its round
    /// trip exceeds 500 ms, its packet loss rate 0.1, or its jitter 30 ms. Measures only the
    /// clients know (concealed samples, network MOS degradation) cannot be seen on the wire and
    /// are left out.
    static let minimumPackets: Int64 = 500
    static let poorRoundTrip = 500.0, poorLossRate = 0.1, poorJitter = 30.0

    enum Label: String, Sendable {
        case good, poor, unclassified

        /// `rawValue` as static text, for the JSON writer (a `String` is escaped and released).
        var staticName: StaticString {
            switch self {
            case .good: "good"
            case .poor: "poor"
            case .unclassified: "unclassified"
            }
        }
    }

    /// Where `roundTrip` comes from; the raw values are the report's `rtt_source`.
    enum RoundTripSource: String, Sendable {
        case rtcp, stun, none

        /// `rawValue` as static text.
        var staticName: StaticString {
            switch self {
            case .rtcp: "rtcp"
            case .stun: "stun"
            case .none: "none"
            }
        }
    }

    var burst: RTPBurstMetrics
    /// Round trip measured for the stream: the median of its RTCP round trips, else of its flow's
    /// STUN transactions; nil when none.
    var roundTrip: Double?
    var roundTripSource: RoundTripSource
    /// Mouth-to-ear delay the E-model takes: round trip / 2 (or `assumedNetworkDelay`) + `jitterBuffer`.
    var oneWayDelay: Double
    var rating: Double?
    var mos: Double?
    /// Why there is no MOS (nil when there is one).
    var noMOS: NoMOSReason?
    var label: Label
    /// What made the stream poor or unclassified.
    var reasons: [Reason]

    /// Why a stream is poor or unclassified; the raw values are the report's codes.
    enum Reason: String, Sendable {
        case roundTrip = "round_trip", packetLossRate = "packet_loss_rate", jitter
        case tooShort = "too_short", noClock = "no_clock", notAudio = "not_audio"

        /// `rawValue` as static text.
        var staticName: StaticString {
            switch self {
            case .roundTrip: "round_trip"
            case .packetLossRate: "packet_loss_rate"
            case .jitter: "jitter"
            case .tooShort: "too_short"
            case .noClock: "no_clock"
            case .notAudio: "not_audio"
            }
        }
    }

    /// Why the E-model gives no MOS for a stream's codec (words in RTPQualityReport).
    enum NoMOSReason: Sendable, Equatable {
        case unknownCodec, wideband, notVoice
        /// ITU-T G.113 publishes no Ie/Bpl for this codec.
        case noImpairmentFactors(RTPCodec)
    }

    /// - Parameter source: where a non-nil `roundTrip` was measured.
    /// The stream's quality with its best round trip: the median of its RTCP round trips, else
    /// `stunRoundTrip` (the median of its flow's STUN transactions), else none.
    init(_ s: AppReport.RTPStream, stunRoundTrip: Double?) {
        if let rtcp = s.rtcpRoundTrip {
            self.init(s, roundTrip: rtcp.median, source: .rtcp)
        } else {
            self.init(s, roundTrip: stunRoundTrip)
        }
    }

    init(_ s: AppReport.RTPStream, roundTrip: Double?, source: RoundTripSource = .stun) {
        roundTripSource = roundTrip == nil ? .none : source
        let clock = s.stats.lastClockRate
        let pattern = s.stats.pattern
        let spacing = clock > 0 && pattern.spacingTicks > 0 ? Double(pattern.spacingTicks) * 1000 / Double(clock) : nil
        burst = RTPBurstMetrics(pattern, spacingMilliseconds: spacing)
        self.roundTrip = roundTrip
        oneWayDelay = (roundTrip.map { $0 / 2 } ?? Self.assumedNetworkDelay) + Self.jitterBuffer

        switch s.codec {
        case .pcmu, .pcma, .g729:
            let r = EModel.rating(oneWayDelay: oneWayDelay, codec: s.codec == .g729 ? EModel.g729 : EModel.g711,
                                  lossPercent: s.lossFraction * 100, burstRatio: pattern.burstRatio)
            rating = r
            mos = EModel.mos(r)
        case .unknown:
            noMOS = .unknownCodec
        case .g722:
            noMOS = .wideband
        case .comfortNoise, .comfortNoiseWideband, .redundant, .telephoneEvent:
            noMOS = .notVoice
        default:
            noMOS = .noImpairmentFactors(s.codec)
        }

        if clock == 0 {
            (label, reasons) = (.unclassified, [.noClock])
        } else if clock == 90000 {
            (label, reasons) = (.unclassified, [.notAudio])
        } else if s.stats.packets <= Self.minimumPackets {
            (label, reasons) = (.unclassified, [.tooShort])
        } else {
            var poor: [Reason] = []
            if let roundTrip, roundTrip > Self.poorRoundTrip { poor.append(.roundTrip) }
            if s.lossFraction > Self.poorLossRate { poor.append(.packetLossRate) }
            if s.stats.jitterMilliseconds > Self.poorJitter { poor.append(.jitter) }
            (label, reasons) = (poor.isEmpty ? .good : .poor, poor)
        }
    }
}

extension RTPLossPattern {
    /// G.107's BurstR = 1 / (p + q) of the two-state loss model: p the chance a packet is lost
    /// after one received (runs / received), q the chance one is received after one lost
    /// (runs / lost); 1 (random loss) when nothing was lost.
    var burstRatio: Double {
        let receivedEvents = received &+ pkt
        guard lossRuns > 0, losses > 0, receivedEvents > 0 else { return 1 }
        return 1 / (Double(lossRuns) / Double(receivedEvents) + Double(lossRuns) / Double(losses))
    }
}

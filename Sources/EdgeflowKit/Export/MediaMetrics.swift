import CoreMetrics
import Prometheus

/// The leg of the relay a flow's media crossed, from the roles the classification gave its two
/// ends (in either order): the `leg` label of the media metrics, a fixed set of four values. A
/// "client" is an end that holds none of the hybrid's roles (`other`: a user's client, a
/// federated partner's server).
enum MediaLeg: String, CaseIterable, Sendable {
    /// A client and the A/V Edge: the external (or internal) side of the relay.
    case clientAVEdge = "client_av_edge"
    /// The A/V Edge and Office 365: the hybrid side of the relay.
    case avEdgeOffice365 = "av_edge_office365"
    /// A client and Office 365 directly, not through the Edge.
    case clientOffice365 = "client_office365"
    /// Any other pair of roles (both ends clients, another Edge role, ...).
    case other

    init(_ a: Role, _ b: Role) {
        switch (a, b) {
        case (.avEdge, .other), (.other, .avEdge): self = .clientAVEdge
        case (.avEdge, .office365), (.office365, .avEdge): self = .avEdgeOffice365
        case (.office365, .other), (.other, .office365): self = .clientOffice365
        default: self = .other
        }
    }
}

/// Names, buckets and help of the media quality metrics: RTP streams counted when their flow
/// ends (each flow's `rtp` entries: a stream relayed by the A/V Edge counts once per leg), calls
/// when they end. Nothing here runs per packet.
enum MediaMetrics {
    static let streams = "edgeflow_rtp_streams_total"
    static let mos = "edgeflow_rtp_mos"
    static let lossRatio = "edgeflow_rtp_loss_ratio"
    static let jitter = "edgeflow_rtp_jitter_seconds"
    static let calls = "edgeflow_calls_total"
    static let relayedStreams = "edgeflow_call_streams_total"

    /// MOS-CQE at the R boundaries of G.107 Annex B's user satisfaction (R 50, 60, 70, 80, 90:
    /// nearly all users dissatisfied ... very satisfied), with 1 and 4.5 around them.
    static let mosBuckets = [1, 2.58, 3.1, 3.6, 4.03, 4.34, 4.5]
    /// Loss ratio: 0.1 % to 50 %; 0.1 is Call Quality Dashboard's poor-stream threshold.
    static let lossBuckets = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]
    /// Jitter: 1 ms to 250 ms. What is observed is the largest RFC 3550 jitter a stream reached,
    /// not the running value its label is judged on, so a quantile here bounds the latter from above.
    static let jitterBuckets = [0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25]

    static let help: [String: String] = [
        streams: "RTP streams (per SSRC and direction) of ended flows, by quality label (good, poor, unclassified) and leg of the relay (a relayed stream counts on each leg).",
        mos: "MOS-CQE (ITU-T G.107 E-model) of RTP streams of ended flows, by leg; streams whose codec has no published impairment factors (SILK, Opus, RTAudio, Siren, G.722) have no MOS and are not observed.",
        lossRatio: "RFC 3550 loss ratio (lost / expected) of RTP streams of ended flows, by leg.",
        jitter: "Largest RFC 3550 interarrival jitter of RTP streams of ended flows with a known clock rate, in seconds, by leg.",
        calls: "Calls across the relay that ended, by label (the worst of their streams').",
        relayedStreams: "Streams of ended calls, by label and where their loss arose (loss_at as in the report's calls).",
    ]
}

extension MetricsExporter {
    /// Sets the media histograms' buckets.
    static func mediaBuckets(_ f: inout PrometheusMetricsFactory) {
        f.valueHistogramBuckets[MediaMetrics.mos] = MediaMetrics.mosBuckets
        f.valueHistogramBuckets[MediaMetrics.lossRatio] = MediaMetrics.lossBuckets
        f.valueHistogramBuckets[MediaMetrics.jitter] = MediaMetrics.jitterBuckets
    }

    /// Makes every media series at 0 (their labels are a fixed set), so that Prometheus's
    /// increase() sees the first streams and calls (a series born at its first value hides it).
    func createMediaSeries() {
        for leg in MediaLeg.allCases {
            for label in [RTPStreamQuality.Label.good, .poor, .unclassified] {
                counter(MediaMetrics.streams, [("label", label.rawValue), ("leg", leg.rawValue)]).increment(by: 0)
            }
            for name in [MediaMetrics.mos, MediaMetrics.lossRatio, MediaMetrics.jitter] { _ = recorder(name, [("leg", leg.rawValue)]) }
        }
        for label in [RTPStreamQuality.Label.good, .poor, .unclassified] {
            counter(MediaMetrics.calls, [("label", label.rawValue)]).increment(by: 0)
            for at in LossLocation.allCodes {
                counter(MediaMetrics.relayedStreams, [("label", label.rawValue), ("loss_at", at)]).increment(by: 0)
            }
        }
    }

    /// Counts an ended flow's RTP streams: label, MOS, loss ratio and jitter, on the flow's leg.
    func media(_ f: FlowSummary, _ app: AppReport) {
        guard !app.rtp.isEmpty else { return }
        let leg = [("leg", MediaLeg(f.origRoleKind, f.respRoleKind).rawValue)]
        for (s, q) in zip(app.rtp, app.rtpQuality) {
            counter(MediaMetrics.streams, [("label", q.label.rawValue)] + leg).increment()
            if let mos = q.mos { recorder(MediaMetrics.mos, leg).record(mos) }
            recorder(MediaMetrics.lossRatio, leg).record(min(1, max(0, s.lossFraction)))
            if s.stats.lastClockRate > 0 { recorder(MediaMetrics.jitter, leg).record(s.stats.maxJitterSeconds) }
        }
    }

    /// Counts an ended call and its streams.
    public func call(_ call: Call) {
        counter(MediaMetrics.calls, [("label", call.label.rawValue)]).increment()
        for s in call.streams {
            counter(MediaMetrics.relayedStreams, [("label", s.label.rawValue), ("loss_at", s.lossAt.code)]).increment()
        }
    }
}

extension LossLocation {
    /// Every `loss_at` code.
    static let allCodes = [LossLocation.none, .beforeFirstLeg, .betweenLegs, .beforeAndBetween, .unclear].map(\.code)
}

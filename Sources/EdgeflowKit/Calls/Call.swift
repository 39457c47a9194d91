/// One media session seen across the relay: RTP streams of which at least one crossed two
/// flows at the same time (the A/V Edge relaying it), with the other streams of those flows
/// (the reverse direction). Built by `CallCorrelator` once its flows have ended; words and
/// JSON in `CallReport.swift`.
public struct Call: Sendable {
    /// Stable id: the uid of the call's first flow with `V` for its leading `C`.
    var id: String
    /// First packet of its first flow and last packet of its last flow (ns since the epoch).
    var firstTimestamp: Int64
    var lastTimestamp: Int64
    /// Its streams, in order of their first flow's start (then SSRC).
    var streams: [Stream]
    /// The TURN allocations among its flows, with the flows from their relayed address to their peers.
    var allocations: [Allocation] = []
    /// The ICE sessions whose checks its flows carried, each with those flows.
    var ice: [ICESession] = []
    /// The SIP dialogs whose SDP named one of its flows' ends, with the SIP flow that carried it.
    var sip: [SIPTie] = []

    /// An address and port.
    struct Endpoint: Hashable, Sendable {
        var ip: IPAddress
        var port: UInt16

        /// An IPv4 endpoint is hashed as one word, its address's low 48 bits and its port
        /// (an IPv4-mapped address's top 16 bits are zero); any other as its address's two
        /// words and its port, an input of another length (`IPAddress.hash(into:)`).
        func hash(into hasher: inout Hasher) {
            if ip.hi == 0, ip.lo >> 48 == 0 {
                hasher.combine(ip.lo << 16 | UInt64(port))
            } else {
                hasher.combine(ip.hi)
                hasher.combine(ip.lo)
                hasher.combine(port)
            }
        }
    }

    /// A TURN allocation made on one of the call's flows: the relayed address the A/V Edge
    /// gave it, the peers it bound channels to (XOR-PEER-ADDRESS), and the call's flows
    /// between that relayed address and those peers.
    struct Allocation: Sendable {
        var uid: String
        var relayed: Endpoint
        var peers: [Endpoint]
        var peerFlows: [String] = []
    }

    /// An ICE session: its normalised ufrag pair ("a:b", `ICEPairs`) and the call's flows that
    /// carried its connectivity checks (one per candidate pair checked).
    struct ICESession: Sendable {
        var ufrags: String
        var flows: [String]
    }

    /// A Call-ID and the uid of the plaintext SIP flow whose SDP tied it to the call's media,
    /// with the SDP's first `a=fingerprint` (RFC 8122: the DTLS certificate's hash) when it had one.
    struct SIPTie: Sendable {
        var callID: String
        var uid: String
        var fingerprint: String? = nil
    }

    /// One SSRC of the call, with the leg of each flow it crossed in the order media flowed.
    struct Stream: Sendable {
        var ssrc: UInt32
        var payloadType: UInt8
        var codec: RTPCodec
        /// The SDP rtpmap of its payload type, when that is dynamic and SDP named one of its flows.
        var rtpmap: SDPMedia.RTPMap? = nil
        /// Its codec's name: the static or Lync table's, else the SDP rtpmap's.
        var codecName: String? { codec.name ?? rtpmap?.encoding }
        /// Upstream first: the leg that sees the stream's packets first.
        var legs: [Leg]
        var lossAt: LossLocation { LossLocation(legs.map { $0.stream.stats.lostForReport }) }
        /// The worst of its legs' labels.
        var label: RTPStreamQuality.Label { legs.map(\.quality.label).max(by: Call.better) ?? .unclassified }
    }

    /// The stream as one flow carried it: that flow's `rtp` entry and its quality.
    struct Leg: Sendable {
        var uid: String
        var stream: AppReport.RTPStream
        var quality: RTPStreamQuality
        /// First packet of the leg's flow (the stream's own first arrival is not kept).
        var flowFirst: Int64
    }

    /// The worst label of its streams (poor, then good, then unclassified).
    var label: RTPStreamQuality.Label { streams.map(\.label).max(by: Self.better) ?? .unclassified }

    /// The reasons of the legs that carry the call's label, each once, in the order met.
    var reasons: [RTPStreamQuality.Reason] {
        let worst = label
        var out: [RTPStreamQuality.Reason] = []
        for s in streams {
            for l in s.legs where l.quality.label == worst {
                for r in l.quality.reasons where !out.contains(r) { out.append(r) }
            }
        }
        return out
    }

    /// Whether label `a` is better than `b`: an unclassified stream says less than a good one,
    /// a poor one is the worst.
    static func better(_ a: RTPStreamQuality.Label, _ b: RTPStreamQuality.Label) -> Bool { severity(a) < severity(b) }

    static func severity(_ l: RTPStreamQuality.Label) -> Int {
        switch l {
        case .unclassified: 0
        case .good: 1
        case .poor: 2
        }
    }
}

/// Where a relayed stream's loss arises, from the RFC 3550 loss of its legs in the order media
/// flows: each leg sees what the one before it saw, less what was lost between them.
enum LossLocation: Sendable, Equatable {
    /// No leg lost a packet.
    case none
    /// Every leg lost the same packets: they were lost before the first leg was captured.
    case beforeFirstLeg
    /// The first leg lost none and a later leg lost more: lost at or beyond the relay.
    case betweenLegs
    /// Both: the first leg lost some and a later leg more.
    case beforeAndBetween
    /// A later leg lost fewer than the one before it (the capture missed packets on one leg,
    /// or the legs cover different spans of the stream).
    case unclear

    init(_ lost: [Int64]) {
        guard let first = lost.first else { self = .none; return }
        var more = false, fewer = false
        for (a, b) in zip(lost, lost.dropFirst()) {
            if b > a { more = true }
            if b < a { fewer = true }
        }
        self = fewer ? .unclear : more ? (first > 0 ? .beforeAndBetween : .betweenLegs) : (first > 0 ? .beforeFirstLeg : .none)
    }
}

extension AppReport {
    /// One confirmed RTP stream (SSRC and direction) of a flow.
    struct RTPStream: Sendable {
        var ssrc: UInt32
        var payloadType: UInt8
        var codec: RTPCodec
        var fromOriginator: Bool
        var stats: RTPStreamStats
        var lossFraction: Double { stats.expected > 0 ? Double(stats.lostForReport) / Double(stats.expected) : 0 }
    }

    /// The confirmed streams of a flow's RTP state, and its RTCP packet counts (nil when none).
    static func rtp(_ r: RTPFlowStats) -> (streams: [RTPStream], rtcp: (sr: Int, rr: Int, other: Int)?) {
        var streams: [RTPStream] = []
        for i in 0..<r.streams where r.confirmed[i] {
            streams.append(RTPStream(ssrc: r.ssrc[i], payloadType: r.payloadType[i], codec: r.codec[i], fromOriginator: r.fromOriginator[i], stats: r.stats[i]))
        }
        let rtcp = r.senderReports + r.receiverReports + r.otherRTCP > 0 ? (r.senderReports, r.receiverReports, r.otherRTCP) : nil
        return (streams, rtcp)
    }

    /// Writes the flow's `rtp` array and `rtcp` object (each only when there is something to say).
    /// - Parameter roundTrip: the flow's measured round trip in ms (its STUN transactions), for the E-model.
    static func writeRTP(_ rtp: [RTPStream], rtcp: (sr: Int, rr: Int, other: Int)?, roundTrip: Double?, to w: inout JSONWriter) {
        if !rtp.isEmpty {
            w.beginArray("rtp")
            for s in rtp {
                w.beginObject()
                w.hex("ssrc", s.ssrc)
                w.value("payload_type", Int(s.payloadType))
                w.value("dir", s.fromOriginator ? "orig" : "resp")
                w.value("packets", Int(s.stats.packets))
                w.value("expected", Int(s.stats.expected))
                w.value("lost", Int(s.stats.lostForReport))
                w.value("jitter_ms", s.stats.jitterMilliseconds)
                w.value("max_jitter_ms", s.stats.maxJitterMilliseconds)
                RTPStreamQuality(s, roundTrip: roundTrip).write(s, to: &w)
                w.endObject()
            }
            w.endArray()
        }
        if let rtcp {
            w.beginObject("rtcp")
            w.value("sender_reports", rtcp.sr)
            w.value("receiver_reports", rtcp.rr)
            w.value("other", rtcp.other)
            w.endObject()
        }
    }
}

extension AppReport {
    /// One confirmed RTP stream (SSRC and direction) of a flow.
    struct RTPStream: Sendable {
        var ssrc: UInt32
        var payloadType: UInt8
        var codec: RTPCodec
        var fromOriginator: Bool
        var stats: RTPStreamStats
        /// Round trips from the flow's RTCP report blocks about this stream, nil when none.
        var rtcpRoundTrip: RTCPRoundTripSamples? = nil
        var lossFraction: Double { stats.expected > 0 ? Double(stats.lostForReport) / Double(stats.expected) : 0 }
    }

    /// A flow's RTCP: packet counts, and the round trips its report blocks gave.
    struct RTCPSummary: Sendable {
        var sr: Int, rr: Int, other: Int
        var roundTrips: RTCPRoundTrips
    }

    /// The confirmed streams of a flow's RTP state, and its RTCP (nil when none).
    /// `r`: the state where it lies (2 KB: not copied; its arrays are read in place).
    static func rtp(_ r: UnsafePointer<RTPFlowStats>) -> (streams: [RTPStream], rtcp: RTCPSummary?) {
        var streams: [RTPStream] = []
        for i in 0..<r.pointee.streams where r.pointee.confirmed[i] {
            let ssrc = r.pointee.ssrc[i], fromOriginator = r.pointee.fromOriginator[i]
            streams.append(RTPStream(ssrc: ssrc, payloadType: r.pointee.payloadType[i], codec: r.pointee.codec[i], fromOriginator: fromOriginator,
                                     stats: r.pointee.stats[i], rtcpRoundTrip: r.pointee.roundTrips.of(ssrc: ssrc, fromOriginator: fromOriginator)))
        }
        let rtcp = r.pointee.senderReports + r.pointee.receiverReports + r.pointee.otherRTCP > 0
            ? RTCPSummary(sr: r.pointee.senderReports, rr: r.pointee.receiverReports, other: r.pointee.otherRTCP, roundTrips: r.pointee.roundTrips) : nil
        return (streams, rtcp)
    }

    /// Room a stream object's first members may take: their keys and punctuation (102 bytes),
    /// the SSRC's hex (8), the payload type (3), three integers (a sign and 19 digits each) and
    /// two decimals (`JSONCursor.decimalRoom` each). The cursor writes unchecked: every byte counted.
    static let streamHeadRoom = 102 &+ 8 &+ 3 &+ 3 &* 20 &+ 2 &* JSONCursor.decimalRoom

    /// Writes the flow's `rtp` array and `rtcp` object (each only when there is something to say).
    /// - Parameter quality: each stream's quality (`AppReport.rtpQuality`).
    static func writeRTP(_ rtp: [RTPStream], _ quality: [RTPStreamQuality], rtcp box: FrozenBox<RTCPSummary>?, to w: inout JSONWriter) {
        if !rtp.isEmpty {
            w.beginArray("rtp")
            for i in rtp.indices {
                let s = rtp[i], q = quality[i]
                // The object's bracket and first members through one cursor, keys as literal runs.
                w.separate()
                w.opening()
                w.separate()
                var c = w.cursor(room: Self.streamHeadRoom)
                c.literal("{\"ssrc\":\"0x")
                c.hex(UInt64(s.ssrc))
                c.literal("\",\"payload_type\":")
                c.integer(Int(s.payloadType))
                c.literal(s.fromOriginator ? ",\"dir\":\"orig\",\"packets\":" : ",\"dir\":\"resp\",\"packets\":")
                c.integer(Int(s.stats.packets))
                c.literal(",\"expected\":")
                c.integer(Int(s.stats.expected))
                c.literal(",\"lost\":")
                c.integer(Int(s.stats.lostForReport))
                c.literal(",\"jitter_ms\":")
                c.decimal(s.stats.jitterMilliseconds, decimals: 3)
                c.literal(",\"max_jitter_ms\":")
                c.decimal(s.stats.maxJitterMilliseconds, decimals: 3)
                w.commit(c)
                q.write(s, to: &w)
                s.stats.writeSlices(to: &w)
                w.endObject()
            }
            w.endArray()
        }
        // The RTCP part read in its box (most flows have none: an optional part handed over was
        // destroyed for each flow).
        if let rtcp = box?.value {
            w.beginObject("rtcp")
            w.value("sender_reports", rtcp.sr)
            w.value("receiver_reports", rtcp.rr)
            w.value("other", rtcp.other)
            w.value("encrypted", rtcp.roundTrips.encrypted)
            w.beginArray("round_trips")
            let t = rtcp.roundTrips
            for i in 0..<t.streams {
                w.beginObject()
                w.hex("ssrc", t.ssrc[i])
                w.value("dir", t.streamFromOriginator[i] ? "orig" : "resp")
                t.samples[i].write(to: &w)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
    }
}

extension AppReport.RTPStream {
    /// The table report's media section: the RTP streams with the most loss.
    static let tableLayout = TableSection.Layout(
        title: "Media", noun: "RTP stream", which: "with most loss", fixed: 40, flowGap: 3,
        leadHeading: TableReportWriter.pad("SSRC", 11), flowHeading: "FROM → TO",
        columnsHeading: TableReportWriter.lpad("PKTS", 5) + TableReportWriter.lpad("LOST", 6)
            + TableReportWriter.lpad("JIT ms", 7) + TableReportWriter.lpad("MAX", 5))

    /// The stream's row in that section (`f`: its flow): SSRC, sender → receiver, packets,
    /// loss, jitter and its maximum.
    func tableRow(_ f: FlowSummary) -> TableSection.Row {
        typealias T = TableReportWriter
        let text = T.lpad(T.short(Int(stats.packets)), 5) + T.lpad(T.fixed(lossFraction * 100) + "%", 6)
            + T.lpad(T.fixed(stats.jitterMilliseconds), 7) + T.lpad(T.fixed(stats.maxJitterMilliseconds), 5)
        return TableSection.Row(rank: (lossFraction, 0), lead: T.pad("0x" + String(ssrc, radix: 16), 11),
                                from: T.endpoint(f, responder: !fromOriginator), to: T.endpoint(f, responder: fromOriginator),
                                text: text, notes: [])
    }
}

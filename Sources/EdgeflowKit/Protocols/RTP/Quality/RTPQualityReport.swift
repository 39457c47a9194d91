extension RTPStreamQuality {
    /// Writes the quality fields of a stream's `rtp` entry, after RFC 3550's.
    func write(_ s: AppReport.RTPStream, to w: inout JSONWriter) {
        w.value("duplicates", Int(s.stats.pattern.duplicates))
        w.value("out_of_order", Int(s.stats.pattern.reordered))
        w.value("max_loss_run", Int(s.stats.pattern.longestLossRun))
        w.beginObject("burst")
        w.value("density", burst.burstDensity)
        w.value("gap_density", burst.gapDensity)
        Self.write("burst_ms", burst.burstMilliseconds, to: &w)
        Self.write("gap_ms", burst.gapMilliseconds, to: &w)
        w.endObject()
        w.value("codec", s.codec.name)
        w.value("clock_source", s.stats.clockSource.name)
        Self.write("rtt_ms", roundTrip, to: &w)
        w.value("rtt_source", roundTripSource.rawValue)
        if let r = s.rtcpRoundTrip { w.beginObject("rtcp_rtt_ms"); r.write(to: &w); w.endObject() } else { w.null("rtcp_rtt_ms") }
        w.value("one_way_delay_ms", oneWayDelay)
        Self.write("r_factor", rating, to: &w)
        Self.write("mos", mos, to: &w)
        w.value("mos_note", noMOS?.words)
        w.value("label", label.rawValue)
        w.beginArray("reasons")
        for r in reasons { w.value(nil, r.rawValue) }
        w.endArray()
    }

    private static func write(_ k: JSONKey, _ v: Double?, to w: inout JSONWriter) {
        if let v { w.value(k, v) } else { w.null(k) }
    }
}

extension RTCPRoundTripSamples {
    /// Writes `latest`, `median`, `max` (ms) and `samples`.
    func write(to w: inout JSONWriter) {
        w.value("latest", latest)
        w.value("median", median)
        w.value("max", max)
        w.value("samples", count)
    }
}

extension RTPStreamQuality.NoMOSReason {
    /// The report's `mos_note`.
    var words: String {
        switch self {
        case .unknownCodec: "codec unknown (a dynamic payload type: --rtp-clock lync names Lync's)"
        case .wideband: "G.722 needs the wideband E-model (G.107.1), not implemented"
        case .notVoice: "not a voice codec"
        case .noImpairmentFactors(let codec): "ITU-T G.113 gives no Ie/Bpl for \(codec.name ?? "this codec")"
        }
    }
}

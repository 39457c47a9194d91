extension RTPStreamQuality {
    /// Writes the quality fields of a stream's `rtp` entry, after RFC 3550's (`duplicates` to
    /// `reasons`), through one cursor in room made once (`fixedRoom` and its three texts'): keys
    /// and punctuation as literal runs, not a member at a time through the writer.
    func write(_ s: AppReport.RTPStream, to w: inout JSONWriter) {
        let codec = s.codec.name, clock = s.stats.clockSource.name, note = noMOS?.words
        w.separate()
        var c = w.cursor(room: Self.fixedRoom &+ JSONCursor.quotedRoom(codec) &+ JSONCursor.quotedRoom(clock) &+ JSONCursor.quotedRoom(note))
        c.literal("\"duplicates\":")
        c.integer(Int(s.stats.pattern.duplicates))
        c.literal(",\"out_of_order\":")
        c.integer(Int(s.stats.pattern.reordered))
        c.literal(",\"max_loss_run\":")
        c.integer(Int(s.stats.pattern.longestLossRun))
        c.literal(",\"burst\":{\"density\":")
        c.decimal(burst.burstDensity, decimals: 3)
        c.literal(",\"gap_density\":")
        c.decimal(burst.gapDensity, decimals: 3)
        c.literal(",\"burst_ms\":")
        Self.decimal(burst.burstMilliseconds, &c)
        c.literal(",\"gap_ms\":")
        Self.decimal(burst.gapMilliseconds, &c)
        c.literal("},\"codec\":")
        c.quoted(codec)
        c.literal(",\"clock_source\":")
        c.quoted(clock)
        c.literal(",\"rtt_ms\":")
        Self.decimal(roundTrip, &c)
        c.literal(",\"rtt_source\":\"")
        c.literal(roundTripSource.staticName)
        c.byte(0x22)
        c.literal(",\"rtcp_rtt_ms\":")
        if let r = s.rtcpRoundTrip {
            c.byte(0x7B)
            r.write(&c)
            c.byte(0x7D)
        } else {
            c.literal("null")
        }
        c.literal(",\"one_way_delay_ms\":")
        c.decimal(oneWayDelay, decimals: 3)
        c.literal(",\"r_factor\":")
        Self.decimal(rating, &c)
        c.literal(",\"mos\":")
        Self.decimal(mos, &c)
        c.literal(",\"mos_note\":")
        c.quoted(note)
        c.literal(",\"label\":\"")
        c.literal(label.staticName)
        c.literal("\",\"reasons\":[")
        // The words as static text (none needs escaping), each between quotes.
        for (i, r) in reasons.enumerated() {
            c.literal(i == 0 ? "\"" : ",\"")
            c.literal(r.staticName)
            c.byte(0x22)
        }
        c.byte(0x5D)
        w.commit(c)
    }

    /// Room `write` takes at most but for its three texts: about 300 bytes of keys and
    /// punctuation, eleven numbers (`JSONCursor.decimalRoom` each), four integers, the label,
    /// the round trip's source and at most six reasons.
    private static let fixedRoom = 1024

    /// `v` with three decimals, or `null`.
    @inline(__always)
    private static func decimal(_ v: Double?, _ c: inout JSONCursor) {
        if let v { c.decimal(v, decimals: 3) } else { c.literal("null") }
    }
}

extension RTCPRoundTripSamples {
    /// Writes `latest`, `median`, `max` (ms) and `samples` as members of the object open.
    func write(to w: inout JSONWriter) {
        w.separate()
        w.withRoom(Self.jsonRoom) { write(&$0) }
    }

    /// `write(to:)` through a cursor, with no comma before: room `jsonRoom`.
    func write(_ c: inout JSONCursor) {
        c.literal("\"latest\":")
        c.decimal(latest, decimals: 3)
        c.literal(",\"median\":")
        c.decimal(median, decimals: 3)
        c.literal(",\"max\":")
        c.decimal(max, decimals: 3)
        c.literal(",\"samples\":")
        c.integer(count)
    }

    /// Room `write(_:)` takes at most: keys, three numbers and an integer.
    static let jsonRoom = 40 &+ 3 &* JSONCursor.decimalRoom &+ 20
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

import Foundation

/// A stream's time slices as an inline SVG chart for the HTML report, drawn without script:
/// a bar per slice for its loss (`lost / (lost + packets)`, left axis in %), a line through the
/// slices' RFC 3550 jitter at their ends (right axis in ms), time in seconds from the stream's
/// first packet along the bottom. Slices without packets are shaded; the worst slice
/// (`RTPSlices.worst`) is outlined. `<title>` and `<desc>` say the same in words, and each bar
/// has its own `<title>` (a tooltip). Every text goes through `HTMLText.escaped`.
enum HTMLTimeline {
    /// The chart's coordinate system (the viewBox; the page scales it to its width).
    static let width = 640.0, height = 168.0
    /// The plot area: left and right of it the axes' labels, below it the time axis.
    static let left = 52.0, right = 588.0, top = 18.0, bottom = 128.0

    /// One slice as drawn: its bar (loss) and its jitter point.
    struct Bar: Equatable {
        var x: Double, y: Double, width: Double, height: Double
        var jitterX: Double, jitterY: Double
    }

    /// The axes' full scales: loss in % and jitter in ms, rounded up to 1, 2 or 5 times a power
    /// of ten (at least 1 % and 1 ms).
    static func scales(_ slices: [RTPSlices.Slice]) -> (lossPercent: Double, jitterMs: Double) {
        let loss = slices.map { lossFraction($0) * 100 }.max() ?? 0
        let jitter = slices.map { Double($0.jitter) * 1000 }.max() ?? 0
        return (niceCeiling(loss), niceCeiling(jitter))
    }

    /// `v` rounded up to 1, 2 or 5 times a power of ten, at least 1 (a loss of 100 % stays 100).
    static func niceCeiling(_ v: Double) -> Double {
        guard v.isFinite, v > 1 else { return 1 }
        var step = 1.0
        while true {
            for m in [1.0, 2.0, 5.0] where m * step >= v { return m * step }
            step *= 10
        }
    }

    /// A slice's loss fraction (its `lost` clamped at 0, as the JSON report's).
    static func lossFraction(_ s: RTPSlices.Slice) -> Double {
        let lost = Double(max(0, s.lost))
        return lost + Double(s.packets) > 0 ? lost / (lost + Double(s.packets)) : 0
    }

    /// Where each slice is drawn.
    static func bars(_ slices: [RTPSlices.Slice]) -> [Bar] {
        guard !slices.isEmpty else { return [] }
        let (lossScale, jitterScale) = scales(slices)
        let step = (right - left) / Double(slices.count), plot = bottom - top
        let gap = min(1, step / 10)
        return slices.enumerated().map { k, s in
            let h = lossFraction(s) * 100 / lossScale * plot
            return Bar(x: left + Double(k) * step + gap, y: bottom - h, width: step - 2 * gap, height: h,
                       jitterX: left + (Double(k) + 0.5) * step, jitterY: bottom - Double(s.jitter) * 1000 / jitterScale * plot)
        }
    }

    /// The chart of a stream's slices (closed and open) from its statistics.
    /// - Parameters:
    ///   - id: unique on the page (prefix of the `<title>` and `<desc>` ids).
    ///   - title: what the chart is of, e.g. "0x0c11e47a 198.51.100.10:50040 → 203.0.113.20:3478".
    static func svg(_ st: RTPStreamStats, id: String, title: String, classes: String = "timeline") -> String {
        svg(st.slices.all(packets: st.packets, lost: st.lost, jitter: st.jitterSeconds),
            origin: st.slices.origin, sliceWidth: st.slices.width, id: id, title: title, classes: classes)
    }

    /// The chart of `slices`, slice `k` starting at `origin + k · sliceWidth` ns.
    static func svg(_ slices: [RTPSlices.Slice], origin: Int64, sliceWidth: Int64, id: String, title: String, classes: String = "timeline") -> String {
        let e = HTMLText.escaped
        let n = { (v: Double) in JSONWriter.format(v, decimals: 2) }
        let drawn = Self.bars(slices)
        let (lossScale, jitterScale) = scales(slices)
        let worst = RTPSlices.worst(slices)
        let w = Double(sliceWidth) / 1e9
        let seconds = { (v: Double) in JSONWriter.format(v, decimals: w < 1 ? 3 : 1) }
        let span = w * Double(slices.count)

        var out = "<svg class=\"\(e(classes))\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-labelledby=\"\(e(id))-t \(e(id))-d\">"
        out += "<title id=\"\(e(id))-t\">\(e("Loss and jitter per \(seconds(w)) s slice: \(title)"))</title>"
        out += "<desc id=\"\(e(id))-d\">\(e(description(slices, worst: worst, sliceSeconds: w, origin: origin)))</desc>"
        // Axes and their full-scale grid line.
        out += "<g stroke=\"#8c959f\" stroke-width=\"1\" fill=\"none\">"
            + "<path d=\"M\(n(left)) \(n(top))V\(n(bottom))H\(n(right))V\(n(top))\"/>"
            + "<path d=\"M\(n(left)) \(n(top))H\(n(right))\" stroke-dasharray=\"3 3\" stroke=\"#d0d7de\"/></g>"
        out += "<g font-size=\"11\" font-family=\"system-ui,sans-serif\" fill=\"#1b1f24\">"
        out += "<text x=\"\(n(left - 6))\" y=\"\(n(top + 4))\" text-anchor=\"end\">\(n(lossScale)) %</text>"
            + "<text x=\"\(n(left - 6))\" y=\"\(n(bottom + 4))\" text-anchor=\"end\">0 %</text>"
            + "<text x=\"\(n(right + 6))\" y=\"\(n(top + 4))\">\(n(jitterScale)) ms</text>"
            + "<text x=\"\(n(right + 6))\" y=\"\(n(bottom + 4))\">0 ms</text>"
            + "<text x=\"\(n(left))\" y=\"\(n(top - 6))\" fill=\"#cf222e\">loss %</text>"
            + "<text x=\"\(n(right))\" y=\"\(n(top - 6))\" text-anchor=\"end\" fill=\"#0969da\">jitter ms</text>"
        for t in ticks(span) {
            let x = left + t / span * (right - left)
            out += "<text x=\"\(n(x))\" y=\"\(n(bottom + 16))\" text-anchor=\"middle\">\(seconds(t))</text>"
        }
        out += "<text x=\"\(n((left + right) / 2))\" y=\"\(n(bottom + 34))\" text-anchor=\"middle\">"
            + e("seconds from \(TimeFormat.readable(origin)) UTC") + "</text></g>"
        // Bars: loss, or a shade where no packet came.
        for (k, (s, b)) in zip(slices, drawn).enumerated() {
            let tip = "<title>\(e(sliceWords(s, k: k, sliceSeconds: w)))</title>"
            if s.packets == 0 && s.lost <= 0 {
                out += "<rect class=\"empty\" x=\"\(n(b.x))\" y=\"\(n(top))\" width=\"\(n(b.width))\" height=\"\(n(bottom - top))\" fill=\"#eaeef2\">\(tip)</rect>"
            } else {
                // The worst slice: class "loss worst", outlined.
                let outline = k == worst ? " stroke=\"#82071e\" stroke-width=\"1.5\"" : ""
                out += "<rect class=\"\(k == worst ? "loss worst" : "loss")\" x=\"\(n(b.x))\" y=\"\(n(b.y))\" width=\"\(n(b.width))\" "
                    + "height=\"\(n(b.height))\" fill=\"#cf222e\"\(outline)>\(tip)</rect>"
            }
        }
        // Jitter: a line through the slices' points, and the points.
        out += "<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\" points=\""
            + drawn.map { "\(n($0.jitterX)),\(n($0.jitterY))" }.joined(separator: " ") + "\"/>"
        out += "<g fill=\"#0969da\">" + drawn.map { "<circle class=\"jitter\" cx=\"\(n($0.jitterX))\" cy=\"\(n($0.jitterY))\" r=\"2\"/>" }.joined() + "</g>"
        return out + "</svg>"
    }

    /// Time-axis ticks (seconds from the start) for a chart `span` seconds wide: every 1, 2 or 5
    /// times a power of ten, at most 6 intervals, from 0 to the span.
    static func ticks(_ span: Double) -> [Double] {
        guard span.isFinite, span > 0 else { return [0] }
        var step = 1e-3
        search: for e in -3...12 {
            for m in [1.0, 2.0, 5.0] {
                step = m * pow(10, Double(e))
                if span / step <= 6 { break search }
            }
        }
        return (0...Int((span / step + 1e-9).rounded(.down))).map { Double($0) * step }
    }

    /// The chart's `<desc>`: how many slices, the worst one and the jitter's peak.
    static func description(_ slices: [RTPSlices.Slice], worst: Int?, sliceSeconds w: Double, origin: Int64) -> String {
        let pct = { (v: Double) in JSONWriter.format(v * 100, decimals: 1) }
        var words = "\(TableReportWriter.counted(slices.count, "slice")) of \(JSONWriter.format(w, decimals: 3)) s from \(TimeFormat.readable(origin)) UTC"
        let packets = slices.reduce(0) { $0 + Int($1.packets) }, lost = slices.reduce(0) { $0 + max(0, Int($1.lost)) }
        words += ", \(TableReportWriter.counted(packets, "packet")), \(TableReportWriter.count(lost)) lost"
        if let worst {
            words += "; worst slice \(worst + 1) (from \(JSONWriter.format(Double(worst) * w, decimals: 3)) s): loss \(pct(lossFraction(slices[worst]))) %"
        }
        if let peak = slices.indices.max(by: { slices[$0].jitter < slices[$1].jitter }) {
            words += "; jitter at most \(JSONWriter.format(Double(slices[peak].jitter) * 1000, decimals: 2)) ms (slice \(peak + 1))"
        }
        return words + "."
    }

    /// A bar's tooltip: the slice's span and values.
    static func sliceWords(_ s: RTPSlices.Slice, k: Int, sliceSeconds w: Double) -> String {
        let from = JSONWriter.format(Double(k) * w, decimals: 3), to = JSONWriter.format(Double(k + 1) * w, decimals: 3)
        return "\(from)–\(to) s: \(TableReportWriter.counted(Int(s.packets), "packet")), \(max(0, Int(s.lost))) lost ("
            + JSONWriter.format(lossFraction(s) * 100, decimals: 1) + " %), jitter \(JSONWriter.format(Double(s.jitter) * 1000, decimals: 2)) ms, "
            + "largest gap \(JSONWriter.format(Double(s.maxGap) / 1000, decimals: 1)) ms"
    }
}

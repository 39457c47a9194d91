/// The HTML report's Calls section: the worst calls across the relay, each with its label and
/// reasons, and per stream its codec, where the loss arose in words and its legs in media order
/// (flow uid linked to the flows table when listed there, sender → receiver, packets, lost,
/// jitter, RTT, MOS, label) with each leg's timeline (`HTMLTimeline`).
///
/// Bounded: the `kept` worst calls are kept (their `Call` values, about 1 KB per leg), and the
/// two ends of the latest `endsKept` flows with RTP, which calls (finished after their flows)
/// take their legs' addresses from.
struct HTMLCallsSection {
    /// Calls shown.
    static let kept = HTMLReportWriter.sectionRows
    /// Flows with RTP whose ends are remembered: as many as the call correlator lets wait.
    static let endsKept = CallCorrelator.defaultCapacity

    /// A kept call, with its legs' "sender → receiver" by flow uid and stream direction.
    private struct Entry {
        var rank: Double
        var call: Call
        var ends: [String: (orig: String, resp: String)]
    }

    private var entries: [Entry] = []
    private(set) var calls = 0
    private(set) var streams = 0
    private var ends: [String: (orig: String, resp: String)] = [:]
    private var endsOrder: [String] = []
    private var endsHead = 0

    /// Notes the ends of a flow that carries RTP (a leg of a call to come).
    mutating func flow(_ f: FlowSummary) {
        guard let app = f.app, !app.rtp.isEmpty else { return }
        ends[f.uid] = (TableReportWriter.endpoint(f), TableReportWriter.endpoint(f, responder: true))
        endsOrder.append(f.uid)
        if endsOrder.count - endsHead > Self.endsKept {
            ends[endsOrder[endsHead]] = nil
            endsHead += 1
            if endsHead >= Self.endsKept {
                endsOrder.removeFirst(endsHead)
                endsHead = 0
            }
        }
    }

    /// Keeps `call` when it is among the worst: poor first, then the largest loss of a leg, then
    /// the lowest MOS.
    mutating func call(_ call: Call) {
        calls += 1
        streams += call.streams.count
        let legs = call.streams.flatMap(\.legs)
        let loss = legs.map(\.stream.lossFraction).max() ?? 0
        let mos = legs.compactMap(\.quality.mos).min() ?? 5
        let rank = Double(Call.severity(call.label)) * 1000 + loss * 100 + (5 - mos) / 10
        guard entries.count < Self.kept || entries.contains(where: { $0.rank < rank }) else { return }
        var known: [String: (orig: String, resp: String)] = [:]
        for l in legs { known[l.uid] = ends[l.uid] }
        let entry = Entry(rank: rank, call: call, ends: known)
        if entries.count < Self.kept {
            entries.append(entry)
        } else if let i = entries.indices.min(by: { entries[$0].rank < entries[$1].rank }) {
            entries[i] = entry
        }
    }

    /// The section (empty when no call was seen); `listed`: the uids of the flows table, linked to.
    func html(listed: Set<String>) -> String {
        guard calls > 0 else { return "" }
        var out = "<h2 id=\"calls\">Calls across the relay</h2>\n<p>\(TableReportWriter.counted(calls, "call")), "
            + "\(TableReportWriter.counted(streams, "stream")); worst first"
        out += entries.count < calls ? " <span class=\"cut\">(\(entries.count) shown, \(TableReportWriter.count(calls - entries.count)) not shown)</span>.</p>\n" : ".</p>\n"
        let sorted = entries.sorted { ($0.rank, $1.call.firstTimestamp, $1.call.id) > ($1.rank, $0.call.firstTimestamp, $0.call.id) }
        for entry in sorted { out += Self.html(entry, listed: listed) }
        return out
    }

    private static func html(_ entry: Entry, listed: Set<String>) -> String {
        let e = HTMLText.escaped
        let c = entry.call
        var out = "<section class=\"call\" id=\"call-\(e(c.id))\">\n<h3>Call <span class=\"mono\">\(e(c.id))</span>: "
            + "<span class=\"s-\(e(c.label.rawValue))\">\(e(c.label.rawValue))</span></h3>\n"
        let reasons = c.reasons.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }
        out += "<p class=\"sub\">\(e(TimeFormat.readable(c.firstTimestamp))) to \(e(TimeFormat.readable(c.lastTimestamp))) UTC "
            + "(\(e(TimeFormat.span(c.lastTimestamp - c.firstTimestamp))))" + (reasons.isEmpty ? "" : "; reasons: \(e(reasons.joined(separator: ", ")))") + "</p>\n"
        for s in c.streams {
            out += "<h4>SSRC <span class=\"mono\">0x\(String(s.ssrc, radix: 16))</span> · \(e(s.codec.name ?? "unknown codec")) (PT \(s.payloadType)) · "
                + "<span class=\"s-\(e(s.label.rawValue))\">\(e(s.label.rawValue))</span> · loss: \(e(s.lossAt.sentence))</h4>\n"
            out += "<div class=\"wide\"><table class=\"legs\">\n<thead><tr><th>Leg</th><th>Flow</th><th>From → To</th><th>Packets</th><th>Lost</th><th>Loss %</th>"
                + "<th>Jitter ms</th><th>Max jitter ms</th><th>RTT ms</th><th>MOS</th><th>Label</th></tr></thead>\n<tbody>\n"
            for (i, l) in s.legs.enumerated() {
                let uid = listed.contains(l.uid) ? "<a href=\"#f-\(e(l.uid))\">\(e(l.uid))</a>" : e(l.uid)
                let q = l.quality, st = l.stream.stats
                let loss = l.stream.lossFraction
                out += "<tr>" + HTMLText.cell(i + 1) + "<td class=\"mono\">\(uid)</td>" + HTMLText.cell(direction(l, entry.ends[l.uid]), classes: "mono")
                    + HTMLText.cell(Int(st.packets)) + HTMLText.cell(Int(st.lostForReport))
                    + HTMLText.cell(JSONWriter.format(loss * 100, decimals: 2), classes: loss > 0.1 ? "n s-error" : "n")
                    + HTMLText.cell(JSONWriter.format(st.jitterMilliseconds, decimals: 2), classes: st.jitterMilliseconds > 30 ? "n s-error" : "n")
                    + HTMLText.cell(JSONWriter.format(st.maxJitterMilliseconds, decimals: 2), classes: "n")
                    + HTMLText.cell(q.roundTrip.map { JSONWriter.format($0, decimals: 1) } ?? "-", classes: "n")
                    + HTMLText.cell(q.mos.map { JSONWriter.format($0, decimals: 2) } ?? "-", classes: "n")
                    + HTMLText.cell(q.label.rawValue, classes: "s-" + q.label.rawValue) + "</tr>\n"
            }
            out += "</tbody>\n</table></div>\n<div class=\"timelines\">\n"
            for (i, l) in s.legs.enumerated() {
                let words = "leg \(i + 1), flow \(l.uid), \(direction(l, entry.ends[l.uid]))"
                out += "<figure>" + HTMLTimeline.svg(l.stream.stats, id: "tl-\(c.id)-\(String(s.ssrc, radix: 16))-\(i + 1)",
                                                     title: "SSRC 0x\(String(s.ssrc, radix: 16)) \(words)")
                    + "<figcaption>\(e("Leg \(i + 1) (\(l.uid)): loss and jitter per \(JSONWriter.format(Double(l.stream.stats.slices.width) / 1e9, decimals: 3)) s slice"))</figcaption></figure>\n"
            }
            out += "</div>\n"
        }
        return out + "</section>\n"
    }

    /// "sender → receiver" of a leg (its flow's ends by the stream's direction), or its direction
    /// in words when its flow's ends are no longer known.
    private static func direction(_ l: Call.Leg, _ ends: (orig: String, resp: String)?) -> String {
        guard let ends else { return l.stream.fromOriginator ? "originator → responder" : "responder → originator" }
        return l.stream.fromOriginator ? "\(ends.orig) → \(ends.resp)" : "\(ends.resp) → \(ends.orig)"
    }
}

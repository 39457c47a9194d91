import Foundation
import Testing
@testable import EdgeflowKit

/// The HTML report's SVG timelines of loss and jitter per slice, and its Calls section: the
/// geometry worked out by hand from the chart's plot area (x 52 to 588, y 18 to 128), then on
/// Captures/calls/relay-call.pcap against tshark's packets per 1 s window
/// (Fixtures/relay-call.rtp.tshark.txt, see CallLegSlicesTests).
@Suite("HTML timelines and calls")
struct HTMLTimelineTests {
    typealias R = RelayCallCaptureTests

    /// A drawn `<rect>`: class and geometry.
    struct Rect { var cls: String, x: Double, y: Double, width: Double, height: Double }

    static func rects(_ svg: Substring) -> [Rect] {
        svg.matches(of: /<rect class="([^"]*)" x="([^"]*)" y="([^"]*)" width="([^"]*)" height="([^"]*)"/).map {
            Rect(cls: String($0.output.1), x: Double($0.output.2)!, y: Double($0.output.3)!, width: Double($0.output.4)!, height: Double($0.output.5)!)
        }
    }

    static func points(_ svg: Substring) -> [(x: Double, y: Double)] {
        svg.matches(of: /<circle class="jitter" cx="([^"]*)" cy="([^"]*)"/).map { (Double($0.output.1)!, Double($0.output.2)!) }
    }

    /// Four 1 s slices: no loss at 2 ms of jitter; 5 lost of 50 (10 %) at 4 ms; none (a
    /// silence); 2 lost of 50 (4 %) at 1 ms. Full scales 10 % (the largest loss) and 5 ms (4 ms
    /// rounded up to 1-2-5), plot 110 high, slices 134 wide.
    @Test("bars and points follow from the slices' loss and jitter")
    func handWorkedGeometry() throws {
        let slices = [RTPSlices.Slice(packets: 50, lost: 0, jitter: 0.002, maxGap: 20_000),
                      RTPSlices.Slice(packets: 45, lost: 5, jitter: 0.004, maxGap: 60_000),
                      RTPSlices.Slice(packets: 0, lost: 0, jitter: 0.004, maxGap: 0),
                      RTPSlices.Slice(packets: 48, lost: 2, jitter: 0.001, maxGap: 40_000)]
        let svg = HTMLTimeline.svg(slices, origin: 1_700_000_000_000_000_000, sliceWidth: 1_000_000_000,
                                   id: "t1", title: "<b>a & b</b>")[...]
        let r = Self.rects(svg)
        #expect(r.map(\.cls) == ["loss", "loss worst", "empty", "loss"])
        #expect(r.map(\.x) == [53, 187, 321, 455] && r.allSatisfy { $0.width == 132 })
        #expect(r.map(\.height) == [0, 110, 110, 44])
        #expect(r.map(\.y) == [128, 18, 18, 84])
        let p = Self.points(svg)
        #expect(p.map(\.x) == [119, 253, 387, 521])
        #expect(p.map(\.y) == [84, 40, 40, 106])
        #expect(svg.contains(">10 %</text>") && svg.contains(">5 ms</text>") && svg.contains(">0 %</text>"))
        // Time axis: 4 s wide, a tick every second.
        for t in 0...4 { #expect(svg.contains("text-anchor=\"middle\">\(t)</text>"), "tick \(t)") }
        #expect(svg.contains("seconds from 2023-11-14 22:13:20.000 UTC"))
        // Accessible, and the title escaped.
        #expect(svg.hasPrefix("<svg class=\"timeline\" viewBox=\"0 0 640 168\" role=\"img\" aria-labelledby=\"t1-t t1-d\">"))
        #expect(svg.contains("<title id=\"t1-t\">Loss and jitter per 1 s slice: &lt;b&gt;a &amp; b&lt;/b&gt;</title>"))
        #expect(svg.contains("<desc id=\"t1-d\">4 slices of 1 s from 2023-11-14 22:13:20.000 UTC, 143 packets, 7 lost; worst slice 2 (from 1 s): loss 10 %; jitter at most 4 ms (slice 2).</desc>"))
        #expect(svg.contains("<title>1–2 s: 45 packets, 5 lost (10 %), jitter 4 ms, largest gap 60 ms</title>"))
    }

    @Test("full scales are 1, 2 or 5 times a power of ten; time ticks at most 6 intervals")
    func scalesAndTicks() {
        #expect([0, 0.5, 1, 1.2, 2, 3, 7.1, 10, 14.8, 99, 100].map(HTMLTimeline.niceCeiling) == [1, 1, 1, 2, 2, 5, 10, 10, 20, 100, 100])
        #expect(HTMLTimeline.ticks(26) == [0, 5, 10, 15, 20, 25])
        #expect(HTMLTimeline.ticks(640) == [0, 200, 400, 600])
        #expect(HTMLTimeline.ticks(0.5).count == 6 && HTMLTimeline.ticks(0.5).last == 0.5)
    }

    /// The page of CAPTURE with 1 s slices.
    static func page(_ capture: String) throws -> String {
        let out = scratchPath("calls") + ".html"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = AnalyzeOptions(paths: [capture])
        options.format = .html
        options.flow.rtpSliceWidth = 1_000_000_000
        options.top = 1000
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream) { _ in }
        try stream.close()
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    /// The Calls section of relay-call.pcap: its call with both streams and their legs in media
    /// order; each leg's chart has a bar per tshark window whose height is that window's loss
    /// fraction on the chart's scale, its tallest bar the worst slice, and a jitter point per
    /// window at RFC 3550's jitter over tshark's packets up to the window's end.
    @Test("relay-call.pcap: the call's legs and their charts follow tshark's packets per window")
    func relayCallCharts() throws {
        let name = "relay-call"
        let json = try analyzeJSON([R.capture(name)]) { $0.flow.rtpSliceWidth = 1_000_000_000 }
        let html = try Self.page(R.capture(name))
        let call = try #require((json["calls"] as? [[String: Any]])?.first)
        let id = try #require(call["id"] as? String)
        let section = try #require(html.firstMatch(of: /<h2 id="calls">[\s\S]*?<h2 id="media">/)?.output[...])
        #expect(section.contains("<section class=\"call\" id=\"call-\(id)\">"))
        #expect(section.contains("<span class=\"s-good\">good</span>"))
        let rtp = try R.rtpPackets(name)
        var charts = 0
        for s in try #require(call["streams"] as? [[String: Any]]) {
            let ssrcText = try #require(s["ssrc"] as? String)
            let ssrc = try #require(UInt32(ssrcText.dropFirst(2), radix: 16))
            #expect(section.contains("SSRC <span class=\"mono\">\(ssrcText)</span> · PCMU (PT 0)"))
            for (i, leg) in try #require(s["legs"] as? [[String: Any]]).enumerated() {
                let flow = try #require(json.flows.first { $0["uid"] as? String == leg["uid"] as? String })
                let orig = R.endpoint(flow, "orig"), resp = R.endpoint(flow, "resp")
                let (src, dst) = leg["dir"] as? String == "orig" ? (orig, resp) : (resp, orig)
                let uid = try #require(leg["uid"] as? String)
                // The legs' rows in media order: leg number, uid, sender → receiver.
                #expect(section.contains("<tr><td class=\"n\" data-v=\"\(i + 1)\">\(i + 1)</td><td class=\"mono\"><a href=\"#f-\(uid)\">\(uid)</a></td>"
                                         + "<td class=\"mono\">\(src) → \(dst)</td>"), "\(ssrcText) leg \(i + 1)")
                let chartID = "tl-\(id)-\(String(ssrc, radix: 16))-\(i + 1)"
                let svg = try #require(section.firstMatch(of: try Regex("<svg class=\"timeline\"[^>]*aria-labelledby=\"\(chartID)-t \(chartID)-d\">[\\s\\S]*?</svg>"))?.output[0].substring)

                let width: Int64 = 1_000_000_000
                let windows = CallLegSlicesTests.windows(try CallLegSlicesTests.legPackets(name, src: src, dst: dst, ssrc: ssrc), width: width)
                let fraction = windows.map { Double($0.lost) / Double($0.lost + $0.packets) }
                let scale = HTMLTimeline.niceCeiling((fraction.max() ?? 0) * 100)
                let bars = Self.rects(svg)
                #expect(bars.count == windows.count, "\(chartID)")
                for (b, f) in zip(bars, fraction) { #expect(abs(b.height - f * 100 / scale * 110) < 0.006, "\(chartID): \(b.height) vs \(f)") }
                let tallest = try #require(bars.indices.max { bars[$0].height < bars[$1].height })
                if fraction[tallest] > 0 { #expect(bars[tallest].cls == "loss worst", "\(chartID)") }

                // Jitter at each window's end from tshark's arrivals and RTP timestamps.
                let packets = rtp.filter { $0.src == src && $0.dst == dst && $0.ssrc == ssrc }
                let first = try #require(packets.first).arrivalNs
                let jitters = windows.indices.map { k in
                    R.rfc3550Jitter(packets.filter { $0.arrivalNs < first + Int64(k + 1) * width }).last
                }
                let jitterScale = HTMLTimeline.niceCeiling(jitters.max() ?? 0)
                let points = Self.points(svg)
                #expect(points.count == windows.count)
                for (p, j) in zip(points, jitters) { #expect(abs(p.y - (128 - j / jitterScale * 110)) < 0.02, "\(chartID): \(p.y) vs \(j) ms") }
                charts += 1
            }
        }
        #expect(charts == 4)
        // The media streams section draws the same chart for each of the four streams.
        let media = try #require(html.firstMatch(of: /<h2 id="media">[\s\S]*?<\/table>/)?.output[...])
        #expect(media.matches(of: /<svg class="timeline small"/).count == 4)
    }
}

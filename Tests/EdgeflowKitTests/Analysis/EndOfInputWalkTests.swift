import Foundation
import Testing
@testable import EdgeflowKit

/// The end of input's walk over a table: flows counted by protocol in the order each protocol
/// was first counted (`ProtocolTally`), each flow once; a flow's history read into its summary
/// by words (`FlowSummary.historyWords`).
@Suite("End of input's walk")
struct EndOfInputWalkTests {
    @Test("a tally of protocols agrees with counting one by one: counts, and the order first counted")
    func tally() {
        var rng = SplitMix64(seed: 0xE11D)
        for protocols in [1, 3, 40, 256] {
            var tally = ProtocolTally()
            var counts: [UInt8: Int] = [:], order: [UInt8] = []
            for _ in 0..<5_000 {
                let p = UInt8(Int.random(in: 0..<protocols, using: &rng) * 251 % 256)
                if counts[p] == nil { order.append(p) }
                counts[p, default: 0] += 1
                tally.count(p)
            }
            var seen: [(UInt8, Int)] = []
            tally.forEach { seen.append(($0, $1)) }
            #expect(seen.map(\.0) == order)
            #expect(seen.map(\.1) == order.map { counts[$0]! })
        }
        var empty = ProtocolTally()
        var none = 0
        empty.forEach { _, _ in none += 1 }
        #expect(none == 0)
        // Protocol 0 (HOPOPT), counted once: listed, not taken for an empty slot.
        empty.count(0)
        var got: [(UInt8, Int)] = []
        empty.forEach { got.append(($0, $1)) }
        #expect(got.map(\.0) == [0] && got.map(\.1) == [1])
    }

    @Test("a summary's history, read by words, gives back the record's letters; equal histories, equal words")
    func historyWords() {
        let key = FlowKey(a: IPAddress(ipv4: 1), b: IPAddress(ipv4: 2), aPort: 40000, bPort: 443, proto: 6, ipVersion: 4)
        func summary(_ h: FlowHistory) -> FlowSummary {
            var r = FlowRecord(key: key, sequence: 0, originatorIsA: true, timestamp: 0)
            r.history = h
            return FlowSummary(r, reason: .endOfInput)
        }
        var handshake = FlowHistory()
        handshake.note(.syn, fromOriginator: true)
        handshake.note(.synAck, fromOriginator: false)
        handshake.note(.ack, fromOriginator: true)
        #expect(summary(handshake).history == "ShA")
        #expect(summary(FlowHistory()).history == "")
        var rng = SplitMix64(seed: 0x415)
        for _ in 0..<2_000 {
            var h = FlowHistory()
            h.flipped = Bool.random(using: &rng)
            for _ in 0..<Int.random(in: 0..<13, using: &rng) {  // at most 12 letters: none dropped (16 kept)
                h.note(FlowHistory.Event(rawValue: UInt8.random(in: 0...9, using: &rng))!, fromOriginator: Bool.random(using: &rng))
            }
            let s = summary(h)
            #expect(s.history == h.text)
            #expect(s.historyWords.2 >> 40 == 0)
            var again = FlowHistory()
            again.flipped = h.flipped
            for c in h.text.utf8 where c != 0x5E {
                // The letters' events again, in order: the same history, the same words.
                let lower = c | 0x20
                let event = [0x73, 0x68, 0x61, 0x64, 0x66, 0x72, 0x74, 0x77, 0x69, 0x71].firstIndex(of: lower)!
                again.note(FlowHistory.Event(rawValue: UInt8(event))!, fromOriginator: c != lower)
            }
            #expect(summary(again).historyWords == s.historyWords)
        }
    }

    /// One packet per millisecond; the JSON report's text (its objects' member order kept).
    private func reportText(_ frames: [[UInt8]], configure: (inout AnalyzeOptions) -> Void = { _ in }) throws -> String {
        let records = frames.enumerated().map {
            TestRecord(seconds: 1_772_442_000, fraction: UInt32($0.offset * 1_000), data: $0.element)
        }
        let path = CaptureFile.temporary(CaptureFile.pcap(records))
        let out = scratchPath("walk") + ".json"
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: out)
        }
        var options = AnalyzeOptions(paths: [path])
        options.format = .json
        configure(&options)
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream) { _ in }
        try stream.close()
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    private func gre(_ src: String, _ dst: String) -> [UInt8] {
        Frames.ethernet(type: 0x0800) + Frames.ipv4Header(src: src, dst: dst, proto: 47, payloadLength: 4) + [0, 0, 0x08, 0]
    }

    @Test("flows by protocol: each protocol in the order its first flow ended, with every flow counted once")
    func byProtocol() throws {
        // Created (and ended at the end of input) in this order: udp, tcp, gre, udp, tcp, udp.
        let frames = [
            Frames.udp4("10.0.0.1", 5000, "10.0.0.2", 53),
            Frames.tcp4("10.0.0.3", 40000, "10.0.0.4", 443, flags: 0x02),
            gre("10.0.0.5", "10.0.0.6"),
            Frames.udp4("10.0.0.7", 5001, "10.0.0.8", 3478),
            Frames.tcp4("10.0.0.9", 40001, "10.0.0.10", 5061, flags: 0x02),
            Frames.udp4("10.0.0.11", 5002, "10.0.0.12", 3478),
        ]
        let text = try reportText(frames)
        #expect(text.contains("\"flows_by_proto\":{\"udp\":3,\"tcp\":2,\"gre\":1}"))
        #expect(text.contains("\"flows_evicted\":0"))
        // Some flows ended while reading (evicted at two live flows), the rest at the end: each counted once.
        let bounded = try reportText(frames) { $0.flow.maxFlows = 2 }
        let counts = try #require(bounded.firstRange(of: "\"flows_by_proto\":{").map { bounded[$0.upperBound...].prefix { $0 != "}" } })
        #expect(Set(counts.split(separator: ",")) == ["\"udp\":3", "\"tcp\":2", "\"gre\":1"])
        // By hand: six one-packet flows 1 ms apart, at most 2 live. Each new flow from the third
        // on finds 2 and evicts the idlest sixteenth, at least one (`evictIdlest`: 2 / 16 = 0, so
        // 1), the older of the two: flows 1 to 4 (udp, tcp, gre, udp) evicted while reading, 5
        // and 6 (tcp, udp) ended at the end of input.
        #expect(bounded.contains("\"flows_evicted\":4"))
        func reasons(_ t: String) -> [String] {
            t.ranges(of: "\"end_reason\":\"").map { String(t[$0.upperBound...].prefix { $0 != "\"" }) }
        }
        #expect(reasons(bounded) == ["evicted", "evicted", "evicted", "evicted", "end_of_input", "end_of_input"], "\(reasons(bounded))")
        #expect(reasons(text) == [String](repeating: "end_of_input", count: 6))
    }
}

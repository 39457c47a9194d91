import Foundation
import Testing
@testable import EdgeflowKit

/// The call correlator on hand-made flows: G.711 streams of 20 ms packets (160 ticks at
/// 8 kHz) whose losses, delays and spans are chosen here, with the grouping each test expects
/// stated beside it.
@Suite("Call correlator")
struct CallCorrelatorTests {
    static let ms: Int64 = 1_000_000
    static let s: Int64 = 1_000_000_000

    /// `count` packets from sequence 1000 sent every 20 ms from `start`, arriving `delay` later,
    /// without the packets whose index is in `lost`.
    static func stream(_ ssrc: UInt32, orig: Bool, count: Int = 600, lost: Set<Int> = [], start: Int64 = 0, delay: Int64 = 0) -> AppReport.RTPStream {
        var st = RTPStreamStats()
        for i in 0..<count where !lost.contains(i) {
            st.record(sequence: UInt16(1000 + i), timestamp: UInt32(5000 + 160 * i), arrivalNanoseconds: start + Int64(i) * 20 * ms + delay,
                      payloadType: 0, marker: false, clockRate: 8000)
        }
        return AppReport.RTPStream(ssrc: ssrc, payloadType: 0, codec: .pcmu, fromOriginator: orig, stats: st)
    }

    static func flow(_ uid: String, first: Int64, last: Int64, _ streams: [AppReport.RTPStream]) -> CallCorrelator.Flow {
        CallCorrelator.Flow(uid: uid, first: first, last: last, streams: streams, quality: streams.map { RTPStreamQuality($0, roundTrip: nil) })
    }

    /// Runs flows through a correlator and returns the calls in the order they were emitted.
    static func run(_ flows: [CallCorrelator.Flow], window: Int64 = CallCorrelator.defaultWindow, capacity: Int = 100) -> (calls: [Call], overflow: Int) {
        var c = CallCorrelator(window: window, capacity: capacity)
        var calls: [Call] = []
        for f in flows { c.add(f) { calls.append($0) } }
        c.finish { calls.append($0) }
        return (calls, c.overflow)
    }

    /// A relayed call: flow C1 (client ↔ A/V Edge) and C2 (A/V Edge ↔ peer). SSRC 0x1111 goes
    /// client → peer: it crosses C1 first (no delay) then C2 (2 ms later); C1 misses packets 10
    /// and 11, C2 those and 50 too. SSRC 0x2222 goes peer → client: C2 first, C1 3 ms later;
    /// C2 misses none, C1 misses 30. C2 is handed in first, so the order of the legs must come
    /// from the packets' timing. Expected: one call of two streams; 0x1111 legs C1, C2 with
    /// lost 2 and 3 (loss before the first leg and between the legs); 0x2222 legs C2, C1 with
    /// lost 0 and 1 (between the legs).
    @Test func relayedStreamsFormOneCallWithLegsInMediaOrder() {
        let c1 = Self.flow("C1aaaaaaaaaa", first: 0, last: 12 * Self.s, [
            Self.stream(0x1111, orig: true, lost: [10, 11]),
            Self.stream(0x2222, orig: false, lost: [30], delay: 3 * Self.ms)])
        let c2 = Self.flow("C2bbbbbbbbbb", first: 1 * Self.ms, last: 12 * Self.s, [
            Self.stream(0x1111, orig: true, lost: [10, 11, 50], delay: 2 * Self.ms),
            Self.stream(0x2222, orig: false)])
        let (calls, overflow) = Self.run([c2, c1])
        #expect(overflow == 0)
        #expect(calls.count == 1)
        guard let call = calls.first else { return }
        #expect(call.id == "V1aaaaaaaaaa")
        #expect(call.firstTimestamp == 0 && call.lastTimestamp == 12 * Self.s)
        #expect(call.streams.map(\.ssrc) == [0x1111, 0x2222])
        let a = call.streams[0], b = call.streams[1]
        #expect(a.legs.map(\.uid) == ["C1aaaaaaaaaa", "C2bbbbbbbbbb"])
        #expect(a.legs.map(\.stream.stats.lostForReport) == [2, 3])
        #expect(a.lossAt == .beforeAndBetween)
        #expect(b.legs.map(\.uid) == ["C2bbbbbbbbbb", "C1aaaaaaaaaa"])
        #expect(b.legs.map(\.stream.stats.lostForReport) == [0, 1])
        #expect(b.lossAt == .betweenLegs)
        // 600 packets, loss of at most 3/600 and no jitter: CQD's thresholds are not crossed.
        #expect(call.label == .good && call.reasons.isEmpty)
    }

    /// One leg losing 15 % (over CQD's 10 %) makes its stream and the call poor, for the
    /// packet loss rate.
    @Test func callTakesTheWorstLabelOfItsLegs() {
        let heavy = Set(stride(from: 0, to: 600, by: 7))   // 86 of 600 lost: 14.3 %
        let c1 = Self.flow("C1", first: 0, last: 12 * Self.s, [Self.stream(7, orig: true)])
        let c2 = Self.flow("C2", first: 0, last: 12 * Self.s, [Self.stream(7, orig: true, lost: heavy, delay: Self.ms)])
        let call = Self.run([c1, c2]).calls
        #expect(call.count == 1)
        #expect(call.first?.label == .poor)
        #expect(call.first?.reasons == [.packetLossRate])
        #expect(call.first?.streams.first?.lossAt == .betweenLegs)
    }

    /// The findings of that call: the poor leg is C2, the one beyond the relay, for its packet
    /// loss; and both flows carry media one way only (one stream, no reverse direction).
    @Test func findingsNameTheLegAndTheMeasure() throws {
        let heavy = Set(stride(from: 0, to: 600, by: 7))
        let c1 = Self.flow("C1", first: 0, last: 12 * Self.s, [Self.stream(7, orig: true)])
        let c2 = Self.flow("C2", first: 0, last: 12 * Self.s, [Self.stream(7, orig: true, lost: heavy, delay: Self.ms)])
        var findings = CallFindings()
        findings.add(try #require(Self.run([c1, c2]).calls.first))
        let f = findings.findings
        #expect(f.map(\.code) == [.callPoorMedia, .callOneWayMedia])
        #expect(f.map(\.flows) == [["C2"], ["C1", "C2"]])
        #expect(f.first?.message.contains("packet loss over 10 % on a leg beyond the relay") == true)
        #expect(f.allSatisfy { $0.severity == .warning })
    }

    /// The same SSRC on two flows that do not overlap in time (0-10 s and 100-110 s) is two
    /// streams that happen to share it: no call.
    /// Loss (1 packet in 7, 14 %) already on the first leg C1 and so on C2 as well: the finding
    /// names the first leg only, and C1 counts once though both of its streams (SSRCs 7 and 8,
    /// each losing 1 in 7 on both legs) are poor: 1 flow behind it.
    @Test func lossOnTheFirstLegIsNotedThereOnce() throws {
        let heavy = Set(stride(from: 0, to: 600, by: 7))
        let c1 = Self.flow("C1", first: 0, last: 12 * Self.s, [Self.stream(7, orig: true, lost: heavy), Self.stream(8, orig: true, lost: heavy)])
        let c2 = Self.flow("C2", first: 0, last: 12 * Self.s, [Self.stream(7, orig: true, lost: heavy, delay: Self.ms),
                                                                Self.stream(8, orig: true, lost: heavy, delay: Self.ms)])
        var findings = CallFindings()
        findings.add(try #require(Self.run([c1, c2]).calls.first))
        let poor = findings.findings.filter { $0.code == .callPoorMedia }
        #expect(poor.count == 1)
        #expect(poor.first?.flows == ["C1"] && poor.first?.flowCount == 1)
        #expect(poor.first?.message.contains("packet loss over 10 % on the stream's first leg (before the relay)") == true)
    }

    @Test func sameSSRCAtDifferentTimesIsNoCall() {
        let a = Self.flow("Ca", first: 0, last: 10 * Self.s, [Self.stream(9, orig: true)])
        let b = Self.flow("Cb", first: 100 * Self.s, last: 110 * Self.s, [Self.stream(9, orig: true, start: 100 * Self.s)])
        #expect(Self.run([a, b], window: .max).calls.isEmpty)
    }

    /// A flow's streams wait `window` (60 s) after its last packet. Flow A ends at 10 s; an
    /// unrelated flow ending at 69 s keeps A waiting, so B (same SSRC, overlapping A) still
    /// joins it: one call. A flow ending at 71 s finishes A's group first, so B finds no
    /// partner: no call. Whole-capture grouping (no window) gives the call in both cases.
    @Test func partnersWaitAWindowOfCaptureTime() {
        let a = Self.flow("Ca", first: 0, last: 10 * Self.s, [Self.stream(5, orig: true)])
        let b = Self.flow("Cb", first: 0, last: 80 * Self.s, [Self.stream(5, orig: true, delay: Self.ms)])
        let tick69 = Self.flow("Cx", first: 0, last: 69 * Self.s, [])
        let tick71 = Self.flow("Cy", first: 0, last: 71 * Self.s, [])
        #expect(Self.run([a, tick69, b]).calls.count == 1)
        #expect(Self.run([a, tick71, b]).calls.isEmpty)
        #expect(Self.run([a, tick71, b], window: .max).calls.count == 1)
    }

    /// Flows are handed in when they end, which for a UDP leg is its idle timeout (120 s) after
    /// its last packet: leg A (last packet at 10 s) comes in after an unrelated TCP connection
    /// whose last packet was at 100 s (closed, handed in 30 s later). Waiting only the window,
    /// A's group would be finished by that connection before A's partner B (last packet at 25 s,
    /// handed in after it) arrives: no call. With the flow table's longest end delay as `lag`
    /// (300 s TCP idle timeout + a 7.5 s sweep at the defaults) the two legs are one call.
    @Test func partnersWaitForFlowsStillToEnd() {
        let a = Self.flow("Ca", first: 0, last: 10 * Self.s, [Self.stream(5, orig: true, count: 500)])
        let tcp = Self.flow("Ct", first: 90 * Self.s, last: 100 * Self.s, [])
        let b = Self.flow("Cb", first: 0, last: 25 * Self.s, [Self.stream(5, orig: true, count: 500, delay: Self.ms)])
        #expect(Self.run([a, tcp, b]).calls.isEmpty)
        #expect(FlowSettings().longestEndDelay == 307_500 * Self.ms)
        var c = CallCorrelator(lag: FlowSettings().longestEndDelay)
        var calls: [Call] = []
        for f in [a, tcp, b] { c.add(f) { calls.append($0) } }
        #expect(calls.isEmpty)
        c.finish { calls.append($0) }
        #expect(calls.map { $0.streams.map { $0.legs.map(\.uid) } } == [[["Ca", "Cb"]]])
    }

    /// At the end of input flows come in creation order, so a long flow created between two legs
    /// must not finish the first leg's group: here the connection created first lasts to 1000 s.
    @Test func endOfInputDoesNotMoveTheClock() {
        let long = Self.flow("Cl", first: 0, last: 1000 * Self.s, [])
        let a = Self.flow("Ca", first: 1 * Self.s, last: 10 * Self.s, [Self.stream(5, orig: true, count: 450, start: Self.s)])
        let later = Self.flow("Cz", first: 2 * Self.s, last: 900 * Self.s, [])
        let b = Self.flow("Cb", first: 3 * Self.s, last: 10 * Self.s, [Self.stream(5, orig: true, count: 450, start: Self.s, delay: Self.ms)])
        var c = CallCorrelator()
        var calls: [Call] = []
        for f in [long, a, later, b] { c.add(f, advancing: false) { calls.append($0) } }
        c.finish { calls.append($0) }
        #expect(calls.count == 1)
    }

    /// Room made before the end of input's flows come (`reserve`, as `ClassificationStage.expectMedia`
    /// makes it) changes no call: the flows of the two calls below and the allocation's, handed in
    /// at the end of input with room for none, one, all and more than `capacity` flows, give the
    /// same calls, streams and legs.
    @Test func roomMadeBeforehandChangesNoCall() {
        func ep(_ s: String, _ p: UInt16) -> Call.Endpoint { Call.Endpoint(ip: IPAddress(s)!, port: p) }
        var a = Self.flow("CA", first: 0, last: 12 * Self.s, [Self.stream(1, orig: true)])
        a.ends = (ep("198.51.100.10", 50040), ep("203.0.113.20", 3478))
        a.allocation = Call.Allocation(uid: "CA", relayed: ep("203.0.113.20", 54089), peers: [ep("52.112.0.10", 50010)])
        var b = Self.flow("CB", first: Self.ms, last: 12 * Self.s, [Self.stream(9, orig: true)])
        b.ends = (ep("203.0.113.20", 54089), ep("52.112.0.10", 50010))
        let flows = [b, a, Self.flow("CC", first: 2 * Self.ms, last: 12 * Self.s, [Self.stream(1, orig: true, delay: Self.ms)]),
                     Self.flow("C3", first: 200 * Self.s, last: 210 * Self.s, [Self.stream(3, orig: true, start: 200 * Self.s)]),
                     Self.flow("C5", first: 200 * Self.s, last: 210 * Self.s, [Self.stream(3, orig: true, start: 200 * Self.s, delay: Self.ms)])]
        func calls(room: Int) -> [[String]] {
            var c = CallCorrelator(capacity: 100)
            c.reserve(flows: room)
            var out: [[String]] = []
            for f in flows { c.add(f, advancing: false) { out.append([$0.id] + $0.streams.flatMap { s in s.legs.map { "\(s.ssrc) \($0.uid)" } }) } }
            c.finish { out.append([$0.id] + $0.streams.flatMap { s in s.legs.map { "\(s.ssrc) \($0.uid)" } }) }
            return out
        }
        let expected = [["VA", "1 CA", "1 CC", "9 CB"], ["V3", "3 C3", "3 C5"]]
        for room in [0, 1, 5, 1000] { #expect(calls(room: room) == expected, "room \(room)") }
    }

    /// A flow's legs are made of its streams and their quality when asked for (it is in a call):
    /// each carries the flow's uid and first packet, in the streams' order.
    @Test func legsMadeOfTheStreams() {
        let streams = [Self.stream(7, orig: true), Self.stream(8, orig: false, lost: [3])]
        let quality = [RTPStreamQuality(streams[0], roundTrip: nil), RTPStreamQuality(streams[1], roundTrip: 120)]
        let f = CallCorrelator.Flow(uid: "CL", first: 42, last: 12 * Self.s, streams: streams, quality: quality)
        #expect(f.cost == 2)
        #expect(f.legs.map(\.uid) == ["CL", "CL"] && f.legs.map(\.flowFirst) == [42, 42])
        #expect(f.legs.map(\.stream.ssrc) == [7, 8] && f.legs.map(\.stream.stats.lostForReport) == [0, 1])
        #expect(f.legs.map(\.quality.roundTrip) == [nil, 120])
        #expect(CallCorrelator.Flow(uid: "CN", first: 0, last: 1, streams: [], quality: []).cost == 1)
    }

    /// Calls are emitted as soon as the clock leaves them behind, and windowed grouping gives the
    /// same calls as grouping the whole capture at once: two calls, 0-10 s (SSRCs 1, 2) and
    /// 200-210 s (SSRC 3), with a lone stream (SSRC 4) between them that is no call.
    @Test func windowedGroupingEqualsWholeCaptureGrouping() {
        let flows = [
            Self.flow("C1", first: 0, last: 10 * Self.s, [Self.stream(1, orig: true), Self.stream(2, orig: false, delay: Self.ms)]),
            Self.flow("C2", first: 0, last: 10 * Self.s, [Self.stream(1, orig: true, delay: Self.ms), Self.stream(2, orig: false)]),
            Self.flow("C4", first: 100 * Self.s, last: 110 * Self.s, [Self.stream(4, orig: true, start: 100 * Self.s)]),
            Self.flow("C3", first: 200 * Self.s, last: 210 * Self.s, [Self.stream(3, orig: true, start: 200 * Self.s)]),
            Self.flow("C5", first: 200 * Self.s, last: 210 * Self.s, [Self.stream(3, orig: true, start: 200 * Self.s, delay: Self.ms)]),
        ]
        var c = CallCorrelator()
        var emittedBeforeEnd: [String] = []
        for f in flows { c.add(f) { emittedBeforeEnd.append($0.id) } }
        // The first call is finished once flow C4 (ending at 110 s) moved the clock past 70 s.
        #expect(emittedBeforeEnd == ["V1"])
        let windowed = Self.run(flows).calls, whole = Self.run(flows, window: .max).calls
        #expect(windowed.map(\.id) == ["V1", "V3"])
        #expect(whole.map(\.id) == windowed.map(\.id))
        #expect(whole.map { $0.streams.map(\.ssrc) } == [[1, 2], [3]])
        #expect(windowed.map { $0.streams.map { $0.legs.map(\.uid) } } == whole.map { $0.streams.map { $0.legs.map(\.uid) } })
    }

    /// At most `capacity` streams wait: with room for 3, a second flow of 2 streams is not
    /// correlated and its 2 streams are counted.
    @Test func waitingStreamsAreBounded() {
        let a = Self.flow("Ca", first: 0, last: 10 * Self.s, [Self.stream(1, orig: true), Self.stream(2, orig: false)])
        let b = Self.flow("Cb", first: 0, last: 10 * Self.s, [Self.stream(1, orig: true), Self.stream(2, orig: false)])
        let r = Self.run([a, b], capacity: 3)
        #expect(r.overflow == 2)
        #expect(r.calls.isEmpty)
    }

    /// One SSRC on 20 overlapping flows (hostile, or a stream relayed many times): each flow
    /// looks for partners among the latest 8 of that SSRC only, and still ties to them, so all 20
    /// are one call of one stream with 20 legs, in the order of their delays (flow i: i ms).
    @Test func manyFlowsOfOneSSRCStayOneCall() {
        let flows = (0..<20).map { i in
            Self.flow("C\(String(format: "%02d", i))", first: 0, last: 12 * Self.s, [Self.stream(3, orig: true, delay: Int64(i) * Self.ms)])
        }
        let calls = Self.run(flows.reversed()).calls
        #expect(calls.count == 1)
        #expect(calls.first?.streams.count == 1)
        #expect(calls.first?.streams.first?.legs.map(\.uid) == flows.map(\.uid))
    }

    /// An allocation ties flows without a common SSRC: A (client 198.51.100.10:50040 ↔ Edge
    /// 203.0.113.20:3478) allocated relayed address 203.0.113.20:54089 with a channel to peer
    /// 52.112.0.10:50010 and carries SSRC 1, which C relays too (a call); B, between that relayed
    /// address and that peer, carries only SSRC 9. Expected: one call of A, B and C, streams 1
    /// and 9, and the allocation's peer flow B.
    @Test func allocationTiesTheFlowFromItsRelayedAddressToItsPeer() throws {
        func ep(_ s: String, _ p: UInt16) -> Call.Endpoint { Call.Endpoint(ip: IPAddress(s)!, port: p) }
        let relayed = ep("203.0.113.20", 54089), peer = ep("52.112.0.10", 50010)
        var a = Self.flow("CA", first: 0, last: 12 * Self.s, [Self.stream(1, orig: true)])
        a.ends = (ep("198.51.100.10", 50040), ep("203.0.113.20", 3478))
        a.allocation = Call.Allocation(uid: "CA", relayed: relayed, peers: [peer])
        var b = Self.flow("CB", first: Self.ms, last: 12 * Self.s, [Self.stream(9, orig: true)])
        b.ends = (relayed, peer)
        let c = Self.flow("CC", first: 2 * Self.ms, last: 12 * Self.s, [Self.stream(1, orig: true, delay: Self.ms)])
        let calls = Self.run([b, a, c]).calls
        #expect(calls.count == 1)
        #expect(calls.first?.streams.map(\.ssrc) == [1, 9])
        #expect(calls.first?.allocations.map(\.peerFlows) == [["CB"]])
    }

    /// Loss location from each leg's loss, upstream first.
    @Test func lossLocationFromLegLosses() {
        #expect(LossLocation([0, 0]) == .none)
        #expect(LossLocation([4, 4]) == .beforeFirstLeg)
        #expect(LossLocation([0, 4]) == .betweenLegs)
        #expect(LossLocation([2, 5]) == .beforeAndBetween)
        #expect(LossLocation([5, 2]) == .unclear)
        #expect(LossLocation([3]) == .beforeFirstLeg)
    }

    /// The call's JSON object has the fields of report-schema.md's `calls` entries.
    @Test func jsonShape() throws {
        let c1 = Self.flow("C1", first: 0, last: 12 * Self.s, [Self.stream(0x1111, orig: true)])
        let c2 = Self.flow("C2", first: 0, last: 12 * Self.s, [Self.stream(0x1111, orig: true, lost: [5], delay: Self.ms)])
        let call = try #require(Self.run([c1, c2]).calls.first)
        var w = JSONWriter()
        w.beginObject()
        call.write(to: &w)
        w.endObject()
        let o = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any])
        #expect(Set(o.keys) == ["id", "first_ts", "last_ts", "label", "reasons", "streams", "allocations"])
        let stream = try #require((o["streams"] as? [[String: Any]])?.first)
        #expect(stream["ssrc"] as? String == "0x1111")
        #expect(stream["codec"] as? String == "PCMU")
        #expect(stream["loss_at"] as? String == "between_legs")
        let legs = try #require(stream["legs"] as? [[String: Any]])
        #expect(legs.map { $0["lost"] as? Int } == [0, 1])
        #expect(stream.keys.contains("clock_source"))
        #expect(Set(legs[0].keys) == ["uid", "dir", "packets", "lost", "jitter_ms", "max_jitter_ms", "clock_source", "burst", "rtt_ms", "r_factor",
                                     "mos", "label", "slice_s", "slices", "worst_slice"])
    }

    /// ICE: two flows carrying checks of one session (either agent's USERNAME order, normalised
    /// by `ICEPairs`) while both live are one call; a third, after both ended, is not theirs.
    @Test func iceSessionTiesOverlappingFlowsOnly() throws {
        var a = Self.flow("C1aaaaaaaaaa", first: 0, last: 10 * Self.s, [Self.stream(0x1111, orig: true)])
        var b = Self.flow("C2bbbbbbbbbb", first: 1 * Self.s, last: 9 * Self.s, [])
        var c = Self.flow("C3cccccccccc", first: 200 * Self.s, last: 201 * Self.s, [])
        a.ice = ["L1:R1"]
        b.ice = ["L1:R1"]
        c.ice = ["L1:R1"]
        let (calls, _) = Self.run([a, b, c])
        #expect(calls.count == 1)
        let call = try #require(calls.first)
        #expect(call.ice.map(\.ufrags) == ["L1:R1"] && call.ice.first?.flows == ["C1aaaaaaaaaa", "C2bbbbbbbbbb"])
        #expect(call.streams.map(\.ssrc) == [0x1111] && call.sip.isEmpty)
    }

    /// SDP: a SIP flow whose SDP names 192.0.2.1:4000 ties the media flow with that end, whose
    /// dynamic payload type 111 then takes the SDP's rtpmap; a flow with another end is not tied.
    @Test func sdpTiesTheFlowItNamesAndMapsItsDynamicType() throws {
        let sdp = "v=0\r\nc=IN IP4 192.0.2.1\r\na=fingerprint:sha-1 4A:AD\r\nm=audio 4000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
        let d = Array(sdp.utf8).withUnsafeBytes { b in
            let parsed = SDPDescription.parse(b)
            return SDPMedia(parsed.media[0], ip: IPAddress("192.0.2.1")!, callID: "x@y", fingerprint: parsed.fingerprint, in: b)
        }
        var sip = Self.flow("C1aaaaaaaaaa", first: 0, last: 30 * Self.s, [])
        sip.sdp = [d]
        sip.ends = (Call.Endpoint(ip: IPAddress("192.0.2.1")!, port: 5060), Call.Endpoint(ip: IPAddress("192.0.2.2")!, port: 5060))
        var st = Self.stream(0x2222, orig: true)
        st.payloadType = 111
        st.codec = .unknown
        var media = Self.flow("C2bbbbbbbbbb", first: 1 * Self.s, last: 20 * Self.s, [st])
        media.ends = (Call.Endpoint(ip: IPAddress("192.0.2.2")!, port: 5000), Call.Endpoint(ip: IPAddress("192.0.2.1")!, port: 4000))
        var other = Self.flow("C3cccccccccc", first: 1 * Self.s, last: 20 * Self.s, [Self.stream(0x3333, orig: true)])
        other.ends = (Call.Endpoint(ip: IPAddress("192.0.2.2")!, port: 5002), Call.Endpoint(ip: IPAddress("192.0.2.1")!, port: 4002))
        let (calls, _) = Self.run([sip, media, other])
        #expect(calls.count == 1)
        let call = try #require(calls.first)
        #expect(call.sip.map(\.callID) == ["x@y"] && call.sip.map(\.uid) == ["C1aaaaaaaaaa"] && call.sip.map(\.fingerprint) == ["sha-1 4A:AD"])
        #expect(call.streams.map(\.ssrc) == [0x2222])
        #expect(call.streams.first?.rtpmap == SDPMedia.RTPMap(payloadType: 111, encoding: "opus", clock: 48000))
        #expect(call.streams.first?.codecName == "opus")
    }
}

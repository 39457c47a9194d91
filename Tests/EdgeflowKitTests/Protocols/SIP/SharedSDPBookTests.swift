import Foundation
import Testing
@testable import EdgeflowKit

/// The SDP book the capture sockets of `live --threads N` share: two flow tables standing for
/// two sockets, one given the SIP flow's packets, the other the media's, as PACKET_FANOUT
/// would split them.
@Suite("SDP book shared by live's sockets")
struct SharedSDPBookTests {
    typealias Run = SDPBookRunTests

    static func track(_ t: inout FlowTracker, _ frame: [UInt8], at seconds: Double) {
        let d = decode(frame)
        frame.withUnsafeBytes { t.track(d, timestamp: Int64(seconds * 1e9), bytes: $0, index: 0) }
    }

    /// Three packets of a stream of payload type 96 (20 ms apart) from `port` to 192.0.2.1:4000, starting at `start` s.
    static func stream(_ t: inout FlowTracker, ssrc: UInt32, port: UInt16, start: Double) {
        for seq in UInt16(1)...3 {
            track(&t, Run.rtp(seq, ssrc: ssrc, from: ("203.0.113.1", port), to: ("192.0.2.1", 4000)), at: start + Double(seq) * 0.02)
        }
    }

    /// Each ended flow's first RTP stream: SSRC → (codec, clock source).
    static func streams(_ t: inout FlowTracker) -> [UInt32: (RTPCodec, RTPClockSource)] {
        var out: [UInt32: (RTPCodec, RTPClockSource)] = [:]
        for i in 0..<t.table.count {
            if let r = t.endedFlow(at: i).inspection?.rtp?.value, r.streams > 0 { out[r.ssrc[0]] = (r.codec[0], r.stats[0].clockSource) }
        }
        t.removeAll()
        return out
    }

    /// Socket A reads an INVITE (captured at 1000 s) offering opus/48000 on 96 at 192.0.2.1:4000
    /// (SDPBookRunTests.invite); socket B then reads a stream towards that end that began at
    /// 1001 s, and one that began at 999 s, before the SDP was captured.
    static func run(_ settings: FlowSettings) -> [UInt32: (RTPCodec, RTPClockSource)] {
        var a = FlowTracker(settings: settings), b = FlowTracker(settings: settings)
        track(&a, Run.invite(1, "192.0.2.1", 4000), at: 1000)
        stream(&b, ssrc: 1, port: 50_000, start: 1001)
        stream(&b, ssrc: 2, port: 50_002, start: 999)
        _ = streams(&a)
        return streams(&b)
    }

    @Test("a stream on one socket takes the clock of the SDP another socket's SIP flow carried, not one captured after its first packet")
    func sharedAcrossSockets() {
        var settings = FlowSettings()
        settings.sharedSDP = SharedSDPBook()
        let shared = Self.run(settings)
        #expect(shared[1]?.0 == .opus && shared[1]?.1 == .sdp)
        #expect(shared[2]?.0 == .unknown && shared[2]?.1 == RTPClockSource.none)
        // Each table with its own book (analyze, or live before the book was shared): no clock.
        let apart = Self.run(FlowSettings())
        #expect(apart[1]?.0 == .unknown && apart[1]?.1 == RTPClockSource.none)
    }

    @Test("the book's stamps: the latest SDP of an end, taken only by streams that began at or after it")
    func stamps() {
        let book = SharedSDPBook()
        let end = SDPBook.Endpoint(ip: IPAddress("192.0.2.1")!, port: 4000)
        let frame = Run.invite(1, "192.0.2.1", 4000)
        let d = decode(frame)
        frame.withUnsafeBytes { book.note(d.capturedPayload(in: $0), datagram: true, timestamp: 5_000) }
        #expect(book.clock(96, at: end, notAfter: 4_999) == nil)
        #expect(book.clock(96, at: end, notAfter: 5_000)?.rate == 48000)
        #expect(book.clock(97, at: end, notAfter: 6_000) == nil)
        #expect(book.evicted == 0)
    }
}

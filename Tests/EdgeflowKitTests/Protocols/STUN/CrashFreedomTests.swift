import Testing
@testable import EdgeflowKit

/// Runs every parser over `bytes`; returns a number so the work is not optimised away.
@discardableResult
func exerciseAll(_ bytes: [UInt8], integrity: Bool = false) -> Int {
    bytes.withUnsafeBytes { p in
        var acc = 0
        for legacy in [false, true] {
            if let m = try? STUNDecoder.decode(p, allowLegacy: legacy) {
                let a = m.attributes
                acc &+= Int(a.count) &+ Int(a.unknownCount) &+ Int(a.malformedCount)
                for r in [a.username, a.realm, a.nonce, a.software, a.data, a.errorReason, a.messageIntegrity,
                          a.unknownAttributesList, a.msCandidateIdentifier, a.sipCallID, a.sipDialogID] {
                    if let r { acc &+= r.slice(of: p).count; precondition(r.end <= p.count) }
                }
                acc &+= Int(m.method.rawValue) &+ Int(a.fingerprint.rawValue)
                if let d = a.data { acc &+= (try? STUNDecoder.decode(d.slice(of: p)))?.attributes.count.hashValue ?? 0 }
                if integrity { acc &+= Int(STUNMessageIntegrity.verify(p, m, key: [1, 2, 3]).rawValue) }
            }
        }
        acc &+= (try? ChannelData.decode(p))?.wireLength ?? 0
        acc &+= (try? ChannelData.decode(p, overTCP: true))?.wireLength ?? 0
        acc &+= (try? MultiplexedTURN.decode(p))?.wireLength ?? 0
        acc &+= (try? MultiplexedTURN.decode(p, exact: false))?.wireLength ?? 0
        for mode in TCPFramingMode.allCases {
            let pdu = TCPFraming.next(p, mode: mode)
            if pdu.kind != .needMore && pdu.kind != .unrecognised {
                precondition(pdu.length <= p.count && pdu.payloadOffset + pdu.payloadLength <= p.count)
            }
            acc &+= pdu.length
        }
        acc &+= Int(UDPDemux.classify(p).rawValue)
        do throws(RTPFailure) {
            let h = try RTPHeader.parse(p)
            precondition(h.payload.end <= p.count); acc &+= Int(h.payload.length)
        } catch { precondition(Int(error.offset) <= p.count) }
        do throws(RTPFailure) {
            let c = try RTCPCompound.parse(p)
            precondition(c.length <= p.count); acc &+= c.packets
        } catch { precondition(Int(error.offset) <= p.count) }
        return acc
    }
}

@Suite("Crash freedom")
struct CrashFreedomTests {
    static let seeds: [[UInt8]] = RFC5769.all + Captured.all + [
        hex("80e6006567cf51910eaf0eaf20000373"),
        hex("81c9000701932db400000000010000010000bec200000001000000000000000081ca0001 01932db4"),
        [0x02, 0x00, 0x00, 0x50] + RFC5769.ipv4Response,
        [0x00, 0x50] + RFC5769.ipv4Response,
        [0xFF, 0x10, 0x00, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 0x80, 0x00, 0x00, 0x01],
    ]

    /// 100,000 random byte strings, many shaped to pass the first checks so the attribute walk runs.
    @Test func randomBytes() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        var acc = 0
        for i in 0..<100_000 {
            let n = Int(rng.next() % 140)
            var b = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            switch i % 5 {
            case 0 where n >= 20:      // a STUN header that matches the length
                b[0] &= 0x01; b[2] = UInt8((n - 20) >> 8); b[3] = UInt8((n - 20) & 0xFF)
                b[4] = 0x21; b[5] = 0x12; b[6] = 0xA4; b[7] = 0x42
            case 1 where n >= 28:      // an MS-TURN message
                b[0] &= 0x01; b[2] = UInt8((n - 20) >> 8); b[3] = UInt8((n - 20) & 0xFF)
                b.replaceSubrange(20..<28, with: [0x00, 0x0F, 0x00, 0x04, 0x72, 0xC6, 0x4B, 0xC6])
            case 2 where n >= 12:      // RTP / RTCP
                b[0] = 0x80 | (b[0] & 0x3F)
            default:
                break
            }
            acc &+= exerciseAll(b, integrity: i % 50 == 0)
        }
        #expect(acc != 0)
    }

    /// Random mutations of the test vectors and captured messages: byte flips, truncation,
    /// extension, and random attribute lengths.
    @Test func mutations() {
        var rng = SplitMix64(seed: 0x5EED_0002)
        var acc = 0
        for i in 0..<100_000 {
            var b = Self.seeds[Int(rng.next() % UInt64(Self.seeds.count))]
            switch rng.next() % 4 {
            case 0:
                for _ in 0..<(1 + Int(rng.next() % 4)) where !b.isEmpty {
                    b[Int(rng.next() % UInt64(b.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                }
            case 1:
                b = Array(b.prefix(Int(rng.next() % UInt64(b.count + 1))))
            case 2:
                b += (0..<Int(rng.next() % 12)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            default:
                // Rewrite a 16-bit field at a 4-byte boundary past the header (an attribute length).
                if b.count >= 24 {
                    let at = 22 + 4 * Int(rng.next() % UInt64((b.count - 22) / 4))
                    if at + 1 < b.count { b[at] = UInt8(truncatingIfNeeded: rng.next()); b[at + 1] = UInt8(truncatingIfNeeded: rng.next()) }
                }
            }
            acc &+= exerciseAll(b, integrity: i % 50 == 0)
        }
        #expect(acc != 0)
    }

    /// Random packets into the stream statistics: no traps, figures stay consistent.
    @Test func randomStreamStats() {
        var rng = SplitMix64(seed: 0x5EED_0003)
        var s = RTPStreamStats()
        for i in 0..<100_000 {
            let r = rng.next()
            s.record(sequence: UInt16(truncatingIfNeeded: r), timestamp: UInt32(truncatingIfNeeded: r >> 16),
                     arrivalNanoseconds: Int64(i) * 1_000_000 + Int64(r >> 48),
                     payloadType: UInt8(truncatingIfNeeded: r >> 40) & 0x7F, marker: r & 1 == 0,
                     clockRate: RTPClock.rate(payloadType: UInt8(truncatingIfNeeded: r >> 40) & 0x7F))
        }
        #expect(s.packets == 100_000)
        #expect(s.received <= s.packets)
        #expect(s.jitterSeconds.isFinite && s.maxJitterSeconds >= 0)
    }
}

import Testing
@testable import EdgeflowKit

/// `STUNDecoder.decode(_:allowLegacy:checkFingerprint:into:)` reuses one message's storage and
/// clears only presence bits and counts: nothing a message leaves there may show through the
/// next. RFC 5769's vectors, whose attributes differ message to message, and a constructed
/// message with a bandwidth site, an unknown and a malformed attribute.
@Suite("STUN messages decoded into reused storage")
struct ReusedMessageTests {
    private func decode(_ b: [UInt8], into m: inout STUNMessage, checkFingerprint: Bool = true) -> Bool {
        b.withUnsafeBytes { p in (try? STUNDecoder.decode(p, checkFingerprint: checkFingerprint, into: &m)) != nil }
    }

    /// A Binding request: REMOTE-SITE-ADDRESS 0x8059 (192.0.2.1:32853 XOR-encoded), an unknown
    /// 0x7777, a MAPPED-ADDRESS of impossible length 5, USE-CANDIDATE.
    static let constructed = hex("""
        0001 0024 2112a442 000102030405060708090a0b
        8059 0008 0001 a147 e112a643
        7777 0002 abcd 0000
        0001 0005 0001000000 000000
        0025 0000
        """)

    @Test("a response after a request: none of the request's attributes remain")
    func requestThenResponse() {
        var m = STUNMessage()
        #expect(decode(RFC5769.request, into: &m))
        #expect(m.attributes.priority == 0x6E0001FF && m.attributes.iceControlled == 0x932FF9B151263B36)
        #expect(decode(RFC5769.ipv4Response, into: &m))
        // RFC 5769 §2.2: SOFTWARE, XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT.
        let a = m.attributes
        #expect(m.messageClass == .successResponse && m.method == .binding && m.header.length == 60)
        #expect(a.count == 4)
        #expect(a.username == nil && a.priority == nil && a.iceControlled == nil)
        #expect(a.xorMappedAddress?.text == "192.0.2.1:32853")
        #expect(text(RFC5769.ipv4Response, a.software) == "test vector")
        #expect(a.fingerprintValue == 0xC07D4C96 && a.fingerprint == .valid)
    }

    @Test("a message without FINGERPRINT after one with it: absent")
    func fingerprintCleared() {
        var m = STUNMessage()
        #expect(decode(RFC5769.request, into: &m))
        #expect(decode(RFC5769.longTermRequest, into: &m))
        #expect(m.attributes.fingerprint == .absent && m.attributes.fingerprintValue == nil && m.attributes.fingerprintOffset == 0)
        #expect(m.attributes.priority == nil && m.attributes.software == nil)
        #expect(text(RFC5769.longTermRequest, m.attributes.realm) == "example.org")
    }

    @Test("sites, unknown and malformed attributes and flags do not carry over")
    func countsAndSitesCleared() {
        var m = STUNMessage()
        #expect(decode(Self.constructed, into: &m))
        var a = m.attributes
        #expect(a.sites.remoteSite?.text == "192.0.2.1:32853")
        #expect(a.unknownCount == 1 && a.unknown(at: 0) == STUNRawAttribute(type: 0x7777, length: 2))
        #expect(a.malformedCount == 1 && a.firstMalformedType == 0x0001 && a.mappedAddress == nil)
        #expect(a.useCandidate && a.count == 4)
        #expect(decode(RFC5769.ipv6Response, into: &m))
        a = m.attributes
        #expect(a.sites.remoteSite == nil)
        #expect(a.unknownCount == 0 && a.unknown(at: 0) == nil)
        #expect(a.malformedCount == 0 && a.firstMalformedType == 0)
        #expect(!a.useCandidate && a.count == 4)
        #expect(a.xorMappedAddress?.text == "[2001:db8:1234:5678:11:2233:4455:6677]:32853")
    }

    @Test("a failed decode, then a good one, gives the good one's facts")
    func afterFailure() {
        var m = STUNMessage()
        var bad = RFC5769.request
        bad[103] = 0x08   // FINGERPRINT (at 100) of length 8: past the end, after five attributes were read
        #expect(!decode(bad, into: &m))
        #expect(decode(RFC5769.ipv4Response, into: &m))
        #expect(m.attributes.count == 4 && m.attributes.username == nil && m.messageClass == .successResponse)
    }

    @Test("without the CRC: FINGERPRINT is unchecked, its value still read")
    func fingerprintUnchecked() {
        var m = STUNMessage()
        #expect(decode(RFC5769.request, into: &m, checkFingerprint: false))
        #expect(m.attributes.fingerprint == .unchecked && m.attributes.fingerprintValue == 0xE57A3BCF)
        #expect(decode(RFC5769.longTermRequest, into: &m, checkFingerprint: false))
        #expect(m.attributes.fingerprint == .absent)
    }

    /// Every fact of a message as text, attribute by attribute (tests only).
    static func facts(_ m: STUNMessage) -> String {
        let a = m.attributes, s = a.sites
        let values: [Any?] = [
            m.header, m.flavour, m.method, m.messageClass, m.padding,
            a.mappedAddress, a.xorMappedAddress, a.msXorMappedAddress, a.xorPeerAddress, a.xorRelayedAddress,
            a.alternateServer, a.destinationAddress, a.remoteAddress, a.msAlternateMappedAddress,
            a.username, a.realm, a.nonce, a.software, a.data, a.unknownAttributesList, a.errorCode, a.errorReason,
            a.lifetime, a.requestedTransport, a.channelNumber, a.priority, a.useCandidate, a.iceControlled, a.iceControlling,
            a.messageIntegrity, a.messageIntegritySHA256, a.fingerprintValue, a.fingerprintOffset, a.fingerprint,
            a.attributesAfterFingerprint, a.msVersion, a.msSequenceNumber, a.msServiceQuality, a.bandwidth,
            a.bandwidthAdmissionMessage, a.bandwidthReservationID, a.bandwidthReservationAmount,
            s.remoteSite, s.remoteRelaySite, s.localSite, s.localRelaySite,
            s.remoteSiteResponse, s.remoteRelaySiteResponse, s.localSiteResponse, s.localRelaySiteResponse,
            a.sipDialogID, a.sipCallID, a.locationProfile, a.msMultiplexedTURNSessionID, a.msCandidateIdentifier,
            a.msImplementationVersion, a.msAlternateHostName, a.msUnknown8006,
            a.count, a.unknownCount, a.unknown(at: 0), a.unknown(at: 1), a.unknown(at: 2), a.unknown(at: 3),
            a.malformedCount, a.firstMalformedType,
        ]
        return values.map { String(describing: $0) }.joined(separator: "|")
    }

    /// One of `seeds` with one byte flipped or one attribute length rewritten (at random, from
    /// `rng`): the mutations the reused-storage tests decode.
    static func mutated(_ seeds: [[UInt8]], _ rng: inout SplitMix64) -> [UInt8] {
        var b = seeds[Int(rng.next() % UInt64(seeds.count))]
        if rng.next() % 2 == 0, !b.isEmpty {
            b[Int(rng.next() % UInt64(b.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
        } else if b.count >= 24 {
            let at = 22 + 4 * Int(rng.next() % UInt64((b.count - 22) / 4))
            if at + 1 < b.count { b[at] = 0; b[at + 1] = UInt8(truncatingIfNeeded: rng.next()) }
        }
        return b
    }

    /// 20,000 mutated messages (flipped bytes, rewritten attribute lengths) decoded one after
    /// another into one storage: each gives the facts a fresh decode gives, and fails as it does.
    @Test func mutationsMatchFreshDecode() {
        var rng = SplitMix64(seed: 0x5EED_0004)
        var reused = STUNMessage()
        var decoded = 0
        let seeds = CrashFreedomTests.seeds + [Self.constructed]
        for _ in 0..<20_000 {
            let b = ReusedMessageTests.mutated(seeds, &rng)
            let legacy = rng.next() % 2 == 0
            let fresh = b.withUnsafeBytes { try? STUNDecoder.decode($0, allowLegacy: legacy) }
            let ok = b.withUnsafeBytes { (try? STUNDecoder.decode($0, allowLegacy: legacy, into: &reused)) != nil }
            #expect(ok == (fresh != nil))
            if let fresh, ok {
                decoded += 1
                #expect(Self.facts(reused) == Self.facts(fresh))
            }
        }
        #expect(decoded > 2_000)
    }
}

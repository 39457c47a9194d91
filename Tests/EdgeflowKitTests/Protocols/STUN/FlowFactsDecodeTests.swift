import Testing
@testable import EdgeflowKit

/// `STUNDecoder.decode(_:allowLegacy:checkFingerprint:flowFactsOnly:into:)` with `flowFactsOnly`,
/// as the dispatcher decodes: the attributes a flow reads are the full decode's, the others are
/// left out, and a message decodes or fails exactly as in full.
@Suite("STUN messages decoded for a flow's facts only")
struct FlowFactsDecodeTests {
    private func decode(_ b: [UInt8], allowLegacy: Bool = false, into m: inout STUNMessage) -> Bool {
        b.withUnsafeBytes { p in (try? STUNDecoder.decode(p, allowLegacy: allowLegacy, flowFactsOnly: true, into: &m)) != nil }
    }

    @Test("the codes a flow reads: STUNFlowStats.record, the transaction log and a Send or Data indication's media")
    func flowFactCodes() {
        // MAPPED-ADDRESS, USERNAME, ERROR-CODE, CHANNEL-NUMBER, LIFETIME, DESTINATION-ADDRESS,
        // XOR-PEER-ADDRESS (MS-TURN REMOTE-ADDRESS), DATA, XOR-RELAYED-ADDRESS, XOR-MAPPED-ADDRESS,
        // MS-VERSION, MS-TURN's XOR-MAPPED-ADDRESS.
        let expected: Set<UInt16> = [0x0001, 0x0006, 0x0009, 0x000C, 0x000D, 0x0011, 0x0012, 0x0013, 0x0016, 0x0020,
                                     0x8008, 0x8020]
        // A Binding success response with one attribute of every code in turn, its value an
        // IPv4 address (8 bytes: taken by an address, text or ERROR-CODE, malformed for a
        // 4-byte number): a code the decoder reads is recorded or counted malformed.
        var b: [UInt8] = [0x01, 0x01, 0x00, 0x0C, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 7, count: 12)
            + [0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x12, 0x34, 0xC0, 0x00, 0x02, 0x01]
        var m = STUNMessage()
        var found = Set<UInt16>()
        for t in 0...UInt16.max {
            b[20] = UInt8(t >> 8)
            b[21] = UInt8(t & 0xFF)
            guard decode(b, into: &m) else { Issue.record("code \(t) did not decode"); continue }
            let a = m.attributes
            let read: [Any?] = [a.mappedAddress, a.xorMappedAddress, a.msXorMappedAddress, a.xorPeerAddress, a.xorRelayedAddress,
                                a.destinationAddress, a.remoteAddress, a.username, a.data, a.errorCode, a.lifetime,
                                a.channelNumber, a.msVersion]
            if a.malformedCount > 0 || read.contains(where: { $0 != nil }) { found.insert(t) }
        }
        #expect(found == expected)
    }

    @Test("RFC 5769 request: USERNAME read; SOFTWARE, PRIORITY, ICE-CONTROLLED, MESSAGE-INTEGRITY, FINGERPRINT not")
    func rfc5769Request() {
        var m = STUNMessage()
        #expect(decode(RFC5769.request, into: &m))
        let a = m.attributes
        #expect(m.method == .binding && m.messageClass == .request && m.header.transactionID.0 == 0xB7E7_A701)
        #expect(text(RFC5769.request, a.username) == "evtj:h6vY")
        #expect(a.count == 6)
        #expect(a.software == nil && a.priority == nil && a.iceControlled == nil && a.messageIntegrity == nil)
        #expect(a.fingerprint == .absent && a.fingerprintValue == nil && a.fingerprintOffset == 0)
        #expect(a.unknownCount == 0 && a.malformedCount == 0)
        #expect(decode(RFC5769.ipv4Response, into: &m))
        #expect(m.attributes.xorMappedAddress?.text == "192.0.2.1:32853" && m.attributes.username == nil)
        #expect(m.attributes.software == nil && m.attributes.count == 4)
    }

    @Test("RFC 5769 long-term request: REALM and NONCE left out")
    func rfc5769LongTerm() {
        var m = STUNMessage()
        #expect(decode(RFC5769.longTermRequest, into: &m))
        #expect(m.attributes.realm == nil && m.attributes.nonce == nil && m.attributes.messageIntegrity == nil)
        #expect(m.attributes.username?.length == 18)
    }

    /// A flow's facts of a message as text: what `STUNFlowStats.record`, `STUNTransactionLog` and
    /// `FlowInspection.stunMessage` read.
    static func flowFacts(_ m: STUNMessage) -> String {
        let a = m.attributes
        let values: [Any?] = [
            m.header, m.flavour, m.method, m.messageClass, m.padding,
            a.mappedAddress, a.xorMappedAddress, a.msXorMappedAddress, a.xorPeerAddress, a.xorRelayedAddress,
            a.destinationAddress, a.remoteAddress, a.anyMappedAddress, a.dataPeer,
            a.username, a.data, a.errorCode, a.errorReason, a.lifetime, a.channelNumber, a.msVersion, a.count,
        ]
        return values.map { String(describing: $0) }.joined(separator: "|")
    }

    /// 20,000 mutated messages (flipped bytes, rewritten attribute lengths) decoded one after
    /// another into one storage: each decodes or fails as a full decode does, with its flow facts,
    /// and none of the attributes no flow reads.
    @Test func mutationsMatchFullDecode() {
        var rng = SplitMix64(seed: 0x5EED_0017)
        var reused = STUNMessage()
        var decoded = 0, withFlowFacts = 0
        let seeds = CrashFreedomTests.seeds + [ReusedMessageTests.constructed]
        for _ in 0..<20_000 {
            let b = ReusedMessageTests.mutated(seeds, &rng)
            let legacy = rng.next() % 2 == 0
            let full = b.withUnsafeBytes { try? STUNDecoder.decode($0, allowLegacy: legacy) }
            let ok = decode(b, allowLegacy: legacy, into: &reused)
            #expect(ok == (full != nil))
            if let full, ok {
                decoded += 1
                #expect(Self.flowFacts(reused) == Self.flowFacts(full))
                let a = reused.attributes
                #expect(a.software == nil && a.priority == nil && a.messageIntegrity == nil && a.realm == nil && a.nonce == nil
                        && a.iceControlling == nil && a.iceControlled == nil && a.msImplementationVersion == nil)
                #expect(a.fingerprint == .absent && a.unknownCount == 0 && a.attributesAfterFingerprint == 0)
                if full.attributes.username != nil || full.attributes.anyMappedAddress != nil || full.attributes.data != nil {
                    withFlowFacts += 1
                }
            }
        }
        #expect(decoded > 2_000 && withFlowFacts > 1_000)
    }
}

import Testing
@testable import EdgeflowKit

/// Real messages from shared/captures/public, extracted with
/// `tshark -r F -Y "frame.number==N" -T fields -e udp.payload` (or `-e tcp.payload`); the
/// expected values are what `tshark -V` (4.0.17) prints for them, except where noted.
enum Captured {
    /// arkime-stun.pcap frame 2: MS-TURN Allocate request (UDP 3478).
    static let arkimeMSAllocate = hex("""
        000300712112a442d428f6f5e77f3136a7a9306f000f000472c64bc680080004000000060006003802000024899463a501d262\
        ee9879230042f950d130f5f3bc86b5867a1fc5cacc000000007bc661f90ddace637ab776c69e60bd84429f19900010000400002ee0\
        8006000400000001805500040002000000150009227265616c6d303122
        """)
    /// ndpi-teams.pcap frame 1413: MS-TURN Send request 0x0004, 50016 -> 3478.
    static let teamsSend = hex("""
        000400fc2112a4422c34521e47aef1fca493b9d5000f000472c64bc68008000400000006000600380200002490a0dbdb01d6194d\
        e21537bfc992a00332731af1bedc569ae83bd5ab00000000bf71b276c97813a8ddefeb5cbc793a277a4ce63c0011000800013fcc5d\
        476ecd0013007c000100682112a4421fdcb7deedadfe36324f6fb5000600096f352f493a46593332000000802a000800007f8a5286\
        580080700004000000078036000400000001002400046efff8ff809500087f20c4dd4f848dfa803700040000000200080014b908f7\
        e8c2480a1277f38e5dc895317888aea6dd80280004b3c7644800080020eec4666fcb0f0c3b0af0bf70231edce3fba7ddaedcb0005e\
        1eee639b5c0ccc59
        """)
    /// ndpi-teams.pcap frame 1416: MS-TURN Data Indication 0x0115 (no RFC cookie), 3478 -> 50016.
    static let teamsDataIndication = hex("""
        01150088c2d6764f53f1d813305855947dbe126b000f000472c64bc60012000800013fcc5d476ecd001300700001005c2112a442\
        9393ee2aa84f9a30724106d600060009465933323a6f352f490000008029000800007fed5e058e0080700004000000078036000400\
        000001002400046efffdfe80370004000000020008001430b3207fdc071534616680862d7c738ed159b9e2802800047dd1bf47
        """)
    /// ndpi-teams.pcap frame 1275: MS-TURN Allocate success; SOFTWARE (9 bytes) is not padded.
    static let teamsAllocateSuccess = hex("""
        010300852112a442222fefc7f3924bd1b99727e4000f000472c64bc6000d00040000003c0001000800010d983472fa8d80080004\
        00000006802000080001c1d571a76a0a805000189b713c623ac1bfbbf6d5237583afa6d318e146b40000000080220009322e302e31\
        2e3231310010000400002ee000080020affdc3c55c1f6d01a7ea3daf5997ead07e311ca91093584d7d833bfb5eb507a9
        """)
    /// ndpi-stun.pcap frame 70: TURN Allocate success response.
    static let turnAllocateSuccess = hex("""
        010300382112a442357a556a4d58487665772b730020000800010a887c3d4643001600080001f30f3e1ff274000d000400000384\
        000800140e9d914ca92cddc797948099cb285bc6309ab653
        """)
    /// ndpi-stun.pcap frame 104: TURN ChannelBind request.
    static let turnChannelBind = hex("""
        000900802112a442767238746a326f6e34504847000c0004400300000012000800010e8298b82f43000600104d6632683948693561\
        504d52706c46310014000f7475726e65722e66616365626f6f6b00001500286262303331643631636363316265383265323430313434\
        333565643532663236666261363234383300080014c4a0a285ef11240f8d097e4c686826445f24deab
        """)
    /// ndpi-stun.pcap frame 106: ChannelBind success response.
    static let turnChannelBindSuccess = hex("010900182112a442767238746a326f6e34504847000800149526328e4bb4332cbab69cff00d1c5be00b12314")
    /// ndpi-stun.pcap frame 112: ChannelData on channel 0x4003 carrying a Binding success response.
    static let channelData = hex("""
        400300400101002c2112a442424a6650522b3470464652370020000800010e8298b82f4300080014a36bc8da81b21e6181dc6460\
        35008dbf2f5cc79b8028000454570d0b
        """)
    /// ndpi-stun.pcap frame 12: TCP payload, RFC 4571 framed MS-ICE2 Binding success response.
    static let rfc4571Binding = hex("""
        0058010100442112a442dd09bf5cf7bbe47c27be63ab00200008000185022bdc96ad00060009546f45643a2f704930000000807000\
        0400000003000800146ba9259ad35b1c3694d0593feb34e9d68456406b802800045985379c
        """)
    /// ndpi-stun_tcp_multiple_msgs_same_pkt.pcap frame 5: three Allocate requests in one segment.
    static let threeAllocates = hex("""
        000300082112a442704b6e453952586746596c590019000411000000000300082112a442704b6e453952586746596c590019000411\
        000000000300082112a442704b6e453952586746596c590019000411000000
        """)
    /// spicy-analyzers-stun-attribute-length-ffff.pcap frame 2: MAPPED-ADDRESS with length 0xFFFF.
    static let spicyLengthFFFF = hex("0101000c2112a442534f70436969354a6663317a0001ffff000111fc46c7802e")
    /// spicy-analyzers-stun-malformed-error.pcap frame 2: ERROR-CODE of length 3, then garbage.
    static let spicyMalformedError = hex("""
        011100342112a442e7f02b9c4f87d5596104a2fc0009000300000500534552564552204552524f5200080014f7f544c1694a3e93f8\
        db145a1b6a889ef488cc6d80280004b7586f5e
        """)
    /// spicy-analyzers-stun-malformed-error.pcap frame 1: the well-formed request before it.
    static let spicyRequest = hex("""
        000100502112a442e7f02b9c4f87d5596104a2fc0006001747774c334148426f7675624c7643716e3a704c795a485200002400046eff\
        fffe80290008f4c37c44ed95c304000800142ec419cb4a56ad34b8619310283e37a0653ec02f80280004ba39009b
        """)

    static let all = [arkimeMSAllocate, teamsSend, teamsDataIndication, teamsAllocateSuccess, turnAllocateSuccess,
                      turnChannelBind, turnChannelBindSuccess, channelData, rfc4571Binding, threeAllocates,
                      spicyLengthFFFF, spicyMalformedError, spicyRequest]
}

@Suite("Messages from public captures")
struct CaptureMessageTests {
    @Test func arkimeMSTURNAllocate() throws {
        let b = Captured.arkimeMSAllocate
        #expect(b.count == 133)
        let m = try #require(stun(b))
        #expect(m.flavour == .msTURN)
        #expect(m.header.type == 0x0003 && m.header.length == 113)
        #expect(m.method == .allocate && m.messageClass == .request)
        #expect(m.displayName == "Allocate Request")
        let a = m.attributes
        #expect(a.msVersion == 6)                         // "MULTIPLEXED TURN over UDP and TCP (6)"
        #expect(a.username?.length == 56)
        #expect(a.bandwidth == 12000)
        #expect(a.msUnknown8006 == 1)                     // "Unknown8006: 00000001"
        #expect(a.msServiceQuality == MSServiceQuality(streamType: 2, serviceQuality: 0))  // Video, best effort
        // tshark (RFC 5389 mode) calls the last attribute NONCE and "bogus"; in MS-TURN 0x0015 is REALM.
        #expect(text(b, a.realm) == "\"realm01\"")
        #expect(a.nonce == nil)
        #expect(a.count == 7 && a.unknownCount == 0 && a.malformedCount == 0)
        #expect(a.fingerprint == .absent)
    }

    @Test func teamsMSTURNSend() throws {
        let b = Captured.teamsSend
        let m = try #require(stun(b))
        #expect(m.flavour == .msTURN)
        #expect(m.header.type == 0x0004 && m.header.length == 252)
        #expect(m.header.transactionID.0 == 0x2c34521e)
        #expect(m.method == .msSend && m.messageClass == .request)
        #expect(m.displayName == "Send Request")
        let a = m.attributes
        #expect(a.msVersion == 6)
        #expect(a.username?.length == 56)
        #expect(a.destinationAddress?.text == "93.71.110.205:16332")   // DESTINATION-ADDRESS, plain
        #expect(a.data?.length == 124)
        #expect(a.messageIntegrity?.length == 32)
        #expect(hexText(b, a.messageIntegrity) == "eec4666fcb0f0c3b0af0bf70231edce3fba7ddaedcb0005e1eee639b5c0ccc59")
        // The DATA is an MS-ICE2 Binding request (RFC 5389 format).
        let data = try #require(a.data)
        let inner = try #require(stun(slice(b, data)))
        #expect(inner.flavour == .rfc5389 && inner.method == .binding && inner.messageClass == .request)
        let ia = inner.attributes
        #expect(text(slice(b, a.data!), ia.username) == "o5/I:FY32")
        #expect(ia.iceControlling == 0x00007f8a52865800)
        #expect(ia.msImplementationVersion == 7)
        #expect(ia.priority == 0x6efff8ff)
        #expect(ia.msMultiplexedTURNSessionID == 0x7f20c4dd4f848dfa)
        #expect(ia.fingerprintValue == 0xb3c76448)
        #expect(ia.fingerprint == .valid)
        #expect(ia.unknownCount == 1 && ia.unknown(at: 0) == STUNRawAttribute(type: 0x8036, length: 4))
    }

    @Test func teamsMSTURNDataIndication() throws {
        let b = Captured.teamsDataIndication
        #expect(stun(b, allowLegacy: false) != nil)   // MAGIC-COOKIE attribute suffices, no RFC cookie needed
        let m = try #require(stun(b))
        #expect(m.flavour == .msTURN)
        #expect(m.header.type == 0x0115 && m.header.length == 0x88)
        #expect(m.header.cookie == 0xc2d6764f)         // first word of the 128-bit transaction ID
        #expect(m.method == .msDataIndication && m.messageClass == .indication)
        #expect(m.displayName == "Data Indication")
        let a = m.attributes
        #expect(a.remoteAddress?.text == "93.71.110.205:16332")   // REMOTE_ADDRESS, plain
        #expect(a.xorPeerAddress == nil)
        #expect(a.data?.length == 112)
        let data = try #require(a.data)
        let inner = try #require(stun(slice(b, data)))
        #expect(inner.method == .binding && inner.messageClass == .request)
        #expect(text(slice(b, a.data!), inner.attributes.username) == "FY32:o5/I")
        #expect(inner.attributes.fingerprint == .valid)
        #expect(classify(b) == .stun)
    }

    @Test func teamsMSTURNAllocateSuccessWithoutPadding() throws {
        let b = Captured.teamsAllocateSuccess
        let m = try #require(stun(b))
        #expect(m.flavour == .msTURN && m.padding == .none)
        #expect(m.method == .allocate && m.messageClass == .successResponse)
        let a = m.attributes
        #expect(a.lifetime == 60)
        #expect(a.mappedAddress?.text == "52.114.250.141:3480")
        #expect(a.msVersion == 6)
        #expect(a.msXorMappedAddress?.text == "80.181.206.72:57543")
        #expect(hexText(b, a.msSequenceNumber?.connectionID) == "9b713c623ac1bfbbf6d5237583afa6d318e146b4")
        #expect(a.msSequenceNumber?.sequence == 0)
        #expect(text(b, a.software) == "2.0.1.211")
        // tshark pads SOFTWARE and then sees "Unknown attribute 0x0400"; unpadded, the rest is:
        #expect(a.bandwidth == 12000)
        #expect(a.messageIntegrity?.length == 32)
        #expect(a.unknownCount == 0 && a.malformedCount == 0)
    }

    @Test func turnAllocateSuccess() throws {
        let b = Captured.turnAllocateSuccess
        let m = try #require(stun(b))
        #expect(m.flavour == .rfc5389)
        #expect(m.header.type == 0x0103 && m.header.length == 56)
        #expect(m.method == .allocate && m.messageClass == .successResponse)
        let a = m.attributes
        #expect(a.xorMappedAddress?.text == "93.47.226.1:11162")
        #expect(a.xorRelayedAddress?.text == "31.13.86.54:53789")
        #expect(a.lifetime == 900)
        #expect(hexText(b, a.messageIntegrity) == "0e9d914ca92cddc797948099cb285bc6309ab653")
        #expect(a.fingerprint == .absent)
    }

    @Test func turnChannelBind() throws {
        let b = Captured.turnChannelBind
        let m = try #require(stun(b))
        #expect(m.header.type == 0x0009 && m.header.length == 128)
        #expect(m.method == .channelBind && m.messageClass == .request)
        let a = m.attributes
        #expect(a.channelNumber == 0x4003)
        #expect(a.xorPeerAddress?.text == "185.170.139.1:12176")
        #expect(text(b, a.username) == "Mf2h9Hi5aPMRplF1")
        #expect(text(b, a.realm) == "turner.facebook")
        #expect(text(b, a.nonce) == "bb031d61ccc1be82e24014435ed52f26fba62483")
        #expect(hexText(b, a.messageIntegrity) == "c4a0a285ef11240f8d097e4c686826445f24deab")

        let s = try #require(stun(Captured.turnChannelBindSuccess))
        #expect(s.method == .channelBind && s.messageClass == .successResponse)
        #expect(s.header.transactionID == m.header.transactionID)
    }

    @Test func channelDataOnUDP() throws {
        let b = Captured.channelData
        #expect(classify(b) == .channelData)
        let c = try b.withUnsafeBytes { p throws(ChannelDataFailure) in try ChannelData.decode(p) }
        #expect(c.channel == 0x4003 && c.length == 64)      // "Channel Number: 0x4003", "Message Length: 64"
        #expect(c.data == ByteRange(offset: 4, length: 64))
        let inner = try #require(stun(slice(b, c.data)))
        #expect(inner.method == .binding && inner.messageClass == .successResponse)
        #expect(inner.attributes.xorMappedAddress?.text == "185.170.139.1:12176")
        #expect(inner.attributes.fingerprint == .valid)
    }

    @Test func rfc4571FramedMSICE2Binding() throws {
        let b = Captured.rfc4571Binding
        let pdu = b.withUnsafeBytes { TCPFraming.next($0) }
        #expect(pdu == TCPPDU(.rfc4571, length: 90, payloadOffset: 2, payloadLength: 88))   // "TCP Frame Length: 88"
        let m = try #require(stun(Array(b[2..<90])))
        #expect(m.header.type == 0x0101 && m.header.length == 68)
        #expect(m.attributes.xorMappedAddress?.text == "10.206.50.239:42000")
        #expect(text(Array(b[2...]), m.attributes.username) == "ToEd:/pI0")
        #expect(m.attributes.msImplementationVersion == 3)
        #expect(m.attributes.fingerprintValue == 0x5985379c)
        #expect(m.attributes.fingerprint == .valid)                                       // "[correct]"
    }

    @Test func threeMessagesInOneSegment() throws {
        let b = Captured.threeAllocates
        var off = 0
        var types: [UInt16] = []
        while off < b.count {
            let rest = Array(b[off...])
            let pdu = rest.withUnsafeBytes { TCPFraming.next($0) }
            #expect(pdu.kind == .stun && pdu.length == 28)
            guard pdu.kind == .stun else { break }
            let m = try #require(stun(Array(rest[0..<pdu.length])))
            types.append(m.header.type)
            #expect(m.attributes.requestedTransport == 17)
            off += pdu.length
        }
        #expect(types == [0x0003, 0x0003, 0x0003])
        // A cut chunk asks for the rest.
        let cut = Array(b[0..<25])
        #expect(cut.withUnsafeBytes { TCPFraming.next($0) } == TCPPDU(.needMore, length: 28))
    }

    @Test func spicyAttributeLengthFFFF() {
        guard case .failure(let f) = decodeSTUN(Captured.spicyLengthFFFF) else {
            Issue.record("decoded a malformed message"); return
        }
        #expect(f.reason == .attributeOverrun)
        #expect(f.attributeType == 0x0001 && f.offset == 20)
    }

    @Test func spicyMalformedErrorCode() {
        guard case .failure(let f) = decodeSTUN(Captured.spicyMalformedError) else {
            Issue.record("decoded a malformed message"); return
        }
        // tshark: ERROR-CODE length 3 (class 5, padding 1), then "Unknown attribute 0x5345, Length 21078".
        #expect(f.reason == .attributeOverrun)
        #expect(f.attributeType == 0x5345 && f.offset == 28)
    }

    @Test func spicyRequest() throws {
        let b = Captured.spicyRequest
        let m = try #require(stun(b))
        #expect(text(b, m.attributes.username) == "GwL3AHBovubLvCqn:pLyZHR")
        #expect(m.attributes.priority == 1862270974)
        #expect(m.attributes.iceControlled == 0xf4c37c44ed95c304)
        #expect(m.attributes.fingerprint == .valid)       // "0xba39009b [correct]"
    }

    /// A FINGERPRINT computed with the legacy MS-ICE2 table is accepted as such.
    @Test func legacyFingerprintTable() throws {
        var b = RFC5769.ipv4Response
        var found = false
        for seed in 0..<256 {
            b[19] = UInt8(seed)
            let (std, legacy) = b.withUnsafeBytes { p in
                let covered = UnsafeRawBufferPointer(rebasing: p[0..<72])
                return (STUNFingerprint.crc32(covered), STUNFingerprint.crc32(covered, legacy: true))
            }
            if std != legacy {
                let v = legacy ^ 0x5354554E
                b[76] = UInt8(v >> 24); b[77] = UInt8(v >> 16 & 0xFF); b[78] = UInt8(v >> 8 & 0xFF); b[79] = UInt8(v & 0xFF)
                found = true
                break
            }
        }
        #expect(found)
        let m = try #require(stun(b))
        #expect(m.attributes.fingerprint == .validLegacyTable)
    }

    /// Legacy RFC 3489 messages only when the caller allows them.
    @Test func legacyRFC3489() throws {
        // Binding response with MAPPED-ADDRESS 10.0.0.1:3478, 128-bit transaction ID.
        let b = hex("0101000c 00112233445566778899aabbccddeeff 0001000800010d960a000001")
        #expect(stun(b) == nil)
        if case .failure(let f) = decodeSTUN(b) { #expect(f.reason == .noMagicCookie) }
        let m = try #require(stun(b, allowLegacy: true))
        #expect(m.flavour == .rfc3489 && m.method == .binding && m.messageClass == .successResponse)
        #expect(m.attributes.mappedAddress?.text == "10.0.0.1:3478")
    }

    @Test func headerFailures() {
        func reason(_ s: String) -> STUNFailureReason? {
            if case .failure(let f) = decodeSTUN(hex(s)) { return f.reason }
            return nil
        }
        #expect(reason("0001000021 12a442") == .truncatedHeader)
        #expect(reason("400100002112a442000000000000000000000000") == .typeTopBitsSet)
        #expect(reason("000100042112a442000000000000000000000000") == .lengthMismatch)
        #expect(reason("000100022112a4420000000000000000000000000000") == .lengthNotMultipleOf4)
        #expect(reason("040100002112a442000000000000000000000000") == .reservedMethod)   // method 0x101
        #expect(reason("020100002112a442000000000000000000000000") == nil)              // method 0x081
        #expect(reason("000100042112a44200000000000000000000000000060000") == nil)       // empty USERNAME
        #expect(reason("000100042112a442000000000000000000000000000600") == .lengthMismatch)
        #expect(reason("000100042112a4420000000000000000000000000006") == .lengthMismatch)
        #expect(reason("000100042112a44200000000000000000000000000060001") == .attributeOverrun)
        #expect(reason("000100082112a4420000000000000000000000000006000161000000") == nil)
        #expect(reason("000100082112a442000000000000000000000000000600056100000000") == .lengthMismatch)
    }

    /// ndpi-stun.pcap frame 19: Allocate error response (tshark: "ERROR-CODE 401 (Unauthenticated)",
    /// empty reason, REALM turn.l.google.com, NONCE mah6oOtl36LF4mwK0awUYA==).
    @Test func allocateError401() throws {
        let b = hex("""
            0113003c2112a442536e4c665278533665516e540009000400000401001400117475726e2e6c2e676f6f676c652e636f6d0000\
            00001500186d6168366f4f746c33364c46346d774b3061775559413d3d
            """)
        let m = try #require(stun(b))
        #expect(m.method == .allocate && m.messageClass == .errorResponse)
        #expect(m.attributes.errorCode == 401)
        #expect(m.attributes.errorReason == ByteRange(offset: 28, length: 0))
        #expect(text(b, m.attributes.realm) == "turn.l.google.com")
        #expect(text(b, m.attributes.nonce) == "mah6oOtl36LF4mwK0awUYA==")
    }

    /// ndpi-stun.pcap frame 111: ChannelData 0x4003 carrying an ICE check with USE-CANDIDATE,
    /// ICE-CONTROLLING and Google's 0xC057.
    @Test func useCandidate() throws {
        let b = hex("""
            40030064000100502112a44243794439424563554f653870000600096b5374793a58704a73000000c05700040003000a802a0008\
            f4d3bd50aee2dde700250000002400046e7f23ff00080014782c0006fb10ad26ab1fc7f14e692cc1814d41898028000428d1e17c
            """)
        let inner = Array(b[4...])
        let m = try #require(stun(inner))
        #expect(m.attributes.useCandidate)
        #expect(m.attributes.iceControlling == 0xf4d3bd50aee2dde7)
        #expect(m.attributes.priority == 0x6e7f23ff)
        #expect(text(inner, m.attributes.username) == "kSty:XpJs")
        #expect(m.attributes.unknownCount == 0)
        #expect(m.attributes.fingerprint == .valid)
    }

    /// MS bandwidth-management and MS-ICE2 attributes in one constructed Binding request
    /// (layouts of protocols.md §4.3; values chosen here), plus ERROR-CODE with a reason and
    /// UNKNOWN-ATTRIBUTES.
    @Test func msAttributesConstructed() throws {
        let b = hex("""
            0001 00f8 2112a442 000102030405060708090a0b
            8056 0004 0000 0001
            8057 0010 00112233445566778899aabbccddeeff
            8058 0010 000003e8 00000064 000007d0 000000c8
            8059 0008 0001 a147 e112a643
            805d 000c c0000000 00000100 00000200
            8060 000c 80000000 00000010 00000020
            8061 0003 616263 00
            8062 0004 63616c6c
            8068 0004 01 02 01 00
            8090 0008 0001 0d96 0a000001
            8095 0008 0102030405060708
            8054 0004 31000000
            8070 0004 00000003
            8050 0018 0102030405060708090a0b0c0d0e0f1011121314 0000002a
            8055 0004 0001 0001
            0009 0011 000004 57 526f6c6520436f6e666c696374 000000
            000a 0006 8888 9999 0013 0000
            7777 0002 abcd 0000
            0001 0005 0001000000 000000
            """)
        let m = try #require(stun(b))
        let a = m.attributes
        #expect(a.bandwidthAdmissionMessage == 1)
        #expect(hexText(b, a.bandwidthReservationID) == "00112233445566778899aabbccddeeff")
        #expect(a.bandwidthReservationAmount == MSBandwidthAmount(maxSend: 1000, minSend: 100, maxReceive: 2000, minReceive: 200))
        #expect(a.sites.remoteSite?.text == "192.0.2.1:32853")
        #expect(a.sites.remoteSiteResponse == MSSiteAddressResponse(flags: 0xC000_0000, maxSend: 256, maxReceive: 512))
        #expect(a.sites.remoteSiteResponse?.valid == true && a.sites.remoteSiteResponse?.pstnFailover == true)
        #expect(a.sites.localRelaySiteResponse?.valid == true && a.sites.localRelaySiteResponse?.pstnFailover == false)
        #expect(text(b, a.sipDialogID) == "abc")
        #expect(text(b, a.sipCallID) == "call")
        #expect(a.locationProfile == MSLocationProfile(peerLocation: 1, selfLocation: 2, federation: 1))
        #expect(a.msAlternateMappedAddress?.text == "10.0.0.1:3478")
        #expect(a.msMultiplexedTURNSessionID == 0x0102030405060708)
        #expect(hexText(b, a.msCandidateIdentifier) == "31000000")
        #expect(a.msImplementationVersion == 3)
        #expect(a.msSequenceNumber?.sequence == 42)
        #expect(hexText(b, a.msSequenceNumber?.connectionID) == "0102030405060708090a0b0c0d0e0f1011121314")
        #expect(a.msServiceQuality == MSServiceQuality(streamType: 1, serviceQuality: 1))
        #expect(a.errorCode == 487)
        #expect(text(b, a.errorReason) == "Role Conflict")
        #expect(hexText(b, a.unknownAttributesList) == "888899990013")
        #expect(a.unknownCount == 1 && a.unknown(at: 0) == STUNRawAttribute(type: 0x7777, length: 2))
        #expect(a.malformedCount == 1 && a.firstMalformedType == 0x0001)   // MAPPED-ADDRESS of length 5
        #expect(a.mappedAddress == nil)
    }
}

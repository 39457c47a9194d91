import Testing
@testable import EdgeflowKit

/// RFC 5769 test vectors, typed in from protocols.md §8.
enum RFC5769 {
    static let password = "VOkJxbRl1RmTxUk/WvJxBt"

    /// §2.1 sample request, short-term credentials.
    static let request = hex("""
        00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
        00 24 00 04 6e 00 01 ff
        80 29 00 08 93 2f f9 b1 51 26 3b 36
        00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
        00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
        80 28 00 04 e5 7a 3b cf
        """)

    /// §2.2 sample IPv4 response.
    static let ipv4Response = hex("""
        01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
        80 28 00 04 c0 7d 4c 96
        """)

    /// §2.3 sample IPv6 response.
    static let ipv6Response = hex("""
        01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
        00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
        80 28 00 04 c8 fb 0b 4c
        """)

    /// §2.4 sample request with long-term authentication.
    static let longTermRequest = hex("""
        00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
        00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
        00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
        00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
        00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66
        """)

    static let all = [request, ipv4Response, ipv6Response, longTermRequest]
}

func integrity(_ bytes: [UInt8], key: [UInt8]) -> STUNIntegrityResult {
    bytes.withUnsafeBytes { p in
        guard let m = try? STUNDecoder.decode(p) else { return .invalid }
        return STUNMessageIntegrity.verify(p, m, key: key)
    }
}

@Suite("RFC 5769 test vectors")
struct RFC5769Tests {
    @Test func sampleRequest() throws {
        let b = RFC5769.request
        #expect(b.count == 108)
        let m = try #require(stun(b))
        #expect(m.flavour == .rfc5389)
        #expect(m.header.type == 0x0001)
        #expect(m.header.length == 88)
        #expect(m.header.cookie == 0x2112A442)
        #expect(m.header.transactionID.0 == 0xb7e7a701 && m.header.transactionID.1 == 0xbc34d686 && m.header.transactionID.2 == 0xfa87dfae)
        #expect(m.messageClass == .request)
        #expect(m.header.method == 1)
        #expect(m.method == .binding)
        #expect(m.displayName == "Binding Request")
        let a = m.attributes
        #expect(text(b, a.software) == "STUN test client")
        #expect(a.software?.length == 16)
        #expect(a.priority == 0x6E0001FF)
        #expect(a.priority == 1845494271)
        #expect(a.iceControlled == 0x932FF9B151263B36)
        #expect(a.iceControlling == nil)
        #expect(text(b, a.username) == "evtj:h6vY")
        #expect(a.username?.length == 9)
        #expect(a.messageIntegrity == ByteRange(offset: 80, length: 20))   // attribute at 76
        #expect(a.fingerprintValue == 0xE57A3BCF)
        #expect(a.fingerprint == .valid)
        #expect(a.count == 6)
        #expect(a.unknownCount == 0 && a.malformedCount == 0)
        #expect(integrity(b, key: STUNMessageIntegrity.shortTermKey(password: RFC5769.password)) == .valid)
    }

    @Test func ipv4Response() throws {
        let b = RFC5769.ipv4Response
        #expect(b.count == 80)
        let m = try #require(stun(b))
        #expect(m.header.type == 0x0101 && m.header.length == 60)
        #expect(m.messageClass == .successResponse && m.method == .binding)
        #expect(text(b, m.attributes.software) == "test vector")
        let x = try #require(m.attributes.xorMappedAddress)
        #expect(x.family == 1)
        #expect(x.ip == IPAddress("192.0.2.1"))
        #expect(x.port == 32853)
        #expect(x.text == "192.0.2.1:32853")
        #expect(m.attributes.fingerprintValue == 0xC07D4C96)
        #expect(m.attributes.fingerprint == .valid)
        #expect(integrity(b, key: STUNMessageIntegrity.shortTermKey(password: RFC5769.password)) == .valid)
    }

    @Test func ipv6Response() throws {
        let b = RFC5769.ipv6Response
        #expect(b.count == 92)
        let m = try #require(stun(b))
        #expect(m.header.length == 72)
        #expect(text(b, m.attributes.software) == "test vector")
        let x = try #require(m.attributes.xorMappedAddress)
        #expect(x.family == 2)
        #expect(x.ip == IPAddress("2001:db8:1234:5678:11:2233:4455:6677"))
        #expect(x.port == 32853)
        #expect(x.text == "[2001:db8:1234:5678:11:2233:4455:6677]:32853")
        #expect(m.attributes.fingerprintValue == 0xC8FB0B4C)
        #expect(m.attributes.fingerprint == .valid)
        #expect(integrity(b, key: STUNMessageIntegrity.shortTermKey(password: RFC5769.password)) == .valid)
    }

    @Test func longTermRequest() throws {
        let b = RFC5769.longTermRequest
        #expect(b.count == 116)
        let m = try #require(stun(b))
        #expect(m.header.length == 96)
        #expect(m.header.transactionID.0 == 0x78ad3433 && m.header.transactionID.1 == 0xc6ad72c0 && m.header.transactionID.2 == 0x29da412e)
        let a = m.attributes
        #expect(text(b, a.username) == "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}")
        #expect(a.username?.length == 18)
        #expect(text(b, a.nonce) == "f//499k954d6OL34oL9FSTvy64sA")
        #expect(text(b, a.realm) == "example.org")
        #expect(a.fingerprint == .absent)
        #expect(a.fingerprintValue == nil)
        #expect(hexText(b, a.messageIntegrity) == "f67024656dd64a3e02b8e0712e85c9a28ca89666")
        let key = STUNMessageIntegrity.longTermKey(username: "マトリックス", realm: "example.org", password: "TheMatrIX")
        #expect(hexText(key, ByteRange(offset: 0, length: 16)) == "e8ca7ad59d5eb0518e312911d2dab2a9")
        #expect(integrity(b, key: key) == .valid)
        #expect(integrity(b, key: STUNMessageIntegrity.shortTermKey(password: "TheMatrIX")) == .invalid)
    }

    /// One changed byte makes FINGERPRINT and MESSAGE-INTEGRITY fail.
    @Test(arguments: [0, 1, 2])
    func oneByteChangeBreaksBoth(index: Int) throws {
        var b = [RFC5769.request, RFC5769.ipv4Response, RFC5769.ipv6Response][index]
        b[30] ^= 0x01   // inside SOFTWARE
        let m = try #require(stun(b))
        #expect(m.attributes.fingerprint == .invalid)
        #expect(integrity(b, key: STUNMessageIntegrity.shortTermKey(password: RFC5769.password)) == .invalid)
    }

    @Test func oneByteChangeBreaksLongTermIntegrity() throws {
        var b = RFC5769.longTermRequest
        b[60] ^= 0x01   // inside NONCE
        let key = STUNMessageIntegrity.longTermKey(username: "マトリックス", realm: "example.org", password: "TheMatrIX")
        #expect(integrity(b, key: key) == .invalid)
    }

    @Test func wrongPasswordIsInvalid() {
        #expect(integrity(RFC5769.request, key: STUNMessageIntegrity.shortTermKey(password: "nope")) == .invalid)
    }

    @Test func noIntegrityIsAbsent() {
        let b = hex("000100002112a442534f70436969354a6663317a")
        #expect(integrity(b, key: [1, 2, 3]) == .absent)
    }

    /// Type codes from the RFC 8489 §5 formula (protocols.md §1.2 table).
    @Test func typeCodes() {
        #expect(STUNHeader.type(method: 0x001, class: .indication) == 0x0011)
        #expect(STUNHeader.type(method: 0x003, class: .errorResponse) == 0x0113)
        #expect(STUNHeader.type(method: 0x006, class: .indication) == 0x0016)
        #expect(STUNHeader.type(method: 0x009, class: .successResponse) == 0x0109)
        #expect(STUNHeader.type(method: 0x00C, class: .indication) == 0x001C)
        for m: UInt16 in [1, 3, 4, 8, 9, 0x80, 0xFF] {
            for c in STUNClass.allCases {
                let h = STUNHeader(type: STUNHeader.type(method: m, class: c), length: 0, cookie: 0, transactionID: (0, 0, 0))
                #expect(h.method == m && h.bitClass == c)
            }
        }
    }

    /// 0x0115 is Data Indication in MS-TURN and method 5 / error class in RFC 5389 (protocols.md §8.5).
    @Test func type0115PerFlavour() {
        #expect(STUNMethod(type: 0x0115, flavour: .msTURN) == .msDataIndication)
        #expect(STUNMethod(type: 0x0115, flavour: .rfc5389) == .other)
        let h = STUNHeader(type: 0x0115, length: 0, cookie: 0, transactionID: (0, 0, 0))
        #expect(h.method == 5 && h.bitClass == .errorResponse)
        #expect(STUNMethod(type: 0x0004, flavour: .msTURN) == .msSend)
        #expect(STUNMethod(type: 0x0004, flavour: .rfc5389) == .refresh)
        #expect(STUNMethod(type: 0x0006, flavour: .msTURN) == .msSetActiveDestination)
        #expect(STUNMethod(type: 0x0016, flavour: .rfc5389) == .send)
        #expect(STUNMethod(type: 0x0017, flavour: .rfc5389) == .data)
        #expect(STUNMethod(type: 0x0008, flavour: .rfc5389) == .createPermission)
    }

    /// Every 12-bit method code of an RFC 5389 message: the methods of the IANA STUN registry
    /// edgeflow names (RFC 8489 §18.2: Binding 0x001, Shared Secret 0x002; RFC 8656 §17: Allocate
    /// 0x003 to ChannelBind 0x009, 0x005 unassigned; RFC 6062 §6: Connect 0x00A to ConnectionAttempt
    /// 0x00C; GOOG-PING 0x080 as Wireshark names it), every other code `other`.
    ///
    /// The message type is built here from RFC 8489 §5's figure, not by `STUNHeader.type`: from
    /// bit 13 down, M11-M7, C1, M6-M4, C0, M3-M0 (the class C1C0: 0b00 request, 0b01
    /// indication, 0b10 success response, 0b11 error response).
    @Test func methodCodes() {
        func wireType(_ m: UInt16, c1: UInt16, c0: UInt16) -> UInt16 {
            (m & 0xF) | c0 << 4 | (m >> 4 & 0x7) << 5 | c1 << 8 | (m >> 7 & 0x1F) << 9
        }
        let named: [UInt16: STUNMethod] = [0x001: .binding, 0x002: .sharedSecret, 0x003: .allocate, 0x004: .refresh, 0x006: .send,
                                           0x007: .data, 0x008: .createPermission, 0x009: .channelBind, 0x00A: .connect,
                                           0x00B: .connectionBind, 0x00C: .connectionAttempt, 0x080: .googPing]
        for code in UInt16(0)...0xFFF {
            let expected = named[code] ?? .other
            #expect(STUNMethod(type: wireType(code, c1: 0, c0: 0), flavour: .rfc5389) == expected,
                    "method 0x\(String(code, radix: 16))")
            // The encoder, against the figure, for every method and class.
            for c in STUNClass.allCases {
                let c1 = UInt16(c.rawValue >> 1), c0 = UInt16(c.rawValue & 1)
                #expect(STUNHeader.type(method: code, class: c) == wireType(code, c1: c1, c0: c0), "method 0x\(String(code, radix: 16)), \(c)")
            }
            // The decoder names an RFC 5389 message's method in place (`STUNMethod(code:)`), in both modes.
            guard code <= 0xFF else { continue }
            let bytes = Frames.be16(wireType(code, c1: 0, c0: 1)) + [0, 0] + Frames.be32(0x2112_A442)
                + [UInt8](repeating: 1, count: 12)
            for flowFactsOnly in [false, true] {
                var m = STUNMessage()
                bytes.withUnsafeBytes { try? STUNDecoder.decode($0, flowFactsOnly: flowFactsOnly, into: &m) }
                #expect(m.method == expected && m.messageClass == .indication, "method 0x\(String(code, radix: 16))")
            }
        }
    }

    /// Message types as they are on the wire, from the IANA STUN registry's method codes and RFC
    /// 8489 §5's class bits, as Wireshark's `stun.type` shows them (Binding Request 0x0001, Binding
    /// Success Response 0x0101, Allocate Error Response 0x0113, ChannelBind Request 0x0009,
    /// GOOG-PING Request 0x0200: method 0x080, M7 at bit 9).
    @Test("wire message types: method and class, both ways")
    func wireTypes() {
        let types: [(UInt16, UInt16, STUNClass, STUNMethod)] = [
            (0x0001, 0x001, .request, .binding), (0x0101, 0x001, .successResponse, .binding),
            (0x0011, 0x001, .indication, .binding), (0x0111, 0x001, .errorResponse, .binding),
            (0x0113, 0x003, .errorResponse, .allocate), (0x0003, 0x003, .request, .allocate),
            (0x0009, 0x009, .request, .channelBind), (0x0109, 0x009, .successResponse, .channelBind),
            (0x0016, 0x006, .indication, .send), (0x0017, 0x007, .indication, .data),
            (0x0200, 0x080, .request, .googPing), (0x0300, 0x080, .successResponse, .googPing),
        ]
        for (type, method, cls, name) in types {
            #expect(STUNHeader.type(method: method, class: cls) == type, "0x\(String(type, radix: 16))")
            let h = STUNHeader(type: type, length: 0, cookie: 0x2112_A442, transactionID: (0, 0, 0))
            #expect(h.method == method && h.bitClass == cls, "0x\(String(type, radix: 16))")
            #expect(STUNMethod(type: type, flavour: .rfc5389) == name, "0x\(String(type, radix: 16))")
        }
    }

    /// The legacy MS-ICE2 CRC table differs from the standard one in exactly one entry.
    @Test func legacyTable() {
        let diffs = (0..<256).filter { STUNFingerprint.table[$0] != STUNFingerprint.legacyTable[$0] }
        #expect(diffs.count == 1)
        if let i = diffs.first {
            #expect(STUNFingerprint.table[i] == 0x8BBEB8EA)
            #expect(STUNFingerprint.legacyTable[i] == 0x08BBE8EA)
        }
        // zlib's check value for "123456789".
        let check = Array("123456789".utf8).withUnsafeBytes { STUNFingerprint.crc32($0) }
        #expect(check == 0xCBF43926)
    }

    /// The CRC over every length from 0 to 39 (all remainders of the 8-byte steps), against
    /// Python's zlib.crc32 of the same bytes ((i * 37 + 11) mod 256).
    @Test func crcLengths() {
        let zlib: [UInt32] = [
            0x00000000, 0x45D03605, 0x84F4FB98, 0x3753A57B, 0xA5328CBE, 0x9ECECD5F, 0xB5416B8C, 0xEF6F3B31,
            0x648BAD8B, 0x17DC5F9E, 0xA0125457, 0x0919340F, 0x7A6C29EC, 0x7EC47AE4, 0xDCA7A3C5, 0x53605EE3,
            0x24E8A988, 0xCDFC844A, 0xA97E38A7, 0x3CA5F099, 0x205C4A33, 0x5D472D38, 0xE087C443, 0x6232F06B,
            0x84D3195E, 0x2AE492FD, 0xC929AE64, 0x7DC1DD6F, 0x5CC1C1A9, 0xFE87B0C7, 0xF89343A9, 0x4745364C,
            0xA9F48115, 0xFE728587, 0x27F3595F, 0xE4265622, 0xFAE47145, 0x622893DE, 0xF9D49D8C, 0xA291CF9F,
        ]
        let data = (0..<40).map { UInt8(($0 * 37 + 11) % 256) }
        for n in 0..<40 {
            let crc = data[..<n].withUnsafeBytes { STUNFingerprint.crc32($0) }
            #expect(crc == zlib[n], "length \(n)")
        }
    }

    /// MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6) over a message built from the §2.2 fields;
    /// the HMAC was computed outside (Python hmac/hashlib).
    @Test func sha256Integrity() throws {
        var b = hex("""
            010100402112a442b7e7a701bc34d686fa87dfae 8022000b 74657374207665637 46f7220 002000080001a147e112a643
            001c0020 99ec9d43ed1d738d052a57388bd534fec02c4990d3fed8a1846b3b148a9cf737
            """)
        let m = try #require(stun(b))
        #expect(m.attributes.messageIntegritySHA256 == ByteRange(offset: 52, length: 32))
        let key = STUNMessageIntegrity.shortTermKey(password: RFC5769.password)
        #expect(integrity(b, key: key) == .valid)
        b[45] ^= 0x80
        #expect(integrity(b, key: key) == .invalid)
    }

    /// MS-TURN: MAGIC-COOKIE first, MS-VERSION 3, a 32-byte MESSAGE-INTEGRITY as HMAC-SHA256 with
    /// key MD5("user:realm:pass") over the input zero-padded to 64 bytes (MS-TURN §2.2.2; TURNER);
    /// the HMAC was computed outside (Python).
    @Test func msTURNPaddedIntegrity() throws {
        let b = hex("""
            000300342112a442b7e7a701bc34d686fa87dfae000f000472c64bc68008000400000003
            00080020 19f8710198a4c275b0f90641262fd67b09e9cde9ed9b2f1dd282e5a27940f40e
            """)
        let m = try #require(stun(b))
        #expect(m.flavour == .msTURN && m.attributes.msVersion == 3)
        let key = STUNMessageIntegrity.longTermKey(username: "user", realm: "realm", password: "pass")
        #expect(integrity(b, key: key) == .valid)
        #expect(integrity(b, key: STUNMessageIntegrity.longTermKey(username: "user", realm: "realm", password: "Pass")) == .invalid)
    }
}

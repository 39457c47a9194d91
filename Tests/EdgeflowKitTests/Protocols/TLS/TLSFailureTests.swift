import Testing
@testable import EdgeflowKit

/// The hello and certificate parsers name why and where a body stops parsing. Bodies from
/// pcapplusplus-tls.pcap stream 0 (tshark: ClientHello with cipher_suites_length 72,
/// extensions_length 41, SNI "bawmashbij"; ServerHello with extensions_length 9), cut or altered.
@Suite("TLS failures")
struct TLSFailureTests {
    static let stream = Fixtures.follow("pcapplusplus-tls-0")
    /// ClientHello body: after the 5-byte record and 4-byte handshake headers, 154 bytes.
    static let clientHello = Array(stream.orig[9..<(9 + 154)])
    /// ServerHello body: 49 bytes; the Certificate record follows it.
    static let serverHello = Array(stream.resp[9..<(9 + 49)])

    @Test func clientHello() throws {
        let b = Self.clientHello
        let hello = try b.withUnsafeBytes { try TLSClientHello.parse($0) }
        #expect(hello.cipherSuiteCount == 36 && hello.serverName == "bawmashbij")
        // Session id length at 34, cipher_suites length at 35, compression at 35 + 2 + 72, extensions at 111.
        #expect(decodeFailure(Array(b[0..<30]), TLSClientHello.parse) == TLSFailure(.truncatedHello, at: 30))
        var sid = b
        sid[34] = 33
        #expect(decodeFailure(sid, TLSClientHello.parse) == TLSFailure(.badSessionID, at: 34))
        #expect(decodeFailure(Array(b[0..<100]), TLSClientHello.parse) == TLSFailure(.badCipherSuites, at: 35))
        var odd = b
        odd[36] = 0x47
        #expect(decodeFailure(odd, TLSClientHello.parse) == TLSFailure(.badCipherSuites, at: 35))
        #expect(decodeFailure(Array(b[0..<110]), TLSClientHello.parse) == TLSFailure(.compressionOverrun, at: 109))
        #expect(decodeFailure(Array(b[0..<150]), TLSClientHello.parse) == TLSFailure(.extensionOverrun, at: 111))
        #expect(decodeFailure(Array(b[0..<112]), TLSClientHello.parse) == TLSFailure(.extensionOverrun, at: 111))
    }

    @Test func serverHello() {
        let b = Self.serverHello
        #expect(decodeFailure(b, TLSServerHello.parse) == nil)
        #expect(decodeFailure(Array(b[0..<34]), TLSServerHello.parse) == TLSFailure(.truncatedHello, at: 34))
        #expect(decodeFailure(Array(b[0..<37]), TLSServerHello.parse) == TLSFailure(.badSessionID, at: 34))
        #expect(decodeFailure(Array(b[0..<45]), TLSServerHello.parse) == TLSFailure(.extensionOverrun, at: 38))
        // renegotiation_info (0xff01) at 40 claims 0x20 bytes: its length field is at 42.
        var ext = b
        ext[43] = 0x20
        #expect(decodeFailure(ext, TLSServerHello.parse) == TLSFailure(.extensionOverrun, at: 42))
    }

    @Test func certificateList() throws {
        // The Certificate record follows the ServerHello: body after its 4-byte handshake header.
        let start = 5 + 0x35
        #expect(Array(Self.stream.resp[start..<(start + 6)]) == [0x16, 0x03, 0x01, 0x02, 0xF6, 0x0B])
        let body = Array(Self.stream.resp[(start + 9)..<(start + 5 + 0x2F6)])
        let list = try body.withUnsafeBytes { try TLSCertificateList.parse($0, timestamp: 0) }
        #expect(list.count == 1 && !list.truncated)
        #expect(decodeFailure(Array(body[0..<2])) { p throws(TLSFailure) in try TLSCertificateList.parse(p, timestamp: 0) }
                == TLSFailure(.truncatedCertificateList, at: 0))
        #expect(decodeFailure([]) { p throws(TLSFailure) in try TLSCertificateList.parse(p, tls13: true, timestamp: 0) }
                == TLSFailure(.truncatedCertificateList, at: 0))
        // TLS 1.3: a request context longer than the body; a 5-byte one, then only 2 bytes of the list length.
        #expect(decodeFailure([9, 1, 2]) { p throws(TLSFailure) in try TLSCertificateList.parse(p, tls13: true, timestamp: 0) }
                == TLSFailure(.truncatedCertificateList, at: 0))
        #expect(decodeFailure([5, 1, 2, 3, 4, 5, 0, 0]) { p throws(TLSFailure) in try TLSCertificateList.parse(p, tls13: true, timestamp: 0) }
                == TLSFailure(.truncatedCertificateList, at: 6))
    }

    @Test("certificate list entries by hand: three and a header cut short, a list length past the body, TLS 1.3 extensions")
    func certificateListEntries() throws {
        func parse(_ body: [UInt8], tls13: Bool = false) throws -> TLSCertificateList {
            try body.withUnsafeBytes { try TLSCertificateList.parse($0, tls13: tls13, timestamp: 0) }
        }
        // Entries of 2, 3 and 1 bytes, then 2 bytes of a fourth's 3-byte length: 17 bytes.
        let three = try parse([0, 0, 17] + [0, 0, 2, 0x0A, 0x0B] + [0, 0, 3, 1, 2, 3] + [0, 0, 1, 9] + [0, 0])
        #expect(three.ranges == [3..<5, 8..<11, 14..<15] && three.truncated && three.bytes.count == 17)
        #expect(Array(three.der(1)) == [1, 2, 3])
        // A list length of 20 over a 5-byte entry.
        let past = try parse([0, 0, 20] + [0, 0, 2, 0x0A, 0x0B])
        #expect(past.ranges == [3..<5] && past.truncated)
        // TLS 1.3: an empty context, entries each followed by their extensions (1 byte, then none).
        let tls13 = try parse([0, 0, 0, 14] + [0, 0, 2, 0x0A, 0x0B, 0, 1, 0xEE] + [0, 0, 1, 7, 0, 0], tls13: true)
        #expect(tls13.ranges == [3..<5, 11..<12] && !tls13.truncated)
        // The extensions' length cut after its first byte.
        let cut = try parse([0, 0, 0, 5] + [0, 0, 1, 7, 0], tls13: true)
        #expect(cut.ranges == [3..<4] && cut.truncated)
    }
}

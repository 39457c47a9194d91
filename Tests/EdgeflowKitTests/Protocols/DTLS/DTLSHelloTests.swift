import Testing
@testable import EdgeflowKit

/// DTLS hellos read by TLS's parsers, on dtls10.pcap (Scripts/record_dtls_captures.sh: a cookie
/// exchange, so the second ClientHello carries the server's cookie; RFC 6347 §4.2.1 puts it after
/// the session id). Each hello here is one unfragmented message in its record.
@Suite("DTLS hellos through the TLS parsers")
struct DTLSHelloTests {
    /// The body of the ClientHello that carries a cookie: after the 13-byte record header and
    /// the 12-byte handshake header.
    private func helloWithCookie() throws -> [UInt8] {
        let datagrams = try DTLSCaptures.datagrams(DTLSCaptures.directory + "dtls10.pcap")
        let bodies = datagrams.compactMap { d -> [UInt8]? in
            guard d.payload.count > 25, d.payload[0] == 22, d.payload[13] == 1 else { return nil }
            return Array(d.payload[25...])
        }
        return try #require(bodies.first { $0[34] == 0 && $0[35] > 0 })  // no session id, a cookie
    }

    @Test("the cookie is read between session id and cipher suites; cut inside it, the failure names its offset")
    func cookie() throws {
        let body = try helloWithCookie()
        let cookie = Int(body[35])
        let hello = try body.withUnsafeBytes { try DTLSClientHello.parse($0) }
        #expect(hello.hello.cookieLength == cookie)
        #expect(hello.hello.cipherSuiteCount == (Int(body[36 + cookie]) << 8 | Int(body[37 + cookie])) / 2)
        let cut = Array(body[0..<(36 + cookie / 2)])
        let asDTLS: (UnsafeRawBufferPointer) throws(TLSFailure) -> TLSClientHello = { b throws(TLSFailure) in
            try TLSClientHello.parse(b, datagram: true) { _, _, _ in }
        }
        #expect(decodeFailure(cut, asDTLS) == TLSFailure(.badCookie, at: 35))
        #expect(decodeFailure(cut, DTLSClientHello.parse) == DTLSFailure(.badHandshakeMessage, at: 35))
    }
}

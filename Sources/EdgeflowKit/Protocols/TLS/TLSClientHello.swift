/// ClientHello (RFC 5246 §7.4.1.2; RFC 8446 §4.1.2) and the SSL 2.0-compatible form
/// (RFC 5246 App. E.2). Parsed once per connection; the strings are copied out then.
public struct TLSClientHello: Sendable, Equatable {
    /// `client_version` (or the SSL 2.0 message's version).
    public var legacyVersion: TLSVersion
    /// Highest non-GREASE entry of supported_versions (43), if the extension is present.
    public var highestSupportedVersion: TLSVersion?
    /// Non-GREASE entries of supported_versions.
    public var supportedVersionCount = 0
    /// Cipher suites offered (3-byte specs for SSL 2.0), GREASE included.
    public var cipherSuiteCount = 0
    public var sessionIDLength = 0
    /// Length of the cookie of a DTLS ClientHello (nil in TLS, which has no cookie field).
    public var cookieLength: Int?
    public var extensionCount = 0
    /// First host_name of server_name (0).
    public var serverName: String?
    /// First protocol of ALPN (16).
    public var alpnFirst: String?
    /// The 2-byte-header SSL 2.0 ClientHello.
    public var isSSLv2 = false
    /// The cipher list contains a TLS 1.3 suite (0x13xx).
    public var offersTLS13Suites = false

    /// The best version the client offers.
    public var offeredVersion: TLSVersion { highestSupportedVersion ?? legacyVersion }

    /// Parses a ClientHello body (after the 4-byte handshake header). Throws where a length
    /// does not fit.
    public static func parse(_ b: UnsafeRawBufferPointer) throws(TLSFailure) -> TLSClientHello {
        try parse(b, datagram: false) { _, _, _ in }
    }

    /// Parses a TLS or DTLS ClientHello body. DTLS (`datagram`, RFC 6347 §4.2.1) puts a
    /// cookie after the session id and counts versions down (0xFEFD is above 0xFEFF), so
    /// `highestSupportedVersion` is then the smallest 0xFExx entry. Extensions read here
    /// (server_name, ALPN, supported_versions) fill the hello; every other one is handed to
    /// `other(type, valueOffset, valueLength)`.
    static func parse(_ b: UnsafeRawBufferPointer, datagram: Bool,
                      other: (UInt16, Int, Int) -> Void) throws(TLSFailure) -> TLSClientHello {
        let n = b.count
        guard n >= 2 + 32 + 1 else { throw TLSFailure(.truncatedHello, at: n) }
        var hello = TLSClientHello(legacyVersion: TLSVersion(rawValue: b.be16(0)))
        var o = 34
        let sid = Int(b.u8(o))
        guard sid <= 32, o &+ 1 &+ sid &+ (datagram ? 1 : 2) <= n else { throw TLSFailure(.badSessionID, at: o) }
        hello.sessionIDLength = sid
        o &+= 1 &+ sid
        if datagram {
            let cookie = Int(b.u8(o))
            guard o &+ 1 &+ cookie &+ 2 <= n else { throw TLSFailure(.badCookie, at: o) }
            hello.cookieLength = cookie
            o &+= 1 &+ cookie
        }
        let csLen = Int(b.be16(o))
        guard csLen & 1 == 0, o &+ 2 &+ csLen &+ 1 <= n else { throw TLSFailure(.badCipherSuites, at: o) }
        o &+= 2
        hello.cipherSuiteCount = csLen >> 1
        var c = o
        while c < o &+ csLen {
            if b.u8(c) == 0x13 { hello.offersTLS13Suites = true; break }
            c &+= 2
        }
        o &+= csLen
        let compLen = Int(b.u8(o))
        guard o &+ 1 &+ compLen <= n else { throw TLSFailure(.compressionOverrun, at: o) }
        o &+= 1 &+ compLen
        try TLSExtensions.walk(b, from: o) { type, d, len in
            hello.extensionCount &+= 1
            switch type {
            case 0:
                if hello.serverName == nil { hello.serverName = firstServerName(b, d, len) }
            case 16:
                if hello.alpnFirst == nil { hello.alpnFirst = firstALPN(b, d, len) }
            case 43:
                guard len >= 1 else { break }
                let listLen = Int(b.u8(d))
                guard listLen &+ 1 <= len else { break }
                var best: UInt16 = 0
                var i = d &+ 1
                while i &+ 2 <= d &+ 1 &+ listLen {
                    let v = b.be16(i)
                    if !TLSVersion.isGREASE(v) {
                        hello.supportedVersionCount &+= 1
                        if datagram ? v >> 8 == 0xFE && (best == 0 || v < best) : v > best { best = v }
                    }
                    i &+= 2
                }
                if best != 0 { hello.highestSupportedVersion = TLSVersion(rawValue: best) }
            default:
                other(type, d, len)
            }
        }
        return hello
    }

    /// Parses an SSL 2.0 ClientHello at the start of `b` (2-byte header with the high bit set,
    /// msg_type 1). Returns the hello and the bytes it occupies, nil if incomplete or not one.
    public static func parseSSLv2(_ b: UnsafeRawBufferPointer) -> (hello: TLSClientHello, length: Int)? {
        guard b.count >= 11, b.u8(0) & 0x80 != 0, b.u8(2) == 1 else { return nil }
        let msgLen = Int(b.u8(0) & 0x7F) << 8 | Int(b.u8(1))
        guard msgLen >= 9, b.count >= 2 &+ msgLen else { return nil }
        let specLen = Int(b.be16(5))
        let sidLen = Int(b.be16(7))
        let challengeLen = Int(b.be16(9))
        guard specLen % 3 == 0, 9 &+ specLen &+ sidLen &+ challengeLen <= msgLen else { return nil }
        var hello = TLSClientHello(legacyVersion: TLSVersion(rawValue: b.be16(3)))
        hello.isSSLv2 = true
        hello.cipherSuiteCount = specLen / 3
        hello.sessionIDLength = sidLen
        return (hello, 2 &+ msgLen)
    }

    /// Whether `b` starts like an SSL 2.0 ClientHello (enough to decide, not to parse).
    public static func looksLikeSSLv2(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count >= 3 && b.u8(0) & 0x80 != 0 && b.u8(2) == 1
    }

    static func firstServerName(_ b: UnsafeRawBufferPointer, _ d: Int, _ len: Int) -> String? {
        guard len >= 2 else { return nil }
        let end = d &+ 2 &+ min(Int(b.be16(d)), len &- 2)
        var i = d &+ 2
        while i &+ 3 <= end {
            let type = b.u8(i)
            let l = Int(b.be16(i &+ 1))
            guard i &+ 3 &+ l <= end else { return nil }
            if type == 0 { return boundedString(b, i &+ 3, l) }
            i &+= 3 &+ l
        }
        return nil
    }

    static func firstALPN(_ b: UnsafeRawBufferPointer, _ d: Int, _ len: Int) -> String? {
        guard len >= 3 else { return nil }
        let end = d &+ 2 &+ min(Int(b.be16(d)), len &- 2)
        let l = Int(b.u8(d &+ 2))
        guard l > 0, d &+ 3 &+ l <= end else { return nil }
        return boundedString(b, d &+ 3, l)
    }
}

/// Copies at most 255 bytes as UTF-8 (invalid sequences become U+FFFD). Cold path.
@inline(never)
func boundedString(_ b: UnsafeRawBufferPointer, _ at: Int, _ length: Int) -> String {
    let l = min(length, 255)
    return String(decoding: UnsafeRawBufferPointer(rebasing: b[at..<(at &+ l)]), as: UTF8.self)
}

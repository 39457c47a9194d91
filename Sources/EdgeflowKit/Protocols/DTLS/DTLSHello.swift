/// ClientHello, HelloVerifyRequest and ServerHello of DTLS (RFC 6347 §4.2.1, §4.3.2;
/// RFC 9147 §5.3): the TLS messages with a cookie after the ClientHello's session id, and
/// the DTLS extensions use_srtp (14, RFC 5764 §4.1.1) and connection_id (54, RFC 9146 §3;
/// 53 in the drafts). Parsed once per connection; strings and ids are copied out then.

/// Extension numbers read here.
enum DTLSExtension {
    static let serverName: UInt16 = 0
    static let useSRTP: UInt16 = 14
    static let alpn: UInt16 = 16
    static let supportedVersions: UInt16 = 43
    static let connectionIDDraft: UInt16 = 53
    static let connectionID: UInt16 = 54

    /// The `opaque cid<0..2^8-1>` of a connection_id extension; nil if malformed.
    static func connectionID(_ b: UnsafeRawBufferPointer, _ d: Int, _ len: Int) -> [UInt8]? {
        guard len >= 1, 1 &+ Int(b.u8(d)) == len else { return nil }
        return Array(UnsafeRawBufferPointer(rebasing: b[(d &+ 1)..<(d &+ len)]))
    }
}

public struct DTLSClientHello: Sendable, Equatable {
    /// `client_version` (0xFEFF, 0xFEFD).
    public var legacyVersion: DTLSVersion
    /// Highest entry of supported_versions (43), GREASE left out, if present.
    public var highestSupportedVersion: DTLSVersion?
    public var cookieLength = 0
    public var cipherSuiteCount = 0
    public var extensionCount = 0
    public var serverName: String?
    public var alpnFirst: String?
    /// Protection profiles offered in use_srtp, in order (at most 16 kept).
    public var srtpProfiles: [SRTPProtectionProfile] = []
    /// The connection id the client asks to receive (connection_id extension), if offered.
    public var connectionID: [UInt8]?

    /// The best version the client offers.
    public var offeredVersion: DTLSVersion { highestSupportedVersion ?? legacyVersion }

    /// Parses a ClientHello body (the reassembled message after its 12-byte header).
    public static func parse(_ b: UnsafeRawBufferPointer) throws(DTLSFailure) -> DTLSClientHello {
        let n = b.count
        guard n >= 2 + 32 + 1 else { throw DTLSFailure(.badHandshakeMessage, at: 0) }
        var hello = DTLSClientHello(legacyVersion: DTLSVersion(rawValue: b.be16(0)))
        var o = 34
        let sid = Int(b.u8(o))
        guard sid <= 32, o &+ 1 &+ sid &+ 1 <= n else { throw DTLSFailure(.badHandshakeMessage, at: o) }
        o &+= 1 &+ sid
        let cookie = Int(b.u8(o))
        guard o &+ 1 &+ cookie &+ 2 <= n else { throw DTLSFailure(.badHandshakeMessage, at: o) }
        hello.cookieLength = cookie
        o &+= 1 &+ cookie
        let csLen = Int(b.be16(o))
        guard csLen & 1 == 0, o &+ 2 &+ csLen &+ 1 <= n else { throw DTLSFailure(.badHandshakeMessage, at: o) }
        hello.cipherSuiteCount = csLen >> 1
        o &+= 2 &+ csLen
        let compLen = Int(b.u8(o))
        guard o &+ 1 &+ compLen <= n else { throw DTLSFailure(.badHandshakeMessage, at: o) }
        o &+= 1 &+ compLen
        let walked: Void? = try? TLSExtensions.walk(b, from: o) { type, d, len in
            hello.extensionCount &+= 1
            switch type {
            case DTLSExtension.serverName:
                if hello.serverName == nil { hello.serverName = TLSClientHello.firstServerName(b, d, len) }
            case DTLSExtension.alpn:
                if hello.alpnFirst == nil { hello.alpnFirst = TLSClientHello.firstALPN(b, d, len) }
            case DTLSExtension.useSRTP:
                guard len >= 2 else { break }
                let listLen = Int(b.be16(d))
                guard listLen & 1 == 0, 2 &+ listLen <= len else { break }
                var i = d &+ 2
                while i < d &+ 2 &+ listLen, hello.srtpProfiles.count < 16 {
                    hello.srtpProfiles.append(SRTPProtectionProfile(rawValue: b.be16(i)))
                    i &+= 2
                }
            case DTLSExtension.connectionID, DTLSExtension.connectionIDDraft:
                if hello.connectionID == nil { hello.connectionID = DTLSExtension.connectionID(b, d, len) }
            case DTLSExtension.supportedVersions:
                guard len >= 1 else { break }
                let listLen = Int(b.u8(d))
                guard listLen &+ 1 <= len else { break }
                // DTLS versions count down: the best is the smallest non-GREASE value.
                var best: UInt16 = 0
                var i = d &+ 1
                while i &+ 2 <= d &+ 1 &+ listLen {
                    let v = b.be16(i)
                    if !TLSVersion.isGREASE(v), v >> 8 == 0xFE, best == 0 || v < best { best = v }
                    i &+= 2
                }
                if best != 0 { hello.highestSupportedVersion = DTLSVersion(rawValue: best) }
            default:
                break
            }
        }
        guard walked != nil else { throw DTLSFailure(.badHandshakeMessage, at: o) }
        return hello
    }
}

/// HelloVerifyRequest (RFC 6347 §4.2.1): `server_version(2) | cookie<0..2^8-1>`.
public struct DTLSHelloVerifyRequest: Sendable, BitwiseCopyable, Equatable {
    public var serverVersion: DTLSVersion
    public var cookieLength: Int

    public static func parse(_ b: UnsafeRawBufferPointer) throws(DTLSFailure) -> DTLSHelloVerifyRequest {
        guard b.count >= 3, 3 &+ Int(b.u8(2)) <= b.count else { throw DTLSFailure(.badHandshakeMessage, at: 0) }
        return DTLSHelloVerifyRequest(serverVersion: DTLSVersion(rawValue: b.be16(0)), cookieLength: Int(b.u8(2)))
    }
}

/// ServerHello: the TLS message (`TLSServerHello`, whose layout DTLS keeps) plus what the
/// DTLS extensions chose.
public struct DTLSServerHello: Sendable, Equatable {
    public var hello: TLSServerHello
    /// The protection profile chosen in use_srtp, if the server answered it.
    public var srtpProfile: SRTPProtectionProfile?
    /// The connection id the server asks to receive (connection_id extension), if any.
    public var connectionID: [UInt8]?

    /// The negotiated version: supported_versions (DTLS 1.3) when present, else server_version.
    public var negotiatedVersion: DTLSVersion { DTLSVersion(rawValue: hello.negotiatedVersion.rawValue) }
    /// IANA name of the chosen cipher suite.
    public var cipherSuiteName: String { hello.cipherSuiteName }

    /// Parses a ServerHello body (the reassembled message after its 12-byte header).
    public static func parse(_ b: UnsafeRawBufferPointer) throws(DTLSFailure) -> DTLSServerHello {
        guard let hello = try? TLSServerHello.parse(b) else { throw DTLSFailure(.badHandshakeMessage, at: 0) }
        var result = DTLSServerHello(hello: hello)
        // TLSServerHello checked the lengths up to and through the extensions block.
        try? TLSExtensions.walk(b, from: 35 &+ hello.sessionIDLength &+ 3) { type, d, len in
            switch type {
            case DTLSExtension.useSRTP:
                // One profile chosen (RFC 5764 §4.1.1): list length 2, the profile, the MKI.
                if len >= 4, b.be16(d) == 2 { result.srtpProfile = SRTPProtectionProfile(rawValue: b.be16(d &+ 2)) }
            case DTLSExtension.connectionID, DTLSExtension.connectionIDDraft:
                if result.connectionID == nil { result.connectionID = DTLSExtension.connectionID(b, d, len) }
            default:
                break
            }
        }
        return result
    }
}

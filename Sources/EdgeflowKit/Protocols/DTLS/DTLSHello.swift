/// ClientHello, HelloVerifyRequest and ServerHello of DTLS (RFC 6347 §4.2.1, §4.3.2;
/// RFC 9147 §5.3): the TLS messages with a cookie after the ClientHello's session id, and
/// the DTLS extensions use_srtp (14, RFC 5764 §4.1.1) and connection_id (54, RFC 9146 §3;
/// 53 in the drafts). Parsed once per connection; strings and ids are copied out then.

/// Extension numbers read here (TLS's parsers read server_name, ALPN and supported_versions).
enum DTLSExtension {
    static let useSRTP: UInt16 = 14
    static let connectionIDDraft: UInt16 = 53
    static let connectionID: UInt16 = 54

    /// The `opaque cid<0..2^8-1>` of a connection_id extension; nil if malformed.
    static func connectionID(_ b: UnsafeRawBufferPointer, _ d: Int, _ len: Int) -> [UInt8]? {
        guard len >= 1, 1 &+ Int(b.u8(d)) == len else { return nil }
        return Array(UnsafeRawBufferPointer(rebasing: b[(d &+ 1)..<(d &+ len)]))
    }

    /// Reads a hello in `b` with TLS's parser `tls`, which hands over the extensions it does
    /// not read; gives the hello, where the first use_srtp's value is (offset, length) and the
    /// first connection_id. A TLS failure is a bad handshake message at its offset.
    static func hello<Hello>(_ b: UnsafeRawBufferPointer, _ tls: ((UInt16, Int, Int) -> Void) throws(TLSFailure) -> Hello)
        throws(DTLSFailure) -> (Hello, srtp: (Int, Int)?, connectionID: [UInt8]?) {
        var srtp: (Int, Int)?
        var cid: [UInt8]?
        do throws(TLSFailure) {
            let hello = try tls { type, d, len in
                switch type {
                case useSRTP: if srtp == nil { srtp = (d, len) }
                case connectionID, connectionIDDraft: if cid == nil { cid = connectionID(b, d, len) }
                default: break
                }
            }
            return (hello, srtp, cid)
        } catch {
            throw DTLSFailure(.badHandshakeMessage, at: Int(error.offset))
        }
    }
}

/// ClientHello: the TLS message as `TLSClientHello` reads it in its DTLS form (with the
/// cookie, versions counting down) plus what the DTLS extensions offer.
public struct DTLSClientHello: Sendable, Equatable {
    public var hello: TLSClientHello
    /// Protection profiles offered in use_srtp, in order (at most 16 kept).
    public var srtpProfiles: [SRTPProtectionProfile] = []
    /// The connection id the client asks to receive (connection_id extension), if offered.
    public var connectionID: [UInt8]?

    /// Parses a ClientHello body (the reassembled message after its 12-byte header).
    /// Throws at the offset where TLS's parser stopped.
    public static func parse(_ b: UnsafeRawBufferPointer) throws(DTLSFailure) -> DTLSClientHello {
        let (hello, srtp, cid) = try DTLSExtension.hello(b) { other throws(TLSFailure) in
            try TLSClientHello.parse(b, datagram: true, other: other)
        }
        var profiles: [SRTPProtectionProfile] = []
        // `SRTPProtectionProfile SRTPProtectionProfiles<2..2^16-1>` then the MKI (RFC 5764 §4.1.1).
        if let (d, len) = srtp, len >= 2, b.be16(d) & 1 == 0, 2 &+ Int(b.be16(d)) <= len {
            var i = d &+ 2
            while i < d &+ 2 &+ Int(b.be16(d)), profiles.count < 16 {
                profiles.append(SRTPProtectionProfile(rawValue: b.be16(i)))
                i &+= 2
            }
        }
        return DTLSClientHello(hello: hello, srtpProfiles: profiles, connectionID: cid)
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
    /// Throws at the offset where TLS's parser stopped.
    public static func parse(_ b: UnsafeRawBufferPointer) throws(DTLSFailure) -> DTLSServerHello {
        let (hello, srtp, cid) = try DTLSExtension.hello(b) { other throws(TLSFailure) in
            try TLSServerHello.parse(b, other: other)
        }
        var profile: SRTPProtectionProfile?
        // One profile chosen (RFC 5764 §4.1.1): list length 2, the profile, the MKI.
        if let (d, len) = srtp, len >= 4, b.be16(d) == 2 { profile = SRTPProtectionProfile(rawValue: b.be16(d &+ 2)) }
        return DTLSServerHello(hello: hello, srtpProfile: profile, connectionID: cid)
    }
}

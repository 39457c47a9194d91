/// ServerHello (RFC 5246 §7.4.1.3; RFC 8446 §4.1.3), including HelloRetryRequest.
public struct TLSServerHello: Sendable, Equatable {
    /// `legacy_version` / `server_version`.
    public var legacyVersion: TLSVersion
    /// supported_versions (43), when present: the TLS 1.3 (or later) selection.
    public var selectedVersion: TLSVersion?
    public var cipherSuite: UInt16
    public var compressionMethod: UInt8
    public var sessionIDLength: Int
    /// The random is SHA-256("HelloRetryRequest").
    public var isHelloRetryRequest = false
    /// The last 8 bytes of the random are the RFC 8446 downgrade sentinel (…01 = TLS 1.2,
    /// …00 = TLS 1.1 or lower).
    public var downgradeSentinel: UInt8?
    public var extensionCount = 0
    /// ALPN (16) protocol chosen by the server.
    public var alpn: String?

    /// The negotiated version: supported_versions when present, else `legacyVersion`.
    public var negotiatedVersion: TLSVersion { selectedVersion ?? legacyVersion }

    /// IANA name of the chosen cipher suite, or `0xNNNN`.
    public var cipherSuiteName: String { TLSCipherSuite.name(of: cipherSuite) }

    /// SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
    static let helloRetryRandom: (UInt64, UInt64, UInt64, UInt64) =
        (0xCF21_AD74_E59A_6111, 0xBE1D_8C02_1E65_B891, 0xC2A2_1116_7ABB_8C5E, 0x079E_09E2_C8A8_339C)

    /// Parses a ServerHello body (after the 4-byte handshake header). Throws where a length
    /// does not fit.
    public static func parse(_ b: UnsafeRawBufferPointer) throws(TLSFailure) -> TLSServerHello {
        try parse(b) { _, _, _ in }
    }

    /// Parses a ServerHello body (TLS's layout, which DTLS keeps). Extensions read here
    /// (supported_versions, ALPN) fill the hello; every other one is handed to
    /// `other(type, valueOffset, valueLength)`.
    static func parse(_ b: UnsafeRawBufferPointer, other: (UInt16, Int, Int) -> Void) throws(TLSFailure) -> TLSServerHello {
        let n = b.count
        guard n >= 2 + 32 + 1 else { throw TLSFailure(.truncatedHello, at: n) }
        let sid = Int(b.u8(34))
        guard sid <= 32, 35 &+ sid &+ 3 <= n else { throw TLSFailure(.badSessionID, at: 34) }
        var o = 35 &+ sid
        var hello = TLSServerHello(
            legacyVersion: TLSVersion(rawValue: b.be16(0)),
            cipherSuite: b.be16(o),
            compressionMethod: b.u8(o &+ 2),
            sessionIDLength: sid
        )
        let r = helloRetryRandom
        hello.isHelloRetryRequest = b.be64(2) == r.0 && b.be64(10) == r.1 && b.be64(18) == r.2 && b.be64(26) == r.3
        if b.be32(26) == 0x444F_574E && b.be16(30) == 0x4752 && b.u8(32) == 0x44 && b.u8(33) <= 1 {
            hello.downgradeSentinel = b.u8(33)
        }
        o &+= 3
        try TLSExtensions.walk(b, from: o) { type, d, len in
            hello.extensionCount &+= 1
            switch type {
            case 43 where len == 2:
                hello.selectedVersion = TLSVersion(rawValue: b.be16(d))
            case 16 where len >= 3:
                let l = Int(b.u8(d &+ 2))
                if l > 0, 3 &+ l <= len { hello.alpn = boundedString(b, d &+ 3, l) }
            default:
                other(type, d, len)
            }
        }
        return hello
    }
}

/// The extensions block of a hello message (RFC 8446 §4.2).
enum TLSExtensions {
    /// Calls `body(type, valueOffset, valueLength)` for each extension of the block starting
    /// at `o` (its 2-byte length first). No block at all is fine; throws at the length that
    /// runs past the message (the block's or an extension's).
    static func walk(_ b: UnsafeRawBufferPointer, from start: Int, _ body: (UInt16, Int, Int) -> Void) throws(TLSFailure) {
        let n = b.count
        var o = start
        if o == n { return }  // no extensions
        guard o &+ 2 <= n else { throw TLSFailure(.extensionOverrun, at: o) }
        let extEnd = o &+ 2 &+ Int(b.be16(o))
        guard extEnd <= n else { throw TLSFailure(.extensionOverrun, at: o) }
        o &+= 2
        while o &+ 4 <= extEnd {
            let type = b.be16(o)
            let len = Int(b.be16(o &+ 2))
            let d = o &+ 4
            guard d &+ len <= extEnd else { throw TLSFailure(.extensionOverrun, at: o &+ 2) }
            body(type, d, len)
            o = d &+ len
        }
    }
}

/// IANA names of the cipher suites commonly seen (RFC 8446 App. B.4, RFC 5246 App. A.5,
/// RFC 5288/5289, RFC 7905, RFC 4492).
public enum TLSCipherSuite {
    public static func name(of suite: UInt16) -> String {
        switch suite {
        case 0x1301: "TLS_AES_128_GCM_SHA256"
        case 0x1302: "TLS_AES_256_GCM_SHA384"
        case 0x1303: "TLS_CHACHA20_POLY1305_SHA256"
        case 0x1304: "TLS_AES_128_CCM_SHA256"
        case 0x1305: "TLS_AES_128_CCM_8_SHA256"
        case 0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
        case 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        case 0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        case 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        case 0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        case 0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        case 0xCCAA: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        case 0xC023: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"
        case 0xC024: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"
        case 0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"
        case 0xC028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"
        case 0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"
        case 0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"
        case 0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
        case 0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"
        case 0xC007: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"
        case 0xC011: "TLS_ECDHE_RSA_WITH_RC4_128_SHA"
        case 0xC012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"
        case 0xC008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"
        case 0xC010: "TLS_ECDHE_RSA_WITH_NULL_SHA"
        case 0xC006: "TLS_ECDHE_ECDSA_WITH_NULL_SHA"
        case 0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256"
        case 0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384"
        case 0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
        case 0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"
        case 0x003C: "TLS_RSA_WITH_AES_128_CBC_SHA256"
        case 0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256"
        case 0x0067: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"
        case 0x006B: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"
        case 0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA"
        case 0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA"
        case 0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"
        case 0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"
        case 0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA"
        case 0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"
        case 0x0004: "TLS_RSA_WITH_RC4_128_MD5"
        case 0x0005: "TLS_RSA_WITH_RC4_128_SHA"
        case 0x0018: "TLS_DH_anon_WITH_RC4_128_MD5"
        case 0x0001: "TLS_RSA_WITH_NULL_MD5"
        case 0x0002: "TLS_RSA_WITH_NULL_SHA"
        case 0x003B: "TLS_RSA_WITH_NULL_SHA256"
        case 0x00FF: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"
        case 0x5600: "TLS_FALLBACK_SCSV"
        default: "0x" + hex4(suite)
        }
    }
}

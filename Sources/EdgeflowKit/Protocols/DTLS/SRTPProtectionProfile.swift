/// SRTP protection profiles negotiated by the DTLS `use_srtp` extension (RFC 5764 §4.1.2,
/// RFC 7714 §14.2, RFC 8723 §10.1; IANA "DTLS-SRTP Protection Profiles").
public struct SRTPProtectionProfile: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The IANA name, or `0xNNNN`.
    public var description: String {
        switch rawValue {
        case 0x0001: "SRTP_AES128_CM_HMAC_SHA1_80"
        case 0x0002: "SRTP_AES128_CM_HMAC_SHA1_32"
        case 0x0005: "SRTP_NULL_HMAC_SHA1_80"
        case 0x0006: "SRTP_NULL_HMAC_SHA1_32"
        case 0x0007: "SRTP_AEAD_AES_128_GCM"
        case 0x0008: "SRTP_AEAD_AES_256_GCM"
        case 0x0009: "DOUBLE_AEAD_AES_128_GCM_AEAD_AES_128_GCM"
        case 0x000A: "DOUBLE_AEAD_AES_256_GCM_AEAD_AES_256_GCM"
        default: "0x" + hex4(rawValue)
        }
    }
}

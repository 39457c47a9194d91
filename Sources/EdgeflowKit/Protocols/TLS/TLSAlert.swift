/// TLS alerts (RFC 5246 §7.2; RFC 8446 §6): a type-21 record whose 2-byte body is
/// `level | description`. A longer body is an encrypted alert.
public struct TLSAlert: Sendable, BitwiseCopyable, Equatable {
    /// 1 = warning, 2 = fatal.
    public var level: UInt8
    public var description: UInt8
    /// Capture time of the record that completed it.
    public var timestamp: Int64

    public init(level: UInt8, description: UInt8, timestamp: Int64) {
        self.level = level
        self.description = description
        self.timestamp = timestamp
    }

    public var isFatal: Bool { level == 2 }

    public var levelName: String {
        switch level {
        case 1: "warning"
        case 2: "fatal"
        default: "level_\(level)"
        }
    }

    /// RFC 8446 §6 name (with the TLS 1.2-only ones of RFC 5246), or `alert_N`.
    public var name: String { TLSAlert.name(of: description) }

    public static func name(of description: UInt8) -> String {
        switch description {
        case 0: "close_notify"
        case 10: "unexpected_message"
        case 20: "bad_record_mac"
        case 21: "decryption_failed"
        case 22: "record_overflow"
        case 30: "decompression_failure"
        case 40: "handshake_failure"
        case 41: "no_certificate"
        case 42: "bad_certificate"
        case 43: "unsupported_certificate"
        case 44: "certificate_revoked"
        case 45: "certificate_expired"
        case 46: "certificate_unknown"
        case 47: "illegal_parameter"
        case 48: "unknown_ca"
        case 49: "access_denied"
        case 50: "decode_error"
        case 51: "decrypt_error"
        case 60: "export_restriction"
        case 70: "protocol_version"
        case 71: "insufficient_security"
        case 80: "internal_error"
        case 86: "inappropriate_fallback"
        case 90: "user_canceled"
        case 100: "no_renegotiation"
        case 109: "missing_extension"
        case 110: "unsupported_extension"
        case 111: "certificate_unobtainable"
        case 112: "unrecognized_name"
        case 113: "bad_certificate_status_response"
        case 114: "bad_certificate_hash_value"
        case 115: "unknown_psk_identity"
        case 116: "certificate_required"
        case 120: "no_application_protocol"
        default: "alert_\(description)"
        }
    }
}

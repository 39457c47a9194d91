/// Why a TLS handshake message body (ClientHello, ServerHello, Certificate) did not parse.
public enum TLSFailureReason: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// Fewer bytes than the version, the 32-byte random and the session id length (RFC 8446 §4.1.2).
    case truncatedHello
    /// A session id longer than 32 bytes, or one that runs past the message with what follows it.
    case badSessionID
    /// A DTLS ClientHello's cookie runs past the message with what follows it (RFC 6347 §4.2.1).
    case badCookie
    /// An odd cipher_suites length, or one that runs past the message (RFC 8446 §4.1.2).
    case badCipherSuites
    /// The compression methods run past the message.
    case compressionOverrun
    /// The extensions block, or one extension in it, runs past the message (RFC 8446 §4.2).
    case extensionOverrun
    /// A Certificate message without its request context (TLS 1.3) or its 3-byte list length
    /// (RFC 8446 §4.4.2; RFC 5246 §7.4.2).
    case truncatedCertificateList
}

/// A TLS handshake message failure: the reason and the byte offset in the message body
/// (after its handshake header) where it was found.
public typealias TLSFailure = DecodeFailure<TLSFailureReason>

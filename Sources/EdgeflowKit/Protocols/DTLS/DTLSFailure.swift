/// Why DTLS parsing of a datagram (or of one handshake message) stopped.
public enum DTLSFailureReason: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// Fewer bytes left than a record header needs (13 for DTLSPlaintext, RFC 6347 §4.1).
    case truncatedRecordHeader
    /// A DTLSPlaintext version whose major byte is not 0xFE (RFC 6347 §4.1).
    case badVersion
    /// A first byte that is neither a content type 20...25 nor a DTLS 1.3 unified header
    /// (0b001xxxxx, RFC 9147 §4).
    case unknownContentType
    /// A record's length runs past the end of the datagram.
    case recordOverrun
    /// A record carrying a connection id whose length the handshake did not show (a
    /// tls12_cid record before the hello that negotiated it, or a DTLS 1.3 header with the
    /// C bit from a side whose id is in encrypted extensions).
    case connectionIDLengthUnknown
    /// More records in one datagram than the per-datagram bound (`DTLSRecordReader.maxRecords`).
    case tooManyRecords
    /// Fewer than 12 bytes left for a handshake header (RFC 6347 §4.2.2).
    case truncatedHandshakeHeader
    /// fragment_offset + fragment_length exceeds the message length, or the fragment runs
    /// past its record.
    case badFragment
    /// A fragment disagrees with earlier fragments of the same message_seq (other type or length).
    case inconsistentFragment
    /// The message did not fit in the direction's handshake byte budget and was dropped.
    case handshakeBudgetExceeded
    /// The message was not buffered: the run's reassembly memory (`--reassembly-memory`,
    /// shared with TCP reassembly) was used up.
    case handshakeMemoryExhausted
    /// A ClientHello, HelloVerifyRequest, ServerHello or Certificate body did not parse.
    case badHandshakeMessage

    /// Name used in reports.
    public var name: String {
        switch self {
        case .truncatedRecordHeader: "truncated_record_header"
        case .badVersion: "bad_version"
        case .unknownContentType: "unknown_content_type"
        case .recordOverrun: "record_overrun"
        case .connectionIDLengthUnknown: "connection_id_length_unknown"
        case .tooManyRecords: "too_many_records"
        case .truncatedHandshakeHeader: "truncated_handshake_header"
        case .badFragment: "bad_fragment"
        case .inconsistentFragment: "inconsistent_fragment"
        case .handshakeBudgetExceeded: "handshake_budget_exceeded"
        case .handshakeMemoryExhausted: "handshake_memory_exhausted"
        case .badHandshakeMessage: "bad_handshake_message"
        }
    }
}

/// A DTLS failure: the reason and the byte offset in the datagram (or, for a handshake
/// body, in the reassembled message) where it was found.
public typealias DTLSFailure = DecodeFailure<DTLSFailureReason>

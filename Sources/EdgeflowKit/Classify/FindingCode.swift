/// What a finding is about. The raw values are the `code` strings of the report (JSON, CSV,
/// metrics labels), documented in report-schema.md.
public enum FindingCode: String, Sendable, CaseIterable {
    // A flow's verdict.
    case microsoftOutsideRanges = "microsoft_outside_ranges"
    case plaintextSIP = "plaintext_sip"
    case portViolation = "port_violation"
    // A flow on a rule that was not answered.
    case tcpRejected = "tcp_rejected"
    case tcpUnanswered = "tcp_unanswered"
    case oneWayUDP = "one_way_udp"
    case icmpRejected = "icmp_rejected"
    // TLS (Protocols/TLS/TLSFindings.swift).
    case tlsCertificateExpired = "tls_certificate_expired"
    case tlsCertificateNotYetValid = "tls_certificate_not_yet_valid"
    case tlsCertificateUnreadable = "tls_certificate_unreadable"
    case tlsClientCertificateMissing = "tls_client_certificate_missing"
    case tlsHandshakeFailed = "tls_handshake_failed"
    case tlsOldVersion = "tls_old_version"
    case tlsNameMismatch = "tls_name_mismatch"
    case tlsEdgeNameMismatch = "tls_edge_name_mismatch"
    case tlsUnexpectedPartner = "tls_unexpected_partner"
    // DTLS on media (Protocols/DTLS/DTLSFindings.swift).
    case dtlsHandshakeFailed = "dtls_handshake_failed"
    case dtlsCertificateExpired = "dtls_certificate_expired"
    case dtlsCertificateNotYetValid = "dtls_certificate_not_yet_valid"
    // STUN/TURN (Protocols/STUN/STUNFindings.swift).
    case stunUnanswered = "stun_unanswered"
    case turnAllocateFailed = "turn_allocate_failed"
    case turnAuthLoop = "turn_auth_loop"
    case natMismatch = "nat_mismatch"
    // Media (Protocols/RTP/RTPFindings.swift).
    case mediaLoss = "media_loss"
    case mediaJitter = "media_jitter"
    case oneWayMedia = "one_way_media"
    // Calls across the relay (Calls/CallFindings.swift).
    case callPoorMedia = "call_poor_media"
    case callOneWayMedia = "call_one_way_media"
    // DNS SRV (Protocols/DNS/DNSFindings.swift).
    case dnsSRVFailed = "dns_srv_failed"
    case dnsSRVUnanswered = "dns_srv_unanswered"
    case dnsSRVElsewhere = "dns_srv_elsewhere"
    // The whole input.
    case noEdgeRoles = "no_edge_roles"
    case ruleNotSeen = "rule_not_seen"
    case ruleUnanswered = "rule_unanswered"
    case ruleRepliesOnly = "rule_replies_only"
    case udpBlockedTCPFallback = "udp_blocked_tcp_fallback"
    case undeclaredEdge = "undeclared_edge"
    case roleInferred = "role_inferred"
    case office365RangesAfterCapture = "office365_ranges_after_capture"
    case limitReached = "limit_reached"

    /// The severity of a finding of this code. `critical` matters only to the codes whose
    /// severity depends on the case: an error when the flow is on a hybrid rule (or, for
    /// `icmp_rejected`, on a rule of the hybrid table) or the SRV name is federation's, a
    /// warning otherwise. A failed DTLS handshake is an error as a failed TLS handshake is (with
    /// the A/V Edge or Office 365 or not); a DTLS certificate out of date is a warning, media
    /// peers commonly checking only its fingerprint.
    public func severity(critical: Bool = false) -> Finding.Severity {
        switch self {
        case .tcpRejected, .tcpUnanswered, .icmpRejected, .dnsSRVFailed:
            critical ? .error : .warning
        case .microsoftOutsideRanges, .plaintextSIP, .portViolation, .tlsCertificateExpired, .tlsCertificateNotYetValid,
             .tlsClientCertificateMissing, .tlsHandshakeFailed, .dtlsHandshakeFailed, .stunUnanswered, .turnAllocateFailed,
             .turnAuthLoop, .ruleUnanswered, .udpBlockedTCPFallback:
            .error
        case .oneWayUDP, .tlsCertificateUnreadable, .tlsOldVersion, .tlsNameMismatch, .tlsEdgeNameMismatch, .tlsUnexpectedPartner,
             .dtlsCertificateExpired, .dtlsCertificateNotYetValid, .natMismatch, .mediaLoss, .mediaJitter, .oneWayMedia,
             .callPoorMedia, .callOneWayMedia,
             .dnsSRVUnanswered, .dnsSRVElsewhere, .noEdgeRoles, .ruleNotSeen, .undeclaredEdge, .office365RangesAfterCapture, .limitReached:
            .warning
        case .ruleRepliesOnly, .roleInferred:
            .info
        }
    }
}

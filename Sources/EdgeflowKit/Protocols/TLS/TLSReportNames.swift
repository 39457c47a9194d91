/// Report names of TLS facts that the `tls` and `dtls` objects share.

extension TLSClientCertificateStatus {
    /// Name used in reports (`client_cert`).
    public var name: String {
        switch self {
        case .absent: "absent"
        case .empty: "empty"
        case .present: "present"
        case .encrypted: "encrypted"
        }
    }
}

extension TLSOutcome {
    /// Name used in reports (`handshake`).
    public var name: String {
        switch self {
        case .complete: "complete"
        case .failed: "failed"
        case .incomplete: "incomplete"
        case .notCaptured: "not_captured"
        }
    }
}

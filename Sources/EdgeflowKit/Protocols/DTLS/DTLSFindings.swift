/// Findings about a flow's DTLS: typed facts first, their words (`message`) in one place.

/// What was found.
public enum DTLSFindingCode: String, Sendable, CaseIterable {
    /// The handshake ended with an alert before both sides finished.
    case handshakeFailed = "dtls_handshake_failed"
    /// A certificate of the chain had expired when it was captured.
    case certificateExpired = "dtls_certificate_expired"
    /// A certificate of the chain was not valid yet when it was captured.
    case certificateNotYetValid = "dtls_certificate_not_yet_valid"
}

/// One finding about one flow.
public struct DTLSFinding: Sendable, Equatable {
    public var code: DTLSFindingCode
    /// The alert behind a failed handshake, if one was in clear.
    public var alert: UInt8?
    /// Subject and validity bound of the certificate concerned.
    public var subject: String?
    /// notAfter for an expired certificate, notBefore for one not valid yet (ns since the epoch).
    public var bound: Int64?

    /// `error` for a failed handshake and an expired certificate, `warning` otherwise.
    public var isError: Bool { code != .certificateNotYetValid }

    /// The sentence for the report.
    public var message: String {
        switch code {
        case .handshakeFailed:
            if let a = alert { return "DTLS handshake failed with alert \(TLSAlert.name(of: a)): media keys were not agreed" }
            return "DTLS handshake failed with an encrypted alert: media keys were not agreed"
        case .certificateExpired:
            return "DTLS certificate on media had expired when captured: \(subject ?? "unknown subject")"
        case .certificateNotYetValid:
            return "DTLS certificate on media was not valid yet when captured: \(subject ?? "unknown subject")"
        }
    }

    /// The findings a flow's DTLS shows.
    public static func of(_ r: DTLSReport) -> [DTLSFinding] {
        var out: [DTLSFinding] = []
        if r.outcome == .failed {
            let alert = [r.origAlert, r.respAlert].compactMap { $0 }.first { $0.isFatal }
            out.append(DTLSFinding(code: .handshakeFailed, alert: alert?.description))
        }
        for (chain, at) in [(r.server, r.serverSeenAt), (r.client, r.clientSeenAt)] {
            for c in chain {
                if c.expiredAtCapture(at) {
                    out.append(DTLSFinding(code: .certificateExpired, subject: c.subject, bound: c.notAfter))
                } else if c.notYetValid(at) {
                    out.append(DTLSFinding(code: .certificateNotYetValid, subject: c.subject, bound: c.notBefore))
                }
            }
        }
        return out
    }
}

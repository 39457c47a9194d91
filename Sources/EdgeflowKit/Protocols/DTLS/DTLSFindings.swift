/// What a flow's DTLS (the key exchange of its SRTP media) showed wrong: a handshake that
/// failed, and a leaf certificate out of its validity at capture time.
enum DTLSFinding: FlowFindingFact, Equatable {
    /// The handshake ended with a fatal alert before both sides finished: `alert` is the
    /// earliest fatal alert in clear, sent by the responder when `fromResponder`; both nil
    /// when the alerts were encrypted.
    case handshakeFailed(alert: TLSAlert?, fromResponder: Bool?)
    /// The leaf certificate a side sent (`fromOriginator`: the flow's originator) had expired
    /// at capture time; `notAfter` is nil when its validity could not be read.
    case certificateExpired(subject: String, notAfter: Int64?, fromOriginator: Bool)
    case certificateNotYetValid(subject: String, notBefore: Int64, fromOriginator: Bool)

    var code: FindingCode {
        switch self {
        case .handshakeFailed: .dtlsHandshakeFailed
        case .certificateExpired: .dtlsCertificateExpired
        case .certificateNotYetValid: .dtlsCertificateNotYetValid
        }
    }

    /// The findings of the flow's DTLS `r`, in report order: the handshake, then the
    /// server's leaf certificate, then the client's.
    static func check(_ r: DTLSReport, _ emit: (DTLSFinding) -> Void) {
        if r.outcome == .failed {
            let fatal = [(r.origAlert, false), (r.respAlert, true)].compactMap { a, fromResponder in
                a.flatMap { $0.isFatal ? ($0, fromResponder) : nil }
            }
            let first = fatal.min { $0.0.timestamp < $1.0.timestamp }
            emit(.handshakeFailed(alert: first?.0, fromResponder: first?.1))
        }
        for fromServer in [true, false] {
            guard let leaf = fromServer ? r.server.first : r.client.first else { continue }
            let seenAt = fromServer ? r.serverSeenAt : r.clientSeenAt
            // The side that sent the ServerHello is the server; without one, the responder.
            let fromOriginator = (r.serverIsOriginator ?? false) == fromServer
            if leaf.expiredAtCapture(seenAt) {
                emit(.certificateExpired(subject: leaf.subject, notAfter: leaf.hasValidity ? leaf.notAfter : nil,
                                         fromOriginator: fromOriginator))
            } else if leaf.notYetValid(seenAt) {
                emit(.certificateNotYetValid(subject: leaf.subject, notBefore: leaf.notBefore, fromOriginator: fromOriginator))
            }
        }
    }
}

// MARK: - Words

extension DTLSFinding {
    func message(_ e: FlowEnds) -> String {
        switch self {
        case .handshakeFailed(let alert?, let fromResponder?):
            "DTLS handshake on media failed with alert \(alert.name) from \(fromResponder ? e.respRole.named : e.origRole.named): "
                + "no SRTP keys were agreed, so no media can flow:"
        case .handshakeFailed:
            "DTLS handshake on media failed with an encrypted alert: no SRTP keys were agreed, so no media can flow:"
        case .certificateExpired(let subject, let notAfter, _):
            "DTLS certificate \(subject) on media expired on \(notAfter.map { TimeFormat.date($0) } ?? "?"), before the capture; "
                + "peers that check its dates refuse it: renew it. Sent by"
        case .certificateNotYetValid(let subject, let notBefore, _):
            "DTLS certificate \(subject) on media is valid only from \(TimeFormat.date(notBefore)) (check the clocks). Sent by"
        }
    }

    func subject(_ e: FlowEnds) -> String? {
        switch self {
        case .handshakeFailed:
            e.endpoints
        case .certificateExpired(_, _, let fromOriginator), .certificateNotYetValid(_, _, let fromOriginator):
            fromOriginator ? "\(e.origRole.title) \(e.orig.address.text(port: e.orig.port))" : e.server
        }
    }
}

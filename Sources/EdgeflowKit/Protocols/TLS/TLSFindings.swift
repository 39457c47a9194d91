/// What a flow's TLS handshake showed wrong: certificates out of date, unreadable, missing or
/// naming another host, failed handshakes and old versions.
enum TLSFinding: FlowFindingFact, Equatable {
    /// The leaf certificate a side sent (`fromServer`: the responder) had expired at capture
    /// time; `notAfter` is nil when its validity could not be read.
    case certificateExpired(subject: String, notAfter: Int64?, fromServer: Bool)
    case certificateNotYetValid(subject: String, notBefore: Int64, fromServer: Bool)
    case certificateUnreadable(error: String, fromServer: Bool)
    /// The server asked for a client certificate and got none.
    case clientCertificateMissing
    /// The handshake failed with `alert`, sent by the responder when `fromResponder`.
    case handshakeFailed(alert: TLSAlert, fromResponder: Bool)
    /// A version before TLS 1.2 was negotiated.
    case oldVersion(TLSVersion)
    /// The server certificate (`certificate`: its subject) does not cover the SNI.
    case nameMismatch(certificate: String, sni: String)
    /// The Access Edge's certificate covers none of its configured `names`.
    case edgeNameMismatch(certificate: String, names: [String], fromServer: Bool)
    /// Office 365 on 5061 presented a certificate not for sipfed.online.lync.com.
    case unexpectedPartner(certificate: String)

    var code: FindingCode {
        switch self {
        case .certificateExpired: .tlsCertificateExpired
        case .certificateNotYetValid: .tlsCertificateNotYetValid
        case .certificateUnreadable: .tlsCertificateUnreadable
        case .clientCertificateMissing: .tlsClientCertificateMissing
        case .handshakeFailed: .tlsHandshakeFailed
        case .oldVersion: .tlsOldVersion
        case .nameMismatch: .tlsNameMismatch
        case .edgeNameMismatch: .tlsEdgeNameMismatch
        case .unexpectedPartner: .tlsUnexpectedPartner
        }
    }

    /// The findings of handshake `t` on a flow between `ends`, in report order. `accessEdgeNames`:
    /// the Access Edge's configured external names, which its own certificate must cover.
    /// Each leaf is read where it lies in its chain (`chain[0]`): bound to a name, a summary
    /// (some strings and arrays) was copied and destroyed, three times a flow.
    static func check(_ t: AppReport.TLS, _ ends: FlowEnds, accessEdgeNames names: [String], _ emit: (TLSFinding) -> Void) {
        for fromServer in [true, false] {
            let chain = fromServer ? t.server : t.client
            guard !chain.isEmpty else { continue }
            let seenAt = fromServer ? t.serverSeenAt : t.clientSeenAt
            if chain[0].expiredAtCapture(seenAt) {
                emit(.certificateExpired(subject: chain[0].subject, notAfter: chain[0].hasValidity ? chain[0].notAfter : nil, fromServer: fromServer))
            } else if chain[0].notYetValid(seenAt) {
                emit(.certificateNotYetValid(subject: chain[0].subject, notBefore: chain[0].notBefore, fromServer: fromServer))
            }
            if let error = chain[0].parseError { emit(.certificateUnreadable(error: error, fromServer: fromServer)) }
        }
        if t.certificateRequested, t.clientCertificate == .absent || t.clientCertificate == .empty, t.serverHelloSeen,
           t.clientKeyExchangeSent || t.clientCertificate == .empty || (t.outcome == .failed && t.respAlert != nil) {
            emit(.clientCertificateMissing)
        }
        if t.outcome == .failed, let alert = t.respAlert ?? t.origAlert {
            emit(.handshakeFailed(alert: alert, fromResponder: t.respAlert != nil))
        }
        if let v = t.version, v.rawValue < 0x0303, v.rawValue >= 0x0300 { emit(.oldVersion(v)) }
        let server = t.server
        if let sni = t.sni, !server.isEmpty, server[0].parseError == nil || !server[0].dnsNames.isEmpty,
           !covers(dnsNames: server[0].dnsNames, commonName: server[0].commonName, sni) {
            emit(.nameMismatch(certificate: server[0].subject, sni: sni))
        }
        // The Access Edge's own certificate must carry its configured external name.
        if !names.isEmpty {
            let own = ends.respRole == .accessEdge ? server : ends.origRole == .accessEdge ? t.client : []
            if !own.isEmpty, own[0].parseError == nil,
               !names.contains(where: { covers(dnsNames: own[0].dnsNames, commonName: own[0].commonName, $0) }) {
                emit(.edgeNameMismatch(certificate: own[0].subject, names: names, fromServer: ends.respRole == .accessEdge))
            }
        }
        if ends.respRole == .office365, !server.isEmpty, server[0].parseError == nil, ends.resp.port == 5061,
           !covers(dnsNames: server[0].dnsNames, commonName: server[0].commonName, "sipfed.online.lync.com") {
            emit(.unexpectedPartner(certificate: server[0].subject))
        }
    }

    /// Whether a certificate covers `name` with its SAN DNS names (`dnsNames`), else its common
    /// name, with RFC 6125 left-most wildcards. Given the leaf's two fields where it lies in its
    /// chain (bound to a name or passed whole, a summary was copied and destroyed each call);
    /// `name`'s bytes are read once, and compared with each ASCII pattern without a lower-cased copy.
    static func covers(dnsNames: [String], commonName: String?, _ name: String) -> Bool {
        var text = name
        return text.withUTF8 { n in
            let ascii = isASCII(n)
            func one(_ pattern: String) -> Bool {
                if ascii, let covered = asciiCovers(pattern, n) { return covered }
                // Other text: compared lower-cased as Unicode text.
                let p = pattern.lowercased(), lowered = name.lowercased()
                if p == lowered { return true }
                guard p.hasPrefix("*."), let dot = lowered.firstIndex(of: ".") else { return false }
                return lowered[dot...] == p.dropFirst()
            }
            guard !dnsNames.isEmpty else { return commonName.map(one) ?? false }
            return dnsNames.contains(where: one)
        }
    }

    /// `covers` for one pattern and an ASCII name `n` when the pattern is ASCII too (every
    /// certificate name edgeflow has seen); nil for another pattern.
    private static func asciiCovers(_ pattern: String, _ n: UnsafeBufferPointer<UInt8>) -> Bool? {
        var pattern = pattern
        return pattern.withUTF8 { p -> Bool? in
            guard isASCII(p) else { return nil }
            if same(p, n) { return true }
            guard p.count >= 2, p[0] == 0x2A, p[1] == 0x2E, let dot = n.firstIndex(of: 0x2E) else { return false }
            return same(UnsafeBufferPointer(rebasing: n[dot...]), UnsafeBufferPointer(rebasing: p[1...]))
        }
    }

    /// Whether every byte of `u` is ASCII (one OR over them all).
    private static func isASCII(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        var bits: UInt8 = 0
        for b in u { bits |= b }
        return bits < 0x80
    }

    /// Whether ASCII texts `a` and `b` are equal but for case: eight bytes at a time, the last
    /// eight overlapping the ones before; byte by byte below eight.
    private static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        let n = a.count
        guard n >= 8, let x = a.baseAddress, let y = b.baseAddress else {
            for i in 0..<n where lower(a[i]) != lower(b[i]) { return false }
            return true
        }
        func word(_ p: UnsafePointer<UInt8>, _ at: Int) -> UInt64 { lower(UnsafeRawPointer(p + at).loadUnaligned(as: UInt64.self)) }
        var i = 0
        while i < n &- 8 {
            if word(x, i) != word(y, i) { return false }
            i &+= 8
        }
        return word(x, n &- 8) == word(y, n &- 8)
    }

    @inline(__always)
    private static func lower(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

    /// The eight ASCII bytes of `w` with `A`-`Z` made lower case: a byte below 0x80 plus 0x3F
    /// reaches 0x80 from `A` (0x41) on, plus 0x25 from past `Z` (0x5B) on, with no carry out.
    @inline(__always)
    private static func lower(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let upper = (w &+ ones &* 0x3F) & ~(w &+ ones &* 0x25) & (ones &* 0x80)
        return w | upper >> 2
    }
}

// MARK: - Words

extension TLSFinding {
    func message(_ e: FlowEnds) -> String {
        switch self {
        case .certificateExpired(let subject, let notAfter, _):
            "certificate \(subject) expired on \(notAfter.map { TimeFormat.date($0) } ?? "?"), before the capture; peers refuse it: renew it. Sent by"
        case .certificateNotYetValid(let subject, let notBefore, _):
            "certificate \(subject) is valid only from \(TimeFormat.date(notBefore)) (check the clocks). Sent by"
        case .certificateUnreadable(let error, _):
            "a certificate could not be parsed (\(error)). Sent by"
        case .clientCertificateMissing:
            "the server asked for a client certificate and the client sent none (mutual TLS on 5061 needs one):"
        case .handshakeFailed(let alert, let fromResponder):
            "TLS handshake failed with alert \(alert.name) from \(fromResponder ? e.respRole.named : e.origRole.named):"
        case .oldVersion(let v):
            "\(v.description) negotiated; Office 365 and current Edge servers require TLS 1.2 or later:"
        case .nameMismatch(let certificate, let sni):
            "the server certificate (\(certificate)) does not cover the name asked for (SNI \(sni)):"
        case .edgeNameMismatch(let certificate, let names, _):
            "the Access Edge's certificate (\(certificate)) covers none of its configured names (\(names.joined(separator: ", "))). Sent by"
        case .unexpectedPartner(let certificate):
            "the Office 365 side of 5061 presented \(certificate), not a certificate for sipfed.online.lync.com:"
        }
    }

    func subject(_ e: FlowEnds) -> String? {
        switch self {
        case .certificateExpired(_, _, let fromServer), .certificateNotYetValid(_, _, let fromServer),
             .certificateUnreadable(_, let fromServer), .edgeNameMismatch(_, _, let fromServer):
            fromServer ? e.server : e.client
        case .clientCertificateMissing, .handshakeFailed, .oldVersion:
            "\(e.client) → \(e.server)"
        case .nameMismatch, .unexpectedPartner:
            e.server
        }
    }
}

import Foundation
@testable import EdgeflowKit

/// Fixture files written by Scripts/make_fixtures.py from tshark output.
enum Fixtures {
    /// Tests/EdgeflowKitTests/Fixtures, shared by every protocol's tests.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Segment {
        var direction: StreamDirection
        var timestamp: Int64
        var seq: UInt32
        var syn: Bool
        var payload: [UInt8]
    }

    static func lines(_ name: String) -> [Substring] {
        let text = try! String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        return text.split(separator: "\n")
    }

    /// `NAME.segments.txt`: TCP segments in capture order.
    static func segments(_ name: String) -> [Segment] {
        lines("\(name).segments.txt").map { line in
            let f = line.split(separator: " ")
            return Segment(direction: f[0] == "o" ? .orig : .resp, timestamp: Int64(f[1])!, seq: UInt32(f[2])!,
                           syn: f[3] == "1", payload: f[4] == "-" ? [] : hex(f[4]))
        }
    }

    /// `NAME.follow.txt`: tshark's reassembled stream per direction, concatenated.
    static func follow(_ name: String) -> (orig: [UInt8], resp: [UInt8]) {
        var o: [UInt8] = [], r: [UInt8] = []
        for line in lines("\(name).follow.txt") {
            let f = line.split(separator: " ")
            if f[0] == "o" { o += hex(f[1]) } else { r += hex(f[1]) }
        }
        return (o, r)
    }

    /// `NAME.udp.txt`: (frame number, UDP payload).
    static func datagrams(_ name: String) -> [(frame: Int, payload: [UInt8])] {
        lines("\(name).udp.txt").map { line in
            let f = line.split(separator: " ")
            return (Int(f[0])!, hex(f[1]))
        }
    }

    static func hex<S: StringProtocol>(_ s: S) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count / 2)
        var hi: UInt8? = nil
        for c in s.utf8 {
            let v: UInt8 = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return out
    }
}

/// Feeds one segment to a direction's reassembler and drains it into the session.
func pump(_ r: inout StreamReassembler, _ session: inout TLSSession, _ seg: Fixtures.Segment) {
    seg.payload.withUnsafeBytes { r.add(seq: seg.seq, payload: $0, syn: seg.syn) }
    drain(&r, &session, seg.direction, seg.timestamp)
}

func drain(_ r: inout StreamReassembler, _ session: inout TLSSession, _ d: StreamDirection, _ ts: Int64) {
    guard r.state != .stopped else { return }
    let used = r.withContiguous { session.feed(direction: d, bytes: $0, timestamp: ts) }
    r.consume(used)
    if !session.wantsBytes(d) { r.stop() }
}

/// Runs segments through two reassemblers and a TLS session.
func runTLS(_ segments: [Fixtures.Segment], budget: Int = StreamReassembler.defaultBudget) -> TLSSession {
    var session = TLSSession()
    var o = StreamReassembler(budget: budget)
    var r = StreamReassembler(budget: budget)
    for seg in segments {
        if seg.direction == .orig { pump(&o, &session, seg) } else { pump(&r, &session, seg) }
    }
    return session
}

/// Re-cuts every segment into random pieces, swaps some neighbours, repeats some pieces
/// (whole or overlapping), and shifts both ISNs by `isnShift` (to cross 2^32).
func resegment(_ segments: [Fixtures.Segment], seed: UInt64, isnShift: (UInt32, UInt32)) -> [Fixtures.Segment] {
    var rng = SplitMix64(seed: seed)
    var out: [Fixtures.Segment] = []
    // Without a SYN the first piece seen sets the stream start, so that one stays first.
    var started: Set<UInt8> = []
    for seg in segments {
        if seg.syn { started.insert(seg.direction.rawValue) }
        let shift = seg.direction == .orig ? isnShift.0 : isnShift.1
        let seq = seg.seq &+ shift
        if seg.payload.isEmpty { out.append(Fixtures.Segment(direction: seg.direction, timestamp: seg.timestamp, seq: seq, syn: seg.syn, payload: [])); continue }
        let dataSeq = seg.syn ? seq &+ 1 : seq
        var pieces: [Fixtures.Segment] = []
        var i = 0
        while i < seg.payload.count {
            let n = min(seg.payload.count - i, Int.random(in: 1...700, using: &rng))
            pieces.append(Fixtures.Segment(direction: seg.direction, timestamp: seg.timestamp, seq: dataSeq &+ UInt32(i), syn: false,
                                           payload: Array(seg.payload[i..<(i + n)])))
            i += n
        }
        var k = started.contains(seg.direction.rawValue) ? 0 : 1
        started.insert(seg.direction.rawValue)
        while k + 1 < pieces.count {
            if Int.random(in: 0..<4, using: &rng) == 0 { pieces.swapAt(k, k + 1); k += 2 } else { k += 1 }
        }
        var withRepeats: [Fixtures.Segment] = []
        for (j, p) in pieces.enumerated() {
            withRepeats.append(p)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0:
                withRepeats.append(p)  // exact retransmission
            case 1 where j + 1 < pieces.count && pieces[j + 1].seq == p.seq &+ UInt32(p.payload.count):
                // Overlap: the tail of this piece plus the head of the next, with garbage where
                // the first copy must win.
                let held = min(3, p.payload.count)
                let bytes = Array(p.payload.suffix(held)).map { $0 ^ 0xFF } + Array(pieces[j + 1].payload.prefix(2))
                let start = p.seq &+ UInt32(p.payload.count - held)
                withRepeats.append(Fixtures.Segment(direction: p.direction, timestamp: p.timestamp, seq: start, syn: false, payload: bytes))
            default:
                break
            }
        }
        out.append(contentsOf: withRepeats)
    }
    return out
}

/// The facts a TLS test compares, as one string (for the segmentation-independence check).
func snapshot(_ s: TLSSession) -> String {
    var parts: [String] = []
    parts.append("sni=\(s.clientHello?.serverName ?? "-") alpn=\(s.clientHello?.alpnFirst ?? "-") suites=\(s.clientHello?.cipherSuiteCount ?? -1)")
    parts.append("version=\(s.negotiatedVersion?.description ?? "-") cipher=\(s.serverHello?.cipherSuiteName ?? "-") hrr=\(s.helloRetryRequest)")
    parts.append("server=\(s.serverCertificates?.ranges.map { $0.count } ?? []) client=\(s.clientCertificates?.ranges.map { $0.count } ?? [])")
    parts.append("req=\(s.certificateRequested) cas=\(s.certificateRequestCANames ?? -1) clientCert=\(s.clientCertificate)")
    for side in [s.orig, s.resp] {
        parts.append("rec=\(side.records) hs=\(side.handshakeRecords) enc=\(side.encryptedHandshakeRecords) ccs=\(side.changeCipherSpecRecords) app=\(side.applicationDataRecords) alerts=\(side.clearAlerts)/\(side.encryptedAlerts) first=\(side.firstAlert.map { "\($0.level):\($0.description)" } ?? "-") types=\(side.handshakeTypes.types) fin=\(side.finishedTimestamp ?? -1) mal=\(side.malformation.map { "\($0)" } ?? "-")")
    }
    parts.append("outcome=\(s.outcome) duration=\(s.handshakeDuration ?? -1)")
    return parts.joined(separator: "\n")
}

extension Fixtures {
    /// `NAME.tshark.txt`: tshark's field values, one row per frame, by column name.
    static func tshark(_ name: String) -> [[String: String]] {
        let all = lines("\(name).tshark.txt")
        let header = all[0].dropFirst().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return all.dropFirst().map { line in
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var row: [String: String] = [:]
            for (i, h) in header.enumerated() { row[h] = i < cols.count ? cols[i] : "" }
            return row
        }
    }
}

import Foundation
@testable import EdgeflowKit

/// One DTLS datagram of a capture: frame number, sender ("ip:port"), time, UDP payload.
struct DTLSDatagram {
    var frame: Int
    var sender: String
    var timestamp: Int64
    var payload: [UInt8]
}

/// tshark's view of a DTLS capture (`NAME.dtls.tshark.txt`, written by Scripts/make_dtls_fixtures.sh).
struct TsharkDTLS {
    struct Frame {
        var frame: Int
        var sender: String
        var contentTypes: [Int]
        var handshakeTypes: [Int]
        var handshakeVersions: [UInt16]
        var cipherSuites: [UInt16]
        /// supported_versions (DTLS 1.3 hellos): the version really offered or chosen.
        var supportedVersions: [UInt16]
        var srtpProfiles: [UInt16]
        var alertLevels: [Int]
        var alertDescriptions: [Int]
        /// Record types tshark shows apart from content_type: 25 for RFC 9146 tls12_cid.
        var specialTypes: [Int]
        /// The connection id of each tls12_cid record, and the one a hello's extension asks for.
        var recordConnectionIDs: [String]
        var helloConnectionIDs: [String]
    }
    struct Certificate {
        var frame: Int
        var sender: String
        var sha256: String
        var subject: String
        var issuer: String
    }
    var frames: [Frame] = []
    var certificates: [Certificate] = []

    init(_ name: String) {
        func ints(_ s: Substring) -> [Int] { s.split(separator: ",").map { Int($0.hasPrefix("0x") ? $0.dropFirst(2) : $0, radix: $0.hasPrefix("0x") ? 16 : 10)! } }
        for line in Fixtures.lines("\(name).dtls.tshark.txt") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            if f[0] == "f" {
                frames.append(Frame(frame: Int(f[1])!, sender: "\(f[2]):\(f[3])", contentTypes: ints(f[4]),
                                    handshakeTypes: ints(f[6]), handshakeVersions: ints(f[7]).map(UInt16.init),
                                    cipherSuites: ints(f[8]).map(UInt16.init), supportedVersions: ints(f[12]).map(UInt16.init),
                                    srtpProfiles: ints(f[9]).map(UInt16.init),
                                    alertLevels: ints(f[10]), alertDescriptions: ints(f[11]), specialTypes: ints(f[13]),
                                    recordConnectionIDs: f[14].split(separator: ",").map(String.init),
                                    helloConnectionIDs: f[15].split(separator: ",").map(String.init)))
            } else {
                certificates.append(Certificate(frame: Int(f[1])!, sender: String(f[2]), sha256: String(f[3]),
                                                subject: String(f[4]), issuer: String(f[5])))
            }
        }
    }

    /// The frame with the ServerHello (the first one).
    var serverHello: Frame { frames.first { $0.handshakeTypes.contains(2) }! }
    /// The sender of the first DTLS frame: the flow's originator.
    var originator: String { frames[0].sender }
    /// Distinct certificates sent by `sender` ("ip:port"), in the order first sent.
    func chain(from sender: String) -> [Certificate] {
        let bySender = Dictionary(uniqueKeysWithValues: frames.map { ($0.frame, $0.sender) })
        var seen = Set<String>()
        return certificates.filter { bySender[$0.frame] == sender && seen.insert($0.sha256).inserted }
    }
    /// Alerts in clear, per sender.
    func clearAlerts(from sender: String) -> [(level: Int, description: Int)] {
        frames.filter { $0.sender == sender }.flatMap { f in zip(f.alertLevels, f.alertDescriptions).map { ($0, $1) } }
    }
    /// Alert records tshark could not read (encrypted).
    var encryptedAlerts: Int {
        frames.reduce(0) { $0 + $1.contentTypes.filter { $0 == 21 }.count - $1.alertLevels.count }
    }
    /// application_data records, and tls12_cid records (their real type is encrypted).
    var applicationDataRecords: Int {
        frames.reduce(0) { $0 + $1.contentTypes.filter { $0 == 23 }.count + $1.specialTypes.filter { $0 == 25 }.count }
    }
    /// Frames tshark 4.0 shows as DTLS with no record: it does not dissect RFC 9147 unified
    /// headers (first bits 001).
    var framesWithoutRecords: Set<Int> { Set(frames.filter { $0.contentTypes.isEmpty && $0.specialTypes.isEmpty }.map(\.frame)) }
}

enum DTLSCaptures {
    static let directory = repositoryRoot + "/Captures/dtls/"

    /// The UDP datagrams of `path` whose first byte RFC 7983 gives to DTLS (20...63).
    static func datagrams(_ path: String) throws -> [DTLSDatagram] {
        var reader = try MappedCaptureReader(path: path)
        var out: [DTLSDatagram] = []
        while let p = reader.next() {
            let d = PacketDecoder.decode(p.bytes, originalLength: p.originalLength, linkType: p.linkType)
            guard d.kind == .transport, d.proto == 17 else { continue }
            let payload = d.capturedPayload(in: p.bytes)
            guard let first = payload.first, (20...63).contains(first) else { continue }
            out.append(DTLSDatagram(frame: p.number, sender: "\(d.src.text):\(d.srcPort)", timestamp: p.timestamp,
                                    payload: Array(payload)))
        }
        return out
    }

    /// The nDPI capture's DTLS datagrams from its `.dtls.udp.txt` fixture, senders from tshark.
    static func fixtureDatagrams(_ name: String, _ tshark: TsharkDTLS) -> [DTLSDatagram] {
        let senders = Dictionary(uniqueKeysWithValues: tshark.frames.map { ($0.frame, $0.sender) })
        return Fixtures.datagrams("\(name).dtls").map {
            DTLSDatagram(frame: $0.frame, sender: senders[$0.frame]!, timestamp: Int64($0.frame) * 1_000_000, payload: $0.payload)
        }
    }

    /// Runs datagrams through one flow state; the first datagram's sender is the originator.
    static func run(_ datagrams: [DTLSDatagram]) -> DTLSFlowState {
        var state = DTLSFlowState()
        guard let originator = datagrams.first?.sender else { return state }
        for d in datagrams {
            d.payload.withUnsafeBytes { state.datagram($0, fromOriginator: d.sender == originator, timestamp: d.timestamp) }
        }
        return state
    }

    static func report(_ state: DTLSFlowState, firstTimestamp: Int64 = 0) -> DTLSReport {
        DTLSReport(state, firstTimestamp: firstTimestamp, certificates: CertificateCache())
    }
}

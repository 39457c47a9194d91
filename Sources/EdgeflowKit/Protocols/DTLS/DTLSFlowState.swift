/// Per-flow DTLS state: consumes the datagrams that RFC 7983 sends to DTLS (first byte
/// 20...63), reassembles the handshake in clear, and keeps what the report needs.
///
/// Work per datagram is bounded (`DTLSRecordReader.maxRecords` records); handshake buffering
/// is bounded per direction (`DTLSHandshakeAssembler.budget`). After the handshake a
/// datagram costs a header read and a counter: no allocation.
public struct DTLSFlowState: Sendable {
    public private(set) var orig = DTLSDirection()
    public private(set) var resp = DTLSDirection()
    /// The last ClientHello (the one with the cookie, after a HelloVerifyRequest).
    public private(set) var clientHello: DTLSClientHello?
    public private(set) var serverHello: DTLSServerHello?
    public private(set) var helloVerifyRequest: DTLSHelloVerifyRequest?
    /// Which side sent the ClientHello / ServerHello (the flow's originator or not).
    public private(set) var clientIsOriginator: Bool?
    public private(set) var serverIsOriginator: Bool?
    public private(set) var serverCertificates: TLSCertificateList?
    public private(set) var clientCertificates: TLSCertificateList?
    public private(set) var certificateRequested = false
    /// Time of the first ClientHello.
    public private(set) var clientHelloAt: Int64?
    /// Time at which both sides had finished (see `outcome`).
    public private(set) var completedAt: Int64?
    /// Bytes the handshake buffers may still grow by: what the run's reassembly memory leaves,
    /// set by the dispatcher before each datagram (unbounded when the state is used alone).
    var memoryAllowance = Int.max

    public init() {}

    /// Takes the payload of one UDP datagram sent by the flow's originator or responder.
    public mutating func datagram(_ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64) {
        // The direction is moved out while it is worked on, so that it and the flow-wide
        // fields can both be mutated without a copy (empty arrays do not allocate).
        var d = DTLSDirection()
        if fromOriginator { swap(&d, &orig) } else { swap(&d, &resp) }
        var o = 0
        var count = 0
        while o < p.count {
            guard count < DTLSRecordReader.maxRecords else { d.fail(DTLSFailure(.tooManyRecords, at: o)); break }
            count &+= 1
            let record: DTLSRecord
            do throws(DTLSFailure) {
                record = try DTLSRecordReader.read(p, at: o, connectionIDLength: d.connectionIDLength)
            } catch {
                d.fail(error)
                break
            }
            o = record.body.upperBound
            d.records &+= 1
            if record.isEncrypted {
                protected(record, &d, timestamp)
            } else {
                clear(record, p, &d, fromOriginator: fromOriginator, timestamp: timestamp)
            }
        }
        if fromOriginator { swap(&d, &orig) } else { swap(&d, &resp) }
        if completedAt == nil, orig.finishedAt != nil, resp.finishedAt != nil, serverHello != nil || clientHello != nil {
            completedAt = timestamp
        }
    }

    private mutating func protected(_ r: DTLSRecord, _ d: inout DTLSDirection, _ timestamp: Int64) {
        switch r.contentType {
        case TLSContentType.alert.rawValue:
            d.encryptedAlerts &+= 1
        case TLSContentType.handshake.rawValue:
            d.encryptedHandshakeRecords &+= 1
            if d.finishedAt == nil { d.finishedAt = timestamp }
        case TLSContentType.applicationData.rawValue:
            d.applicationDataRecords &+= 1
            if d.finishedAt == nil { d.finishedAt = timestamp }
        case TLSContentType.tls12CID.rawValue:
            d.applicationDataRecords &+= 1
            if d.finishedAt == nil { d.finishedAt = timestamp }
        default:
            // DTLS 1.3 unified header (RFC 9147 §4, §6.1): only the epoch's two low bits show.
            // Epoch 2 carries the encrypted handshake (Finished, and alerts, which cannot be told
            // apart), epoch 1 early data; epoch 3 is the first application epoch, so a side has
            // finished only once it sends there. After it, bits 0 and 1 are epochs 4 and 5
            // (key updates): data too; bits 2 stay ambiguous (epoch 2 or 6) and are not counted.
            let bits = r.epoch
            if r.isUnified, bits == 3 || (d.finishedAt != nil && bits != 2) {
                d.applicationDataRecords &+= 1
                if d.finishedAt == nil { d.finishedAt = timestamp }
            } else {
                d.otherProtectedRecords &+= 1
            }
        }
    }

    private mutating func clear(_ r: DTLSRecord, _ p: UnsafeRawBufferPointer, _ d: inout DTLSDirection,
                                fromOriginator: Bool, timestamp: Int64) {
        d.recordVersion = r.version
        switch r.contentType {
        case TLSContentType.changeCipherSpec.rawValue:
            d.changeCipherSpec = true
        case TLSContentType.alert.rawValue:
            if r.body.count == 2 {
                if d.firstAlert == nil {
                    d.firstAlert = TLSAlert(level: p.u8(r.body.lowerBound), description: p.u8(r.body.lowerBound &+ 1),
                                            timestamp: timestamp)
                }
            } else {
                d.encryptedAlerts &+= 1
            }
        case TLSContentType.handshake.rawValue:
            var h = r.body.lowerBound
            while h < r.body.upperBound {
                do throws(DTLSFailure) {
                    let header = try DTLSHandshakeHeader(p, at: h, end: r.body.upperBound)
                    let start = h &+ DTLSHandshakeHeader.size
                    h = start &+ header.fragmentLength
                    d.handshakeFragments &+= 1
                    let fragment = UnsafeRawBufferPointer(rebasing: p[start..<h])
                    switch try d.assembler.add(header, fragment, at: start, memoryAllowance: &memoryAllowance) {
                    case .whole:
                        message(header.messageType, fragment, &d, fromOriginator: fromOriginator, timestamp: timestamp)
                    case .assembled(let i):
                        let m = d.assembler.takeMessage(at: i)
                        m.body.withUnsafeBytes {
                            message(m.type, $0, &d, fromOriginator: fromOriginator, timestamp: timestamp)
                        }
                    case .buffered, .duplicate:
                        break
                    }
                } catch {
                    d.fail(error)
                    return
                }
            }
        case TLSContentType.applicationData.rawValue:
            d.applicationDataRecords &+= 1
            if d.finishedAt == nil { d.finishedAt = timestamp }
        default:
            break
        }
    }

    /// One complete handshake message (body after the 12-byte header), delivered once.
    private mutating func message(_ type: UInt8, _ body: UnsafeRawBufferPointer, _ d: inout DTLSDirection,
                                  fromOriginator: Bool, timestamp: Int64) {
        d.handshakeTypes.insert(type)
        do throws(DTLSFailure) {
            switch type {
            case TLSHandshakeType.clientHello.rawValue:
                let hello = try DTLSClientHello.parse(body)
                clientHello = hello
                clientIsOriginator = fromOriginator
                if clientHelloAt == nil { clientHelloAt = timestamp }
                // The client's id is carried by the records sent to it.
                if let cid = hello.connectionID { setPeerConnectionIDLength(cid.count, senderIsOriginator: fromOriginator) }
            case TLSHandshakeType.helloVerifyRequest.rawValue:
                helloVerifyRequest = try DTLSHelloVerifyRequest.parse(body)
            case TLSHandshakeType.serverHello.rawValue:
                let hello = try DTLSServerHello.parse(body)
                serverHello = hello
                serverIsOriginator = fromOriginator
                if let cid = hello.connectionID { setPeerConnectionIDLength(cid.count, senderIsOriginator: fromOriginator) }
            case TLSHandshakeType.certificate.rawValue:
                guard let list = try? TLSCertificateList.parse(body, timestamp: timestamp) else {
                    throw DTLSFailure(.badHandshakeMessage, at: 0)
                }
                if fromOriginator == (serverIsOriginator ?? !(clientIsOriginator ?? true)) {
                    serverCertificates = list
                } else {
                    clientCertificates = list
                }
            case TLSHandshakeType.certificateRequest.rawValue:
                certificateRequested = true
            default:
                break
            }
        } catch {
            d.fail(error)
        }
    }

    /// A hello's connection id is what its sender wants to receive: the other direction's
    /// records carry it. (The sender's own direction is moved out at this point.)
    private mutating func setPeerConnectionIDLength(_ length: Int, senderIsOriginator: Bool) {
        if senderIsOriginator { resp.connectionIDLength = length } else { orig.connectionIDLength = length }
    }

    /// Bytes the two directions' handshake buffers hold.
    var bufferedHandshakeBytes: Int { orig.assembler.bufferedBytes &+ resp.assembler.bufferedBytes }
    /// Handshake messages not buffered because the run's reassembly memory was used up.
    var messagesOutOfMemory: Int { orig.assembler.messagesOutOfMemory &+ resp.assembler.messagesOutOfMemory }

    // MARK: Facts

    /// The negotiated version: the ServerHello's, else what the ClientHello offered.
    public var version: DTLSVersion? {
        if let s = serverHello { return s.negotiatedVersion }
        return nil
    }

    /// complete: both sides sent protected records after the hellos (their Finished, or
    /// data; in DTLS 1.3, records in the application epoch); failed: an alert (fatal in clear, or any protected one) before that;
    /// notCaptured: records but neither hello; incomplete otherwise.
    public var outcome: TLSOutcome {
        if completedAt != nil { return .complete }
        if clientHello == nil, serverHello == nil { return .notCaptured }
        if orig.firstAlert?.isFatal == true || resp.firstAlert?.isFatal == true
            || orig.encryptedAlerts > 0 || resp.encryptedAlerts > 0 { return .failed }
        return .incomplete
    }

    /// From the first ClientHello to the datagram that completed the handshake.
    public var handshakeDuration: Int64? {
        guard let start = clientHelloAt, let end = completedAt else { return nil }
        return end - start
    }
}

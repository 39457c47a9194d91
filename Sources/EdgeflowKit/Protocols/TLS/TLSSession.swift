/// Which side of a connection bytes come from: `orig` sent the SYN (the TLS client).
public enum StreamDirection: UInt8, Sendable, BitwiseCopyable {
    case orig, resp
}

/// How a TLS handshake ended.
public enum TLSOutcome: UInt8, Sendable, BitwiseCopyable {
    /// Not (yet) finished and no alert.
    case incomplete
    /// Both sides finished (or application data flows).
    case complete
    /// An alert (fatal in clear, or any encrypted alert) before the handshake completed.
    case failed
    /// Records but neither hello: the capture began after the handshake (or during it).
    case notCaptured
}

/// Why a direction stopped being parsed as TLS.
public enum TLSMalformation: UInt8, Sendable, BitwiseCopyable {
    /// A record header with an unknown type, a major version other than 3, or too long.
    case badRecordHeader
    /// The very first bytes of the direction are not a TLS record.
    case notTLS
    /// A ClientHello, ServerHello or Certificate body did not parse.
    case badHandshakeMessage

    /// Name used in reports.
    public var name: String {
        switch self {
        case .badRecordHeader: "bad_record_header"
        case .notTLS: "not_tls"
        case .badHandshakeMessage: "bad_handshake_message"
        }
    }
}

/// Facts about one direction of a TLS connection. Fixed size.
public struct TLSSideState: Sendable, BitwiseCopyable {
    /// Records parsed (SSL 2.0 ClientHello included).
    public var records = 0
    /// Bytes consumed from the direction's stream.
    public var bytesConsumed = 0
    /// Bytes skipped to find the first record header, in a capture that began inside a record.
    public var skippedBytes = 0
    public var handshakeRecords = 0
    /// Handshake records after ChangeCipherSpec (Finished, or TLS 1.2 renegotiation), and
    /// in TLS 1.3 the encrypted handshake flight (type 23 records before the handshake ends).
    public var encryptedHandshakeRecords = 0
    public var changeCipherSpecRecords = 0
    public var applicationDataRecords = 0
    public var heartbeatRecords = 0
    public var clearAlerts = 0
    public var encryptedAlerts = 0
    /// First alert sent in clear.
    public var firstAlert: TLSAlert?
    /// Plaintext handshake message types sent.
    public var handshakeTypes = TLSHandshakeTypeSet()
    public var changeCipherSpecTimestamp: Int64?
    /// Time of this side's Finished (TLS 1.2: first handshake record after CCS; TLS 1.3:
    /// the server's last encrypted-flight record before the client finished, the client's
    /// first type-23 record).
    public var finishedTimestamp: Int64?
    public var firstApplicationDataTimestamp: Int64?
    /// Set when the direction stopped being parsed.
    public var malformation: TLSMalformation?
    /// Stream offset of the record where `malformation` was found.
    public var malformationOffset = 0
    /// Handshake messages longer than the assembly limit, skipped.
    public var oversizedMessages = 0
}

/// Per-connection TLS handshake state machine, fed with the reassembled bytes of each
/// direction in capture order.
///
/// `feed` follows NIO's rule "nothing unless the whole record is there": it parses every
/// complete record at the front of `bytes` and returns how many bytes it used; the caller
/// drops those (`StreamReassembler.consume`) and calls again when more arrive. Handshake
/// messages that span records are assembled in a small per-direction buffer that is only
/// allocated when that happens. Once a direction needs nothing more (`wantsBytes` false),
/// `feed` returns `bytes.count` without looking, so the caller can `stop()` its reassembler.
///
/// Everything here is fixed-size except `clientHello`/`serverHello` strings and the
/// certificate lists, which are copied out once per connection.
public struct TLSSession: Sendable {
    public private(set) var orig = TLSSideState()
    public private(set) var resp = TLSSideState()

    /// The first ClientHello (a second one after a HelloRetryRequest only updates
    /// `clientHelloCount`).
    public private(set) var clientHello: TLSClientHello?
    public private(set) var clientHelloCount = 0
    public private(set) var clientHelloTimestamp: Int64?
    /// The ServerHello that was not a HelloRetryRequest (or the HRR if nothing followed).
    public private(set) var serverHello: TLSServerHello?
    public private(set) var helloRetryRequest = false
    /// The server's chain (TLS ≤ 1.2; nil in TLS 1.3, see `certificatesEncrypted`).
    public private(set) var serverCertificates: TLSCertificateList?
    /// The client's chain when it sent a non-empty one in clear.
    public private(set) var clientCertificates: TLSCertificateList?
    /// The server sent CertificateRequest in clear (mutual TLS asked).
    public private(set) var certificateRequested = false
    /// Number of CA names in the CertificateRequest, when parsed (TLS 1.2 layout).
    public private(set) var certificateRequestCANames: Int?
    public private(set) var clientCertificate: TLSClientCertificateStatus = .absent
    /// The record-layer version of the first record parsed (the negotiated one for TLS ≤ 1.2
    /// once the handshake is over; TLS 1.3 records say TLS 1.2).
    public private(set) var recordVersion: TLSVersion?

    /// Application-data records counted per direction before it stops asking for bytes.
    public let applicationDataRecordLimit: Int

    private var origAssembler = TLSHandshakeAssembler()
    private var respAssembler = TLSHandshakeAssembler()

    /// Whether the capture began inside the connection (no SYN): only then may a direction
    /// begin inside a record.
    public let midStream: Bool

    /// - Parameter midStream: the connection's SYN was not captured.
    public init(applicationDataRecordLimit: Int = 2, midStream: Bool = false) {
        self.applicationDataRecordLimit = max(1, applicationDataRecordLimit)
        self.midStream = midStream
    }

    // MARK: - Derived facts

    /// The ServerHello says TLS 1.3. Kept as the ServerHello is taken (`handshakeMessage`),
    /// not worked out from it: every record asks, and reading the optional ServerHello copied
    /// the session first.
    public private(set) var isTLS13 = false

    /// The negotiated version, once a ServerHello was seen.
    public var negotiatedVersion: TLSVersion? { serverHello?.negotiatedVersion }

    /// TLS 1.3 hides every Certificate message.
    public var certificatesEncrypted: Bool { isTLS13 }

    /// Records were parsed but neither hello was seen: the stream is followed from its record
    /// headers only.
    @inline(__always)
    public var handshakeNotCaptured: Bool {
        !orig.handshakeTypes.contains(.clientHello) && !resp.handshakeTypes.contains(.serverHello) && orig.records &+ resp.records > 0
    }

    /// Inlined, as the other questions a segment asks (`wantsBytes`, `synchronising`): a call
    /// copied the whole session (681 bytes) for it at every segment.
    @inline(__always)
    public var outcome: TLSOutcome {
        if handshakeNotCaptured { return .notCaptured }
        if completionTimestamp != nil { return .complete }
        if orig.encryptedAlerts > 0 || resp.encryptedAlerts > 0 { return .failed }
        if let a = orig.firstAlert, a.isFatal { return .failed }
        if let a = resp.firstAlert, a.isFatal { return .failed }
        return .incomplete
    }

    /// When the handshake completed: the later of both Finished, or else the first
    /// application data.
    @inline(__always)
    public var completionTimestamp: Int64? {
        if let a = orig.finishedTimestamp, let b = resp.finishedTimestamp {
            if isTLS13 { return a }
            return max(a, b)
        }
        switch (orig.firstApplicationDataTimestamp, resp.firstApplicationDataTimestamp) {
        case let (a?, b?): return min(a, b)
        case let (a?, nil): return a
        case let (nil, b?): return b
        default: return nil
        }
    }

    /// Nanoseconds from the first ClientHello to completion.
    public var handshakeDuration: Int64? {
        guard let start = clientHelloTimestamp, let end = completionTimestamp else { return nil }
        return end &- start
    }

    /// The first clear alert from either side (the earlier one).
    public var firstAlert: TLSAlert? {
        switch (orig.firstAlert, resp.firstAlert) {
        case let (a?, b?): return a.timestamp <= b.timestamp ? a : b
        case let (a?, nil): return a
        case let (nil, b?): return b
        default: return nil
        }
    }

    /// Whether `direction` still needs bytes. False once it sent `applicationDataRecordLimit`
    /// application-data records or stopped parsing.
    @inline(__always)
    public func wantsBytes(_ direction: StreamDirection) -> Bool {
        // Each side's fields read where they lie (a copy of the side cost a `memcpy` a record).
        direction == .orig ? orig.malformation == nil && orig.applicationDataRecords < applicationDataRecordLimit
            : resp.malformation == nil && resp.applicationDataRecords < applicationDataRecordLimit
    }

    // MARK: - Feeding

    /// Parses the complete records at the front of `bytes` (sent by `direction`, received at
    /// `timestamp` ns) and returns the number of bytes used.
    public mutating func feed(direction: StreamDirection, bytes: UnsafeRawBufferPointer, timestamp: Int64) -> Int {
        if !wantsBytes(direction) {
            update(direction) { $0.bytesConsumed &+= bytes.count }
            return bytes.count
        }
        var off = 0
        let n = bytes.count
        while off < n {
            if !wantsBytes(direction) {
                update(direction) { $0.bytesConsumed &+= n &- off }
                return n
            }
            // The side's fields read, not the side copied (a `memcpy` a record).
            let records = direction == .orig ? orig.records : resp.records
            if records == 0 && direction == .orig && TLSClientHello.looksLikeSSLv2(UnsafeRawBufferPointer(rebasing: bytes[off...])) {
                guard let (hello, length) = TLSClientHello.parseSSLv2(UnsafeRawBufferPointer(rebasing: bytes[off...])) else {
                    // Need more bytes, unless the length can never fit a record.
                    let msgLen = n &- off >= 2 ? (Int(bytes.u8(off) & 0x7F) << 8 | Int(bytes.u8(off &+ 1))) : 0
                    if n &- off >= 11 && n &- off >= 2 &+ msgLen { markMalformed(direction, .notTLS, at: consumed(direction)) }
                    break
                }
                noteClientHello(hello, timestamp: timestamp)
                update(direction) { $0.records &+= 1; $0.bytesConsumed &+= length; $0.handshakeTypes.insert(TLSHandshakeType.clientHello.rawValue) }
                off &+= length
                continue
            }
            guard let header = TLSRecordHeader(bytes, at: off) else { break }
            guard header.isPlausible else {
                // A capture that began after the handshake can begin inside a record: the
                // direction's first record header is looked for within one record's length.
                if records == 0, handshakeUnseen {
                    if let at = Self.nextRecordHeader(bytes, from: off &+ 1, version: recordVersion) {
                        update(direction) { $0.bytesConsumed &+= at &- off; $0.skippedBytes &+= at &- off }
                        off = at
                        continue
                    }
                    if (direction == .orig ? orig.skippedBytes : resp.skippedBytes) &+ n &- off < Self.resynchronisationWindow { break }  // wait for more
                }
                markMalformed(direction, records == 0 ? .notTLS : .badRecordHeader, at: consumed(direction))
                update(direction) { $0.bytesConsumed &+= n &- off }
                return n
            }
            let total = TLSRecordHeader.size &+ header.length
            guard n &- off >= total else { break }
            let body = UnsafeRawBufferPointer(rebasing: bytes[(off &+ TLSRecordHeader.size)..<(off &+ total)])
            update(direction) { $0.records &+= 1 }
            if recordVersion == nil { recordVersion = TLSVersion(rawValue: header.version) }
            record(direction, type: header.contentType, body: body, timestamp: timestamp)
            update(direction) { $0.bytesConsumed &+= total }
            off &+= total
        }
        return off
    }

    /// Bytes a direction may skip looking for its first record header: one largest record.
    static let resynchronisationWindow = TLSRecordHeader.size + TLSRecordHeader.maxBodyLength

    /// The direction is still looking for its first record header (see `nextRecordHeader`).
    @inline(__always)
    public func synchronising(_ d: StreamDirection) -> Bool {
        (d == .orig ? orig.records == 0 && orig.malformation == nil : resp.records == 0 && resp.malformation == nil) && handshakeUnseen
    }

    /// A connection captured without its SYN whose hellos were not seen: the capture began
    /// after the handshake.
    @inline(__always)
    private var handshakeUnseen: Bool { midStream && !orig.handshakeTypes.contains(.clientHello) && !resp.handshakeTypes.contains(.serverHello) }

    /// The offset of the first record header at or after `from` that the bytes confirm: a
    /// plausible header whose record ends exactly at the end of `bytes`, or is followed by
    /// another plausible header, or (when the record goes on past `bytes`) carries the
    /// record-layer `version` already seen. Random ciphertext rarely passes all of that.
    static func nextRecordHeader(_ bytes: UnsafeRawBufferPointer, from: Int, version: TLSVersion?) -> Int? {
        var at = from
        let n = bytes.count
        while at &+ TLSRecordHeader.size <= n {
            if let h = TLSRecordHeader(bytes, at: at), h.isPlausible, h.contentType <= 23 {
                let end = at &+ TLSRecordHeader.size &+ h.length
                if end == n { return at }
                if end < n {
                    if let next = TLSRecordHeader(bytes, at: end), next.isPlausible, next.version == h.version { return at }
                } else if let version, h.version == version.rawValue {
                    return at
                }
            }
            at &+= 1
        }
        return nil
    }

    // MARK: - Records

    /// Bytes consumed so far from direction `d`'s stream.
    private func consumed(_ d: StreamDirection) -> Int { d == .orig ? orig.bytesConsumed : resp.bytesConsumed }

    @inline(__always)
    private mutating func update(_ d: StreamDirection, _ body: (inout TLSSideState) -> Void) {
        if d == .orig { body(&orig) } else { body(&resp) }
    }

    private mutating func markMalformed(_ d: StreamDirection, _ m: TLSMalformation, at offset: Int) {
        update(d) {
            if $0.malformation == nil { $0.malformation = m; $0.malformationOffset = offset }
        }
    }

    /// The side encrypts its records: after its CCS in TLS ≤ 1.2; in TLS 1.3 the server
    /// after ServerHello and the client after its first type-23 record.
    @inline(__always)
    private func encrypting(_ d: StreamDirection) -> Bool {
        if isTLS13 { return d == .resp || orig.finishedTimestamp != nil }
        return (d == .orig ? orig.changeCipherSpecTimestamp : resp.changeCipherSpecTimestamp) != nil
    }

    private mutating func record(_ d: StreamDirection, type: UInt8, body: UnsafeRawBufferPointer, timestamp: Int64) {
        switch type {
        case TLSContentType.changeCipherSpec.rawValue:
            update(d) {
                $0.changeCipherSpecRecords &+= 1
                if $0.changeCipherSpecTimestamp == nil { $0.changeCipherSpecTimestamp = timestamp }
            }
        case TLSContentType.alert.rawValue:
            if body.count == 2 && !encrypting(d) {
                let alert = TLSAlert(level: body.u8(0), description: body.u8(1), timestamp: timestamp)
                update(d) {
                    $0.clearAlerts &+= 1
                    if $0.firstAlert == nil { $0.firstAlert = alert }
                }
            } else {
                update(d) { $0.encryptedAlerts &+= 1 }
            }
        case TLSContentType.handshake.rawValue:
            update(d) { $0.handshakeRecords &+= 1 }
            if encrypting(d) && !isTLS13 {
                update(d) {
                    $0.encryptedHandshakeRecords &+= 1
                    if $0.finishedTimestamp == nil { $0.finishedTimestamp = timestamp }
                }
            } else {
                handshakeRecord(d, body: body, timestamp: timestamp)
            }
        case TLSContentType.applicationData.rawValue:
            applicationData(d, timestamp: timestamp)
        case TLSContentType.heartbeat.rawValue:
            update(d) { $0.heartbeatRecords &+= 1 }
        default:
            break
        }
    }

    private mutating func applicationData(_ d: StreamDirection, timestamp: Int64) {
        if isTLS13 {
            if d == .resp {
                // The server's encrypted flight runs until the client has finished.
                if orig.finishedTimestamp == nil {
                    resp.encryptedHandshakeRecords &+= 1
                    resp.finishedTimestamp = timestamp
                    return
                }
            } else if orig.finishedTimestamp == nil {
                orig.encryptedHandshakeRecords &+= 1
                orig.finishedTimestamp = timestamp
                return
            }
        }
        update(d) {
            $0.applicationDataRecords &+= 1
            if $0.firstApplicationDataTimestamp == nil { $0.firstApplicationDataTimestamp = timestamp }
        }
    }

    /// Splits a plaintext handshake record into messages, assembling those that span records.
    private mutating func handshakeRecord(_ d: StreamDirection, body: UnsafeRawBufferPointer, timestamp: Int64) {
        var asm = d == .orig ? origAssembler : respAssembler
        if d == .orig { origAssembler = TLSHandshakeAssembler() } else { respAssembler = TLSHandshakeAssembler() }
        defer { if d == .orig { origAssembler = asm } else { respAssembler = asm } }

        var off = 0
        let n = body.count
        while off < n {
            if asm.skipping > 0 {
                let k = min(asm.skipping, n &- off)
                asm.skipping &-= k
                off &+= k
                continue
            }
            if asm.active {
                // Header first (it may itself be split), then the body.
                let want = asm.expected ?? 4
                let k = min(want &- asm.buffer.count, n &- off)
                asm.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: body[off..<(off &+ k)]))
                off &+= k
                guard let total = asm.expected else { continue }
                if total &- 4 > TLSHandshakeAssembler.maxMessageLength {
                    asm.skipping = total &- asm.buffer.count
                    asm.oversized &+= 1
                    let t = asm.buffer[0]
                    update(d) { $0.oversizedMessages &+= 1; $0.handshakeTypes.insert(t) }
                    asm.reset()
                    continue
                }
                if asm.buffer.count == total {
                    var message = asm.buffer
                    asm.buffer = []
                    message.withUnsafeBytes { m in
                        handshakeMessage(d, type: m.u8(0), body: UnsafeRawBufferPointer(rebasing: m[4...]), timestamp: timestamp)
                    }
                    message.removeAll(keepingCapacity: true)
                    asm.buffer = message
                    asm.active = false
                }
                continue
            }
            let rest = n &- off
            if rest >= 4 {
                let len = Int(body.u8(off &+ 1)) << 16 | Int(body.be16(off &+ 2))
                if rest >= 4 &+ len {
                    handshakeMessage(d, type: body.u8(off), body: UnsafeRawBufferPointer(rebasing: body[(off &+ 4)..<(off &+ 4 &+ len)]), timestamp: timestamp)
                    off &+= 4 &+ len
                    continue
                }
                if len > TLSHandshakeAssembler.maxMessageLength {
                    asm.skipping = 4 &+ len &- rest
                    asm.oversized &+= 1
                    let t = body.u8(off)
                    update(d) { $0.oversizedMessages &+= 1; $0.handshakeTypes.insert(t) }
                    off = n
                    continue
                }
                if asm.buffer.capacity < 4 &+ len { asm.buffer.reserveCapacity(4 &+ len) }
            }
            asm.active = true
            asm.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: body[off..<n]))
            off = n
        }
    }

    // MARK: - Handshake messages

    private mutating func handshakeMessage(_ d: StreamDirection, type: UInt8, body: UnsafeRawBufferPointer, timestamp: Int64) {
        update(d) { $0.handshakeTypes.insert(type) }
        switch (d, type) {
        case (.orig, TLSHandshakeType.clientHello.rawValue):
            guard let hello = try? TLSClientHello.parse(body) else {
                markMalformed(d, .badHandshakeMessage, at: orig.bytesConsumed)
                return
            }
            noteClientHello(hello, timestamp: timestamp)
        case (.resp, TLSHandshakeType.serverHello.rawValue):
            guard let hello = try? TLSServerHello.parse(body) else {
                markMalformed(d, .badHandshakeMessage, at: resp.bytesConsumed)
                return
            }
            if hello.isHelloRetryRequest { helloRetryRequest = true }
            if serverHello == nil || serverHello!.isHelloRetryRequest {
                serverHello = hello
                isTLS13 = !hello.isHelloRetryRequest && hello.negotiatedVersion.rawValue >= TLSVersion.tls13.rawValue
            }
            if isTLS13 { clientCertificate = .encrypted }
        case (_, TLSHandshakeType.certificate.rawValue):
            guard let list = try? TLSCertificateList.parse(body, tls13: isTLS13, timestamp: timestamp) else {
                markMalformed(d, .badHandshakeMessage, at: consumed(d))
                return
            }
            if d == .resp {
                if serverCertificates == nil { serverCertificates = list }
            } else {
                if clientCertificate == .absent || clientCertificate == .encrypted {
                    clientCertificate = list.isEmpty ? .empty : .present
                }
                if clientCertificates == nil && !list.isEmpty { clientCertificates = list }
            }
        case (.resp, TLSHandshakeType.certificateRequest.rawValue):
            certificateRequested = true
            if certificateRequestCANames == nil { certificateRequestCANames = Self.countCANames(body) }
        default:
            break
        }
    }

    private mutating func noteClientHello(_ hello: TLSClientHello, timestamp: Int64) {
        clientHelloCount &+= 1
        if clientHello == nil {
            clientHello = hello
            clientHelloTimestamp = timestamp
        }
    }

    /// CA names in a TLS 1.2 CertificateRequest: types len(1)+list, sig algs len(2)+list,
    /// CAs len(2) + DNs each len(2). Nil if the layout does not fit.
    static func countCANames(_ b: UnsafeRawBufferPointer) -> Int? {
        guard b.count >= 1 else { return nil }
        var o = 1 &+ Int(b.u8(0))
        guard o &+ 2 <= b.count else { return nil }
        o &+= 2 &+ Int(b.be16(o))
        guard o &+ 2 <= b.count else { return nil }
        let end = o &+ 2 &+ Int(b.be16(o))
        guard end <= b.count else { return nil }
        o &+= 2
        var names = 0
        while o &+ 2 <= end {
            o &+= 2 &+ Int(b.be16(o))
            guard o <= end else { return nil }
            names &+= 1
        }
        return names
    }
}

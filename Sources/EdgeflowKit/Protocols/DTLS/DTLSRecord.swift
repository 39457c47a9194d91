/// DTLS record headers (RFC 6347 §4.1, RFC 9146 §4, RFC 9147 §4), read in place from a
/// datagram that may hold several records back to back.

/// One record header: where its body is in the datagram and what it says about it.
public struct DTLSRecord: Sendable, Equatable {
    /// The content type (`TLSContentType`), or 0 for a DTLS 1.3 unified header, whose
    /// real type is inside the encrypted body.
    public var contentType: UInt8
    /// DTLSPlaintext / tls12_cid version (0xFEFF, 0xFEFD); 0 for a unified header.
    public var version: UInt16
    /// The epoch (for a unified header: its two low bits only).
    public var epoch: UInt16
    /// The record sequence number: 48 bits, or for a unified header the 8 or 16 low bits
    /// as sent (encrypted by record number protection after the handshake).
    public var sequence: UInt64
    /// Connection id bytes in the datagram (empty when the record carries none).
    public var connectionID: Range<Int>
    /// The body (`fragment` / `encrypted_record`) in the datagram.
    public var body: Range<Int>
    /// A DTLS 1.3 unified header (first byte 0b001CSLEE).
    public var isUnified: Bool

    /// The body is protected: epoch above 0, a tls12_cid record, or a unified header.
    public var isEncrypted: Bool {
        isUnified || epoch != 0 || contentType == TLSContentType.tls12CID.rawValue
    }
}

/// Walks the records of one datagram.
public enum DTLSRecordReader {
    /// DTLSPlaintext header: type(1) version(2) epoch(2) sequence_number(6) length(2).
    public static let plaintextHeaderSize = 13
    /// Most records read from one datagram (the work per datagram is bounded).
    public static let maxRecords = 64

    /// Reads the record header at `offset`. `connectionIDLength` is the length of the
    /// connection id that records in this direction carry, nil when the handshake has not
    /// shown it; it is needed only for tls12_cid records and unified headers with the C bit.
    @inline(__always)
    public static func read(_ b: UnsafeRawBufferPointer, at offset: Int,
                            connectionIDLength: Int?) throws(DTLSFailure) -> DTLSRecord {
        let n = b.count
        guard offset < n else { throw DTLSFailure(.truncatedRecordHeader, at: offset) }
        let first = b.u8(offset)
        if first & 0xE0 == 0x20 { return try unified(b, at: offset, first: first, connectionIDLength: connectionIDLength) }
        guard first >= TLSContentType.changeCipherSpec.rawValue, first <= TLSContentType.tls12CID.rawValue else {
            throw DTLSFailure(.unknownContentType, at: offset)
        }
        guard n &- offset >= plaintextHeaderSize else { throw DTLSFailure(.truncatedRecordHeader, at: offset) }
        let version = b.be16(offset &+ 1)
        guard version >> 8 == 0xFE else { throw DTLSFailure(.badVersion, at: offset &+ 1) }
        let epoch = b.be16(offset &+ 3)
        let sequence = UInt64(b.be16(offset &+ 5)) << 32 | UInt64(b.be32(offset &+ 7))
        var o = offset &+ 11
        var cid = o..<o
        if first == TLSContentType.tls12CID.rawValue {
            guard let l = connectionIDLength else { throw DTLSFailure(.connectionIDLengthUnknown, at: o) }
            guard o &+ l &+ 2 <= n else { throw DTLSFailure(.truncatedRecordHeader, at: offset) }
            cid = o..<(o &+ l)
            o &+= l
        }
        let length = Int(b.be16(o))
        o &+= 2
        guard o &+ length <= n else { throw DTLSFailure(.recordOverrun, at: o &- 2) }
        return DTLSRecord(contentType: first, version: version, epoch: epoch, sequence: sequence,
                          connectionID: cid, body: o..<(o &+ length), isUnified: false)
    }

    /// RFC 9147 §4: `0 0 1 C S L E E`, then the connection id (C), a 16-bit (S) or 8-bit
    /// sequence number and a 16-bit length (L; without it the record fills the datagram).
    private static func unified(_ b: UnsafeRawBufferPointer, at offset: Int, first: UInt8,
                                connectionIDLength: Int?) throws(DTLSFailure) -> DTLSRecord {
        let n = b.count
        var o = offset &+ 1
        var cid = o..<o
        if first & 0x10 != 0 {
            guard let l = connectionIDLength else { throw DTLSFailure(.connectionIDLengthUnknown, at: o) }
            guard o &+ l <= n else { throw DTLSFailure(.truncatedRecordHeader, at: offset) }
            cid = o..<(o &+ l)
            o &+= l
        }
        let sequence: UInt64
        if first & 0x08 != 0 {
            guard o &+ 2 <= n else { throw DTLSFailure(.truncatedRecordHeader, at: offset) }
            sequence = UInt64(b.be16(o))
            o &+= 2
        } else {
            guard o &+ 1 <= n else { throw DTLSFailure(.truncatedRecordHeader, at: offset) }
            sequence = UInt64(b.u8(o))
            o &+= 1
        }
        var end = n
        if first & 0x04 != 0 {
            guard o &+ 2 <= n else { throw DTLSFailure(.truncatedRecordHeader, at: offset) }
            let length = Int(b.be16(o))
            o &+= 2
            guard o &+ length <= n else { throw DTLSFailure(.recordOverrun, at: o &- 2) }
            end = o &+ length
        }
        return DTLSRecord(contentType: 0, version: 0, epoch: UInt16(first & 0x03), sequence: sequence,
                          connectionID: cid, body: o..<end, isUnified: true)
    }
}

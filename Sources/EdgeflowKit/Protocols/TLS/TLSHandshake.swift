/// Handshake message header `msg_type(1) | length(3)` (RFC 5246 §7.4; RFC 8446 §4) and the
/// per-direction assembly of messages that span records.

/// Handshake message types that the session reacts to. Others are only noted in the
/// per-direction `handshakeTypes` bit set.
public enum TLSHandshakeType: UInt8, Sendable, BitwiseCopyable {
    case helloRequest = 0
    case clientHello = 1
    case serverHello = 2
    /// DTLS only (RFC 6347 §4.3.2).
    case helloVerifyRequest = 3
    case newSessionTicket = 4
    case endOfEarlyData = 5
    case encryptedExtensions = 8
    case certificate = 11
    case serverKeyExchange = 12
    case certificateRequest = 13
    case serverHelloDone = 14
    case certificateVerify = 15
    case clientKeyExchange = 16
    case finished = 20
    case certificateStatus = 22
    case keyUpdate = 24
}

/// Bit set of handshake message types seen (types 0...30 by bit; bit 31 for any other).
public struct TLSHandshakeTypeSet: Sendable, BitwiseCopyable, Equatable {
    public var bits: UInt32 = 0
    public init() {}
    @inline(__always) public mutating func insert(_ type: UInt8) {
        bits |= type < 31 ? (1 << UInt32(type)) : (1 << 31)
    }
    @inline(__always) public func contains(_ type: UInt8) -> Bool {
        bits & (type < 31 ? (1 << UInt32(type)) : (1 << 31)) != 0
    }
    public func contains(_ type: TLSHandshakeType) -> Bool { contains(type.rawValue) }
    /// The types seen, ascending (31 stands for "another type").
    public var types: [UInt8] { (0..<32).compactMap { bits & (1 << UInt32($0)) != 0 ? UInt8($0) : nil } }
}

/// Collects one handshake message whose bytes span several records. Its buffer is reserved
/// once, at the first message that needs it, and reused; messages that fit in one record
/// are parsed in place and never touch it.
struct TLSHandshakeAssembler: Sendable {
    /// Largest message that is assembled; longer ones are skipped (`oversized`).
    static let maxMessageLength = 64 * 1024

    /// Collected bytes, header included.
    var buffer: [UInt8] = []
    /// True while a message is being collected.
    var active = false
    /// Bytes still to skip of an oversized message.
    var skipping = 0
    /// Messages skipped because they were longer than `maxMessageLength`.
    var oversized = 0

    /// Total length (header included) of the message being collected, once its header is in.
    var expected: Int? {
        guard buffer.count >= 4 else { return nil }
        return 4 &+ (Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3]))
    }

    mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        active = false
    }
}

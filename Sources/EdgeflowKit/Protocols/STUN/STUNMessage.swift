/// The STUN magic cookie, bytes 4..7 of every RFC 5389/8489 header (RFC 8489 §5).
public let stunMagicCookie: UInt32 = 0x2112_A442

/// The value of MS-TURN's MAGIC-COOKIE attribute 0x000F (MS-TURN §2.2.2.8).
public let msTURNMagicCookie: UInt32 = 0x72C6_4BC6

/// Message class, the C1/C0 bits of the message type (RFC 8489 §5).
public enum STUNClass: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    case request = 0, indication = 1, successResponse = 2, errorResponse = 3
}

/// The STUN dialect one message is written in, decided per message (protocols.md §4.1, as
/// Wireshark's "Auto" mode does).
public enum STUNFlavour: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// RFC 5389 / RFC 8489: cookie 0x2112A442, 96-bit transaction ID, attributes padded to 4 bytes.
    case rfc5389
    /// MS-TURN (MS-TURN §2.2): the first attribute is MAGIC-COOKIE 0x000F = 0x72C64BC6. The
    /// transaction ID is 128 bits (bytes 4..19), NONCE and REALM codes are swapped, and some
    /// type codes mean other things (§4.2).
    case msTURN
    /// Classic RFC 3489 (RFC 3489 §11.1): no magic cookie, 128-bit transaction ID, no padding.
    case rfc3489
}

/// How attribute values were padded in a decoded message (RFC 8489 §14; MS-TURN §2.2.2).
public enum STUNPadding: UInt8, Sendable, BitwiseCopyable {
    /// Every value padded to a multiple of 4 bytes (the last one possibly cut at the message end in MS-TURN).
    case fourByte
    /// Values follow each other with no padding (MS-TURN, RFC 3489).
    case none
}

/// The 20-byte STUN header (RFC 8489 §5; RFC 3489 §11.1 and MS-TURN §2.2.1 read bytes 4..19 as one 128-bit ID).
public struct STUNHeader: Sendable, BitwiseCopyable, Equatable {
    /// The 16-bit message type as on the wire.
    public var type: UInt16
    /// The Length field: attribute bytes after the header.
    public var length: UInt16
    /// Bytes 4..7: the magic cookie in RFC 5389 messages, the first transaction-ID word otherwise.
    public var cookie: UInt32
    /// The 96-bit transaction ID (bytes 8..19) as three big-endian words.
    public var transactionID: (UInt32, UInt32, UInt32)

    /// Class from the type bits (RFC 8489 §5). MS-TURN's 0x0115 is an indication: see `STUNMessage.messageClass`.
    public var bitClass: STUNClass {
        STUNClass(rawValue: UInt8(truncatingIfNeeded: ((type >> 4) & 1) | ((type >> 7) & 2))).unsafelyUnwrapped
    }

    /// The 12-bit method from the type bits (RFC 8489 §5).
    public var method: UInt16 {
        (type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2)
    }

    /// Builds a message type from a method and a class (RFC 8489 §5).
    public static func type(method m: UInt16, class c: STUNClass) -> UInt16 {
        let cv = UInt16(c.rawValue)
        return (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((cv & 1) << 4) | ((cv & 2) << 7)
    }

    public static func == (a: STUNHeader, b: STUNHeader) -> Bool {
        a.type == b.type && a.length == b.length && a.cookie == b.cookie
            && a.transactionID.0 == b.transactionID.0 && a.transactionID.1 == b.transactionID.1
            && a.transactionID.2 == b.transactionID.2
    }
}

/// Why a buffer is not a well-formed STUN message.
public enum STUNFailureReason: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// Fewer than 20 bytes (RFC 8489 §5).
    case truncatedHeader
    /// The two top bits of the type are not zero (RFC 8489 §5).
    case typeTopBitsSet
    /// 20 + Length is not the buffer's size (RFC 8489 §6.2.1, §6.2.2).
    case lengthMismatch
    /// Length is not a multiple of 4 in an RFC 5389 message (RFC 8489 §5).
    case lengthNotMultipleOf4
    /// Neither the magic cookie nor MS-TURN's MAGIC-COOKIE attribute, and not a legacy message on a STUN port.
    case noMagicCookie
    /// Method 0x100-0xFFF, reserved against DTLS-SRTP collisions (RFC 7983; RFC 8489 §18.2).
    case reservedMethod
    /// Fewer than 4 bytes left for an attribute header (RFC 8489 §14).
    case attributeHeaderTruncated
    /// An attribute's Length runs past the end of the message (RFC 8489 §14).
    case attributeOverrun
    /// An attribute's padding runs past the end of the message (RFC 8489 §14).
    case paddingOverrun
}

/// A decode failure: the reason, the byte offset where it was found and, for attribute
/// failures, the attribute type.
public struct STUNFailure: Error, Sendable, BitwiseCopyable, Equatable {
    public var reason: STUNFailureReason
    public var offset: UInt32
    public var attributeType: UInt16

    public init(_ reason: STUNFailureReason, at offset: Int, attributeType: UInt16 = 0) {
        self.reason = reason
        self.offset = UInt32(truncatingIfNeeded: offset)
        self.attributeType = attributeType
    }
}

/// One decoded STUN message: header, flavour, the method named in that flavour and the
/// facts read from its attributes. Plain numbers and offsets into the decoded buffer.
public struct STUNMessage: Sendable, BitwiseCopyable {
    public var header: STUNHeader
    public var flavour: STUNFlavour
    /// The method as the flavour names it (MS-TURN §2.2.1 differs from RFC 5766 for 0x0004, 0x0006, 0x0115).
    public var method: STUNMethod
    /// The class as the flavour reads it: MS-TURN's 0x0115 Data Indication is an indication.
    public var messageClass: STUNClass
    public var padding: STUNPadding
    public var attributes: STUNAttributes
}

extension STUNMessage {
    /// An empty message, to be filled by `STUNDecoder.decode(_:allowLegacy:checkFingerprint:into:)`.
    public init() {
        self.init(header: STUNHeader(type: 0, length: 0, cookie: 0, transactionID: (0, 0, 0)), flavour: .rfc5389,
                  method: .binding, messageClass: .request, padding: .fourByte, attributes: STUNAttributes())
    }
}

/// Decodes STUN, TURN and MS-TURN messages in place (RFC 8489 §5-6, §14; RFC 8656; MS-TURN §2.2).
public enum STUNDecoder {
    /// Decodes one whole message. `bytes` must hold exactly one message (a UDP payload, or one
    /// PDU cut out of a TCP stream by `TCPFraming`); every offset in the result is from `bytes`'s
    /// first byte.
    /// - Parameters:
    ///   - allowLegacy: accept RFC 3489 messages without the magic cookie (RFC 3489 §11.1). Pass
    ///     true only when the flow is on a STUN port (3478-3481), as Wireshark's classic-STUN
    ///     heuristic does (protocols.md §1.8).
    /// - Throws: `STUNFailure` for anything malformed; never traps.
    public static func decode(_ bytes: UnsafeRawBufferPointer, allowLegacy: Bool = false) throws(STUNFailure) -> STUNMessage {
        var m = STUNMessage()
        try decode(bytes, allowLegacy: allowLegacy, into: &m)
        return m
    }

    /// Decodes one whole message into `m`, as `decode(_:allowLegacy:)` does, reusing its storage:
    /// only what this message has is written (no clearing of every attribute, no copy of the
    /// result). After a throw `m` holds nothing of use. Inlined: it picks one of two out-of-line
    /// decoders, each with its attribute walk in place and specialised to its mode.
    /// - Parameters:
    ///   - checkFingerprint: compute FINGERPRINT's CRC-32 (`attributes.fingerprint`). With false a
    ///     FINGERPRINT present is `.unchecked`: for callers that never read the outcome.
    ///   - flowFactsOnly: record only the attributes a flow's statistics and transaction log read
    ///     (`STUNAttributeType.isFlowFact`); every attribute's length and padding is still checked,
    ///     so a message decodes or fails as it would in full, and `count` still counts them all.
    ///     The others are left absent, uncounted as unknown or malformed (FINGERPRINT too: `.absent`).
    @inline(__always)
    public static func decode(_ bytes: UnsafeRawBufferPointer, allowLegacy: Bool = false, checkFingerprint: Bool = true,
                              flowFactsOnly: Bool = false, into m: inout STUNMessage) throws(STUNFailure) {
        if flowFactsOnly {
            try decodeFlowFacts(bytes, allowLegacy: allowLegacy, into: &m)
        } else {
            try decodeAll(bytes, allowLegacy: allowLegacy, checkFingerprint: checkFingerprint, into: &m)
        }
    }

    /// `decode(_:allowLegacy:checkFingerprint:flowFactsOnly:into:)` with `flowFactsOnly`.
    @inline(never)
    static func decodeFlowFacts(_ bytes: UnsafeRawBufferPointer, allowLegacy: Bool, into m: inout STUNMessage) throws(STUNFailure) {
        try decode(bytes, allowLegacy: allowLegacy, checkFingerprint: false, flowFactsOnly: true, walking: &m)
    }

    /// `decode(_:allowLegacy:checkFingerprint:flowFactsOnly:into:)` without `flowFactsOnly`.
    @inline(never)
    static func decodeAll(_ bytes: UnsafeRawBufferPointer, allowLegacy: Bool, checkFingerprint: Bool,
                          into m: inout STUNMessage) throws(STUNFailure) {
        try decode(bytes, allowLegacy: allowLegacy, checkFingerprint: checkFingerprint, flowFactsOnly: false, walking: &m)
    }

    /// The decoder itself, inlined into `decodeFlowFacts` and `decodeAll` with their walks.
    @inline(__always)
    private static func decode(_ bytes: UnsafeRawBufferPointer, allowLegacy: Bool, checkFingerprint: Bool,
                               flowFactsOnly: Bool, walking m: inout STUNMessage) throws(STUNFailure) {
        let n = bytes.count
        guard n >= 20 else { throw STUNFailure(.truncatedHeader, at: 0) }
        let type = bytes.be16(0)
        guard type & 0xC000 == 0 else { throw STUNFailure(.typeTopBitsSet, at: 0) }
        let length = bytes.be16(2)
        guard Int(length) &+ 20 == n else { throw STUNFailure(.lengthMismatch, at: 2) }
        m.header = STUNHeader(type: type, length: length, cookie: bytes.be32(4),
                              transactionID: (bytes.be32(8), bytes.be32(12), bytes.be32(16)))
        m.attributes.reset()
        // Each flavour's names are stored before its walk: nothing of the header stays in a
        // register across the walk, whose loop keeps its own there.
        if n >= 28, bytes.be32(20) == 0x000F_0004, bytes.be32(24) == msTURNMagicCookie {
            // MS-TURN: try 4-byte padding first (tolerating a last value cut at the end), then none.
            m.flavour = .msTURN
            m.method = STUNMethod(type: type, flavour: .msTURN)
            m.messageClass = type == 0x0115 ? .indication : m.header.bitClass
            if let _ = STUNAttributeWalker.walk(bytes, flavour: .msTURN, padding: .fourByte, lenientEnd: true, flowFactsOnly: flowFactsOnly,
                                                into: &m.attributes) {
                m.attributes.reset()
                if let f = STUNAttributeWalker.walk(bytes, flavour: .msTURN, padding: .none, lenientEnd: false, flowFactsOnly: flowFactsOnly,
                                                into: &m.attributes) {
                    throw f
                }
                m.padding = .none
            } else {
                m.padding = .fourByte
            }
        } else if m.header.cookie == stunMagicCookie {
            guard length & 3 == 0 else { throw STUNFailure(.lengthNotMultipleOf4, at: 2) }
            let code = m.header.method
            guard code <= 0x0FF else { throw STUNFailure(.reservedMethod, at: 0) }
            m.flavour = .rfc5389
            // The commonest flavour's method in place: no call of `init(type:flavour:)`.
            m.method = STUNMethod(code: code)
            m.messageClass = m.header.bitClass
            m.padding = .fourByte
            if let f = STUNAttributeWalker.walk(bytes, flavour: .rfc5389, padding: .fourByte, lenientEnd: false, alignedEnd: true,
                                                flowFactsOnly: flowFactsOnly, into: &m.attributes) {
                throw f
            }
        } else if allowLegacy, isLegacyType(type) {
            m.flavour = .rfc3489
            m.method = STUNMethod(type: type, flavour: .rfc3489)
            m.messageClass = type == 0x0115 ? .indication : m.header.bitClass
            m.padding = .none
            if let f = STUNAttributeWalker.walk(bytes, flavour: .rfc3489, padding: .none, lenientEnd: false, flowFactsOnly: flowFactsOnly,
                                                into: &m.attributes) {
                throw f
            }
        } else {
            throw STUNFailure(.noMagicCookie, at: 4)
        }
        if m.attributes.fingerprintOffset != 0 {
            m.attributes.fingerprint = checkFingerprint
                ? STUNFingerprint.check(bytes, attributeOffset: Int(m.attributes.fingerprintOffset),
                                        allowLegacyTable: m.flavour == .msTURN || m.attributes.msImplementationVersion == nil)
                : .unchecked
        }
    }

    /// The RFC 3489 / TURN-draft / MS-TURN type values accepted without a cookie (protocols.md §1.8, from WS-CSTUN).
    public static func isLegacyType(_ t: UInt16) -> Bool {
        switch t {
        case 0x0001, 0x0101, 0x0111, 0x0002, 0x0102, 0x0112, 0x0003, 0x0103, 0x0113,
             0x0004, 0x0104, 0x0114, 0x0115, 0x0006, 0x0106, 0x0116:
            return true
        default:
            return false
        }
    }

    /// Cheap test: could `bytes` be one STUN message? Checks the header only (type bits, length,
    /// cookie or MS-TURN MAGIC-COOKIE), not the attributes.
    public static func looksLikeSTUN(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        guard n >= 20, bytes.u8(0) & 0xC0 == 0, Int(bytes.be16(2)) &+ 20 == n else { return false }
        if bytes.be32(4) == stunMagicCookie { return true }
        return n >= 28 && bytes.be32(20) == 0x000F_0004 && bytes.be32(24) == msTURNMagicCookie
    }
}

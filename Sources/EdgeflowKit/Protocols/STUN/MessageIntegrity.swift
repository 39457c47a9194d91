import Crypto

/// Result of checking MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256.
public enum STUNIntegrityResult: UInt8, Sendable, BitwiseCopyable {
    /// The message has no such attribute.
    case absent
    /// The HMAC matches the key.
    case valid
    /// The HMAC does not match the key.
    case invalid
}

/// MESSAGE-INTEGRITY checks (RFC 8489 §14.5, §14.6, §9.1.1, §9.2.2; RFC 3489 §11.2.8; MS-TURN
/// §2.2.2; MS-ICE2). Cold path: it copies the covered bytes and allocates; call it only when a
/// password is known (a passive capture normally has none, protocols.md §4.7).
public enum STUNMessageIntegrity {
    /// Short-term credential key: the password itself, as UTF-8 (RFC 8489 §9.1.1). The caller
    /// passes the OpaqueString-prepared password.
    public static func shortTermKey(password: String) -> [UInt8] { Array(password.utf8) }

    /// Long-term credential key: MD5(username ":" realm ":" password) (RFC 8489 §9.2.2). The
    /// caller passes SASLprep/OpaqueString-prepared values (RFC 5769 §2.4's "TheMatrIX").
    public static func longTermKey(username: String, realm: String, password: String) -> [UInt8] {
        Array(Insecure.MD5.hash(data: Array("\(username):\(realm):\(password)".utf8)))
    }

    /// Checks MESSAGE-INTEGRITY (0x0008) if the message has it, else MESSAGE-INTEGRITY-SHA256
    /// (0x001C). `message` is the buffer `decoded` was decoded from.
    ///
    /// HMAC input: the message up to the attribute, with the header Length set as if the message
    /// ended right after it (RFC 8489 §14.5). A 20-byte 0x0008 value is HMAC-SHA1; a 32-byte one
    /// (MS-TURN with MS-VERSION >= 3) is tried as HMAC-SHA256 with the same key. For MS-TURN and
    /// RFC 3489 messages the input zero-padded to a multiple of 64 bytes is tried too (RFC 3489
    /// §11.2.8; MS-TURN), and, as libnice's MS-ICE2 code does, with the header Length left at
    /// the full message length.
    public static func verify(_ message: UnsafeRawBufferPointer, _ decoded: STUNMessage, key: [UInt8]) -> STUNIntegrityResult {
        if let r = decoded.attributes.messageIntegrity {
            return check(message, value: r, sha256: r.length == 32, key: key,
                         tryLegacy: decoded.flavour != .rfc5389 || decoded.attributes.msImplementationVersion != nil
                            || decoded.attributes.fingerprint == .validLegacyTable)
        }
        if let r = decoded.attributes.messageIntegritySHA256 {
            return check(message, value: r, sha256: true, key: key, tryLegacy: false)
        }
        return .absent
    }

    static func check(_ message: UnsafeRawBufferPointer, value r: ByteRange, sha256: Bool, key: [UInt8],
                      tryLegacy: Bool) -> STUNIntegrityResult {
        let valueOffset = Int(r.offset), valueLength = Int(r.length)
        let attributeOffset = valueOffset - 4
        guard attributeOffset >= 20, r.end <= message.count else { return .invalid }
        let sent = Array(UnsafeRawBufferPointer(rebasing: message[valueOffset..<r.end]))
        var covered = Array(UnsafeRawBufferPointer(rebasing: message[0..<attributeOffset]))
        let adjusted = attributeOffset + 4 + valueLength - 20
        covered[2] = UInt8(truncatingIfNeeded: adjusted >> 8)
        covered[3] = UInt8(truncatingIfNeeded: adjusted)
        if mac(covered, key: key, sha256: sha256, length: valueLength) == sent { return .valid }
        guard tryLegacy else { return .invalid }
        var padded = covered
        while padded.count % 64 != 0 { padded.append(0) }
        if mac(padded, key: key, sha256: sha256, length: valueLength) == sent { return .valid }
        padded[2] = message.u8(2)
        padded[3] = message.u8(3)
        if mac(padded, key: key, sha256: sha256, length: valueLength) == sent { return .valid }
        return .invalid
    }

    static func mac(_ input: [UInt8], key: [UInt8], sha256: Bool, length: Int) -> [UInt8] {
        let k = SymmetricKey(data: key)
        let full: [UInt8] = sha256 ? Array(HMAC<SHA256>.authenticationCode(for: input, using: k))
                                   : Array(HMAC<Insecure.SHA1>.authenticationCode(for: input, using: k))
        return Array(full.prefix(length))
    }
}
